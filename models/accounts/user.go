// Package accounts is the forum's members: the account (User) and how
// posts and threads name their author (UserRef), with what either says of
// itself (its profile address, whether it is suspended, deleted or an
// imported profile from X, what policy reads of it).
//
// Today it holds the types; the accounts' SQL (registration, sign-in,
// profiles, the ambassador programme, reputation, sessions, two-factor,
// company sign-in) is still in models, which names these types through
// aliases (models.User, models.UserRef) and is to move here next (README,
// "The code: a map of the packages"). It imports only models/policy.
package accounts

import (
	"net/url"
	"strings"
	"time"

	"github.com/crowdcare/crowdcare/models/policy"
)

// DeletedUsernamePrefix starts the username a deleted account gets
// (deleted-member-<id>); nobody may register a name that starts with it.
const DeletedUsernamePrefix = "deleted-member-"

// DeletedMemberName is how a deleted account's kept posts are signed.
const DeletedMemberName = "deleted member"

// UnknownXAuthor is the X user id of the one placeholder profile that
// imported posts whose file named no author are attributed to.
const UnknownXAuthor = "0"

// User is a registered account.
type User struct {
	ID                 int64
	Username           string
	Email              string
	Role               policy.Role
	SessionEpoch       int64
	CreatedAt          time.Time
	SuspendedUntil     time.Time // zero when not suspended
	SuspendReason      string
	Reputation         int    // what everyone sees: the points earned outside private categories
	PrivateReputation  int    // the points earned in private categories, for staff who see them
	WorkEmail          string // the verified address that made them an ambassador
	EmailNotifications bool
	Imported           bool   // a placeholder for someone imported from X; cannot log in
	XHandle            string // their handle on X, without "@"
	// XUserID is an imported profile's X user id when the source gave one;
	// UnknownXAuthor for the profile of posts whose file named no author.
	XUserID string
	// DisplayName and Bio are what the member says about themselves on
	// their profile; AvatarURL is an uploaded avatar ("" : the default).
	DisplayName string
	Bio         string
	AvatarURL   string
	// EmailVerifiedAt is when the member proved Email is theirs; zero: not yet.
	EmailVerifiedAt time.Time
	// DeletedAt is when the account was deleted (DeleteAccount); zero for a live one.
	DeletedAt time.Time
}

// EmailVerified reports whether the member proved their address is theirs.
func (u *User) EmailVerified() bool { return u != nil && !u.EmailVerifiedAt.IsZero() }

// Deleted reports whether the account was deleted: only its posts remain,
// as a "deleted member"'s.
func (u *User) Deleted() bool { return u != nil && !u.DeletedAt.IsZero() }

// Suspended reports whether the user may read but not post right now.
func (u *User) Suspended(now time.Time) bool {
	return u != nil && u.SuspendedUntil.After(now)
}

// Can reports whether the user's role grants p. A nil user (a visitor) has no permissions.
func (u *User) Can(p policy.Permission) bool {
	return u != nil && u.Role.Can(p)
}

// URL is the profile page.
func (u *User) URL() string { return "/u/" + u.Username }

// Ref is how the user's posts and threads name them.
func (u *User) Ref() UserRef {
	return UserRef{ID: u.ID, Username: u.Username, Role: u.Role, AvatarURL: u.AvatarURL}
}

// Actor is the user as policy sees them: the zero Actor (a visitor) for nil.
func (u *User) Actor() policy.Actor {
	if u == nil {
		return policy.Actor{}
	}
	return policy.Actor{ID: u.ID, Role: u.Role}
}

// Account is the user as policy's decisions on an account see them.
func (u *User) Account() policy.Account {
	return policy.Account{ID: u.ID, Role: u.Role, Deleted: u.Deleted()}
}

// XName is how an imported profile is known on X: "@handle", else "X user
// <id>", else "Unknown author" (posts whose file named nobody).
func (u *User) XName() string {
	switch {
	case u.XHandle != "":
		return "@" + u.XHandle
	case u.XUserID != "" && u.XUserID != UnknownXAuthor:
		return "X user " + u.XUserID
	}
	return "Unknown author"
}

// XProfileURL is an imported profile's page on X, or "" when unknown.
func (u *User) XProfileURL() string {
	switch {
	case u.XHandle != "":
		return "https://x.com/" + url.PathEscape(u.XHandle)
	case u.XUserID != "" && u.XUserID != UnknownXAuthor:
		return "https://x.com/i/user/" + u.XUserID
	}
	return ""
}

// UserRef is how a post or thread names its author.
type UserRef struct {
	ID       int64
	Username string
	Role     policy.Role
	// AvatarURL is the member's uploaded picture (/uploads/…), "" for the
	// generated one: filled where posts and threads are read.
	AvatarURL string
}

// URL is the author's profile.
func (u UserRef) URL() string { return "/u/" + u.Username }

// Deleted reports whether the author's account was deleted: their posts
// are shown as a deleted member's, with no profile to link to.
func (u UserRef) Deleted() bool { return strings.HasPrefix(u.Username, DeletedUsernamePrefix) }
