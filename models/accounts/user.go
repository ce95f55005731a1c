// Package accounts is the forum's members: the account (User) and how
// posts and threads name their author (UserRef), with what either says of
// itself (its profile address, whether it is suspended, deleted or an
// imported profile from X, what policy reads of it), and the accounts'
// SQL: registration (CreateUser for operators and admins, Register for the
// web form with its per-address limit, CreateSeededUser for the demo),
// look-ups (UserByID, UserByUsername, UserColumns and ScanUser for every
// query that reads a whole account), roles (SetRole, SetUserRole),
// sign-in (Authenticate) and its throttling, password changes
// (ChangePassword, SetPassword), sessions (StartSession, SessionUser,
// EndSession, EndAllSessions), the one-time links (NewToken, IssueToken,
// EndTokens, and the request counts that limit them), email verification
// and address changes (ResendVerification, ConfirmEmail,
// RequestEmailChange, and Unverified, the posting rule's check), password
// resets (RequestPasswordReset, ResetPassword, SendPasswordReset), the
// second factors (the authenticator app, recovery codes and passkeys, with
// their per-account limit on wrong codes), the profile a member writes (SaveProfile), the one-click unsubscribe and the
// notification-email switch, reputation (the points given and taken in the
// transaction of a vote or an acceptance, promotion to superuser, the
// private categories' share, the leaderboard) and the ambassador programme
// (requests, verification, the directories).
//
// Sign-in's throttling counts failures per pair of account and address and
// per address in the database, recorded before the password is checked in
// a transaction under the address's lock (db.DB.InQuietLockedTx), so it
// holds across parallel attempts and app servers on both engines; while
// the database refuses writes, this process keeps the failures it could
// not record in memory (loginmemory.go) and fails open for the record
// only, never for the checks.
//
// It takes the database layer, a *db.DB (models/db), and what it needs of
// the store and the domains still in models as a small Deps (the clock,
// the errors the web layer turns into pages, the site settings, the kept
// secrets, the bcrypt cost, which write errors are the database refusing
// writes, and the notify, audit-log and outbox steps, each run in the
// transaction that calls it), so it imports nothing of models (of this
// module, only models/db, models/policy and models/notallowed: the
// refusals a member can act on, which it returns as kinds with their
// values, never as sentences; the web layer words them). models.Store embeds an
// *Accounts, so its methods are the store's, and keeps aliases
// (models.User, models.NewUser, models.Profile, models.LeaderEntry, …) and
// thin wrappers for its other files (addReputation and hasStanding for the
// forum's votes and acceptances, recountPrivateReputation, newToken,
// issueToken, scanUser, unverifiedErr).
//
// Still in models, and why: a profile's counts (Store.Profile) and a
// member's answers (UserAnswers, AnswerSummary) are the forum's rows read
// with its visibility rules; recommending an answer is the forum's step
// that notifies; company sign-in (sso.go, identities.go) creates accounts
// through CheckUnique and AccountLocks here but is its own step, as the
// login challenges are (challenges.go: the steps of company sign-in and of
// the WebAuthn ceremonies that span two requests); the unrecorded sessions
// (sessions.go) live in the store's memory of refused writes (writeFaults)
// (README, "The code: a map of the packages").
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
