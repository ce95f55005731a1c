package models

// Role is what a user is in the community.
type Role string

// The roles, from least to most trusted.
const (
	RoleMember     Role = "member"
	RoleSuperuser  Role = "superuser"
	RoleAmbassador Role = "ambassador"
	RoleModerator  Role = "moderator"
	RoleAdmin      Role = "admin"
)

// Roles lists every role, for validation and forms.
func Roles() []Role {
	return []Role{RoleMember, RoleSuperuser, RoleAmbassador, RoleModerator, RoleAdmin}
}

// ParseRole returns the role named s, if there is one.
func ParseRole(s string) (Role, bool) {
	for _, r := range Roles() {
		if string(r) == s {
			return r, true
		}
	}
	return "", false
}

// Permission is something beyond what every member may do with their own content.
type Permission string

// The permissions. Checks name a permission, never a role, so the table below
// is the one place that says who may do what.
const (
	PermAcceptAny    Permission = "accept_any"    // accept an answer on someone else's question
	PermEditAny      Permission = "edit_any"      // edit or delete someone else's post
	PermSeeRevisions Permission = "see_revisions" // read anyone's revision history
	PermHide         Permission = "hide"
	PermLock         Permission = "lock"
	PermMove         Permission = "move"
	PermSuspend      Permission = "suspend"
	PermCurateKB     Permission = "curate_kb"
	PermTriageSocial Permission = "triage_social"
	PermManageRoles  Permission = "manage_roles"
)

// Can reports whether the role grants the permission.
func (r Role) Can(p Permission) bool {
	switch r {
	case RoleAdmin:
		return true
	case RoleModerator:
		return p != PermManageRoles && p != PermTriageSocial && p != PermCurateKB
	case RoleAmbassador:
		return p != PermManageRoles
	case RoleSuperuser:
		return p == PermSeeRevisions
	}
	return false
}
