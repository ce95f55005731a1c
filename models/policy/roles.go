package policy

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

// The permissions. Checks name a permission, never a role, so Can below is
// the one place that says who may do what.
const (
	PermAcceptAny    Permission = "accept_any"    // accept an answer on someone else's question
	PermEditAny      Permission = "edit_any"      // edit or delete anyone's post
	PermEditTitles   Permission = "edit_titles"   // edit any thread's title and tags
	PermSeeRevisions Permission = "see_revisions" // read anyone's edit history
	PermTriageFlags  Permission = "triage_flags"  // work the flag queue
	PermHide         Permission = "hide"          // hide and unhide posts, approve queued posts
	PermLock         Permission = "lock"          // lock, pin, close as duplicate
	PermMove         Permission = "move"          // move threads between categories
	PermSuspend      Permission = "suspend"       // suspend members, remove spammers
	PermRecommend    Permission = "recommend"     // mark an answer "Recommended by <brand>"
	PermCurateKB     Permission = "curate_kb"
	PermTriageSocial Permission = "triage_social"
	PermSeeInsights  Permission = "see_insights" // the /insights dashboard
	PermIncidents    Permission = "incidents"    // open and close incident banners
	PermSeePrivate   Permission = "see_private"  // read every private category
	PermSeeModLog    Permission = "see_mod_log"  // read the audit log
	PermManageRoles  Permission = "manage_roles" // grant roles, verify ambassadors
	PermManageSite   Permission = "manage_site"  // site settings, categories, groups
	PermDeleteUsers  Permission = "delete_users" // delete another member's account and personal data
	// PermRemoveAttachments: take an attached file off a post (audited).
	PermRemoveAttachments Permission = "remove_attachments"
)

// Can reports whether the role grants the permission. This is the
// permission table; README.md shows it as a matrix.
func (r Role) Can(p Permission) bool {
	switch r {
	case RoleAdmin:
		return true
	case RoleModerator:
		switch p {
		case PermEditAny, PermEditTitles, PermSeeRevisions, PermTriageFlags, PermHide, PermLock, PermMove,
			PermSuspend, PermSeePrivate, PermSeeModLog, PermAcceptAny, PermRemoveAttachments:
			return true
		}
	case RoleAmbassador:
		switch p {
		case PermEditAny, PermEditTitles, PermSeeRevisions, PermTriageFlags, PermHide, PermLock, PermMove,
			PermSuspend, PermSeePrivate, PermSeeModLog, PermAcceptAny, PermRecommend, PermCurateKB, PermTriageSocial, PermSeeInsights, PermIncidents,
			PermRemoveAttachments:
			return true
		}
	case RoleSuperuser:
		switch p {
		case PermEditTitles, PermSeeRevisions, PermTriageFlags:
			return true
		}
	}
	return false
}

// IsStaff reports whether the role is an employee or moderator role, shown with a badge.
func (r Role) IsStaff() bool {
	return r == RoleAmbassador || r == RoleModerator || r == RoleAdmin
}
