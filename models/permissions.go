package models

import (
	"context"
	"errors"
	"fmt"

	"github.com/crowdcare/crowdcare/models/policy"
)

// Who may do what lives in models/policy: the table of roles and
// permissions (policy.Role.Can) and the decisions on a post's actions. These
// aliases keep the names the handlers, templates and commands use
// (models.Role, models.RoleAdmin, models.PermHide ...); new code may name
// policy's directly.

// Role is what a user is in the community (policy.Role).
type Role = policy.Role

// The roles, from least to most trusted.
const (
	RoleMember     = policy.RoleMember
	RoleSuperuser  = policy.RoleSuperuser
	RoleAmbassador = policy.RoleAmbassador
	RoleModerator  = policy.RoleModerator
	RoleAdmin      = policy.RoleAdmin
)

// Roles lists every role, for validation and forms.
func Roles() []Role { return policy.Roles() }

// ParseRole returns the role named s, if there is one.
func ParseRole(s string) (Role, bool) { return policy.ParseRole(s) }

// Permission is something beyond what every member may do with their own
// content (policy.Permission).
type Permission = policy.Permission

// The permissions (policy's).
const (
	PermAcceptAny         = policy.PermAcceptAny
	PermEditAny           = policy.PermEditAny
	PermEditTitles        = policy.PermEditTitles
	PermSeeRevisions      = policy.PermSeeRevisions
	PermTriageFlags       = policy.PermTriageFlags
	PermHide              = policy.PermHide
	PermLock              = policy.PermLock
	PermMove              = policy.PermMove
	PermSuspend           = policy.PermSuspend
	PermRecommend         = policy.PermRecommend
	PermCurateKB          = policy.PermCurateKB
	PermTriageSocial      = policy.PermTriageSocial
	PermSeeInsights       = policy.PermSeeInsights
	PermIncidents         = policy.PermIncidents
	PermSeePrivate        = policy.PermSeePrivate
	PermSeeModLog         = policy.PermSeeModLog
	PermManageRoles       = policy.PermManageRoles
	PermManageSite        = policy.PermManageSite
	PermDeleteUsers       = policy.PermDeleteUsers
	PermRemoveAttachments = policy.PermRemoveAttachments
)

// PolicyPost is what policy's decisions read of a post in its thread.
func PolicyPost(p *Post, t *Thread) policy.Post {
	return policy.Post{AuthorID: p.Author.ID, IsQuestion: p.IsQuestion, Deleted: p.Deleted, Hidden: p.Hidden, Pending: p.Pending,
		ThreadAuthorID: t.Author.ID, ThreadDeleted: t.Deleted, ThreadGone: t.Gone()}
}

// decide is policy's decision on an action, as the store's errors: a post
// or thread not there to act on is ErrNotFound, an action the actor's role
// does not grant (or a visitor's) ErrForbidden; the other refusals stay a
// *policy.Refusal, which the handlers put in words.
func decide(a policy.Action, u *User, p *Post, t *Thread) error {
	return storeRefusal(policy.Decide(a, u.Actor(), PolicyPost(p, t)))
}

// PolicyThread is what policy's decisions on a thread read of it.
func PolicyThread(t *Thread) policy.Thread {
	return policy.Thread{AuthorID: t.Author.ID, Gone: t.Gone(), Locked: t.Locked}
}

// storeRefusal is a policy decision as the store's errors (see decide).
func storeRefusal(err error) error {
	var r *policy.Refusal
	if !errors.As(err, &r) {
		return err
	}
	switch r.Reason {
	case policy.Gone:
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	case policy.NotPermitted, policy.NotSignedIn:
		return fmt.Errorf("%w: %w", ErrForbidden, err)
	}
	return err
}

// decideOnPost is decide for a post whose thread is not loaded yet.
func (s *Store) decideOnPost(ctx context.Context, a policy.Action, u *User, p *Post) error {
	t, err := s.Thread(ctx, p.ThreadID)
	if err != nil {
		return err
	}
	return decide(a, u, p, t)
}

// What staff may do to one account besides what their role grants is
// decided in models/policy (accounts.go); these read a User for it.

// CanSuspendUser reports whether actor may suspend target or lift their
// suspension (policy.MaySuspend).
func CanSuspendUser(actor, target *User) bool {
	return policy.MaySuspend(actor.Actor(), target.Account())
}

// CanRemoveSpammer reports whether actor may remove target as a spammer
// (policy.MayRemoveSpammer).
func CanRemoveSpammer(actor, target *User) bool {
	return policy.MayRemoveSpammer(actor.Actor(), target.Account())
}

// CanSetRole reports whether actor may change target's role
// (policy.MaySetRole).
func CanSetRole(actor, target *User) bool {
	return policy.MaySetRole(actor.Actor(), target.Account())
}

// CanDeleteUser reports whether actor may delete target's account from the
// moderation page (policy.MayDeleteAccount).
func CanDeleteUser(actor, target *User) bool {
	return policy.MayDeleteAccount(actor.Actor(), target.Account())
}
