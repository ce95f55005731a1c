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

// What staff may do to one account besides what their role grants: the
// moderation page offers a form only where these allow it, and the store
// refuses the rest.

// CanSuspendUser reports whether actor may suspend target or lift their
// suspension: nobody themselves, and only an admin a staff member.
func CanSuspendUser(actor, target *User) bool {
	return actor.Can(PermSuspend) && actor.ID != target.ID && (!target.Role.IsStaff() || actor.Role == RoleAdmin)
}

// CanRemoveSpammer reports whether actor may remove target as a spammer:
// never a staff account, nor oneself.
func CanRemoveSpammer(actor, target *User) bool {
	return actor.Can(PermSuspend) && actor.Can(PermHide) && actor.ID != target.ID && !target.Role.IsStaff()
}

// CanSetRole reports whether actor may change target's role: nobody their own.
func CanSetRole(actor, target *User) bool {
	return actor.Can(PermManageRoles) && actor.ID != target.ID
}

// CanDeleteUser reports whether actor may delete target's account from the
// moderation page: an admin, never their own account (they delete it from
// their settings, like anyone).
func CanDeleteUser(actor, target *User) bool {
	return actor.Can(PermDeleteUsers) && actor.ID != target.ID && !target.Deleted()
}
