// Package notallowed is the refusal a member can act on (a limit reached, a
// suspended account, an address to confirm first, ...): its kind and the
// values the sentence needs, never the sentence. The web layer words it
// (handlers/refusals.go, NotAllowedText), so the data layer holds no text
// that users read.
//
// It owns no tables and imports nothing: it sits under every domain package
// (models, models/accounts, and the domains that move out of models) so that
// each returns the refusal where it is born, without import cycles. models
// keeps the type's name: models.ErrNotAllowed is an alias of Error, and
// models.IsNotAllowed finds one in an error chain.
package notallowed

import (
	"fmt"
	"time"
)

// Kind is why an action was refused, for the edge to put in words.
type Kind string

// The kinds, by where they are born. The comment names the values the
// sentence uses.
const (
	// Suspended: a suspended member cannot write (Until, Why).
	Suspended Kind = "suspended"
	// PostsPerHour: the hourly posting limit is reached (N: posts in the last hour).
	PostsPerHour Kind = "posts_per_hour"
	// SuspendStaff: only an admin suspends staff, nobody themselves.
	SuspendStaff Kind = "suspend_staff"
	// UnsuspendStaff: only an admin lifts a staff member's suspension, nobody their own.
	UnsuspendStaff Kind = "unsuspend_staff"
	// RemoveStaffAsSpammer: staff accounts are not removed as spammers.
	RemoveStaffAsSpammer Kind = "remove_staff_as_spammer"
	// NotPending: the post is not waiting for approval.
	NotPending Kind = "not_pending"

	// CannotSignIn: the account cannot sign in (removed, blocked).
	CannotSignIn Kind = "cannot_sign_in"
	// AddressCannotSignIn: the address belongs to an account that cannot sign in.
	AddressCannotSignIn Kind = "address_cannot_sign_in"
	// IdentityTaken: the external sign-in belongs to another account.
	IdentityTaken Kind = "identity_taken"

	// DeleteSuspended: a suspended member's account is deleted, but its posts stay.
	DeleteSuspended Kind = "delete_suspended"
	// LastAdmin: the only admin account cannot be deleted.
	LastAdmin Kind = "last_admin"
	// ExportsPerDay: the daily limit of data exports is reached (N: exports in 24 hours).
	ExportsPerDay Kind = "exports_per_day"
	// UploadsPerDay: the daily upload limit is reached (Bytes: the limit).
	UploadsPerDay Kind = "uploads_per_day"
	// KBVotesPerDay: visitors at one address rated an article as often as
	// a day allows (N: their ratings of it in 24 hours).
	KBVotesPerDay Kind = "kb_votes_per_day"

	// NoPassword: the account has no password to reset (Username).
	NoPassword Kind = "no_password"
	// AlreadyStaff: a member with a staff role asked to become an ambassador.
	AlreadyStaff Kind = "already_staff"
	// LinksPerHour: three links were sent in the last hour.
	LinksPerHour Kind = "links_per_hour"
	// OwnRole: nobody changes their own role.
	OwnRole Kind = "own_role"
	// PasskeyLimit: the account has the most passkeys it can have (N: the most).
	PasskeyLimit Kind = "passkey_limit"
	// PasskeyTaken: the passkey is registered already.
	PasskeyTaken Kind = "passkey_taken"
	// Unconfirmed: the member must confirm their address before they post (Email).
	Unconfirmed Kind = "unconfirmed"
	// AlreadyConfirmed: the address is confirmed already.
	AlreadyConfirmed Kind = "already_confirmed"
	// AddressTaken: another account took the new address since the link was
	// sent (Email: the address, or "" when it is not known).
	AddressTaken Kind = "address_taken"
	// AddressChangesPerHour: three address changes were asked for in the last hour.
	AddressChangesPerHour Kind = "address_changes_per_hour"

	// Editing, the knowledge base's solution and imported profiles.

	// EditSuspended: a suspended member cannot edit.
	EditSuspended Kind = "edit_suspended"
	// EditsPerHour: the hourly editing limit is reached (N: edits in the last hour).
	EditsPerHour Kind = "edits_per_hour"
	// NotASolution: only a visible answer in the article's thread becomes its solution.
	NotASolution Kind = "not_a_solution"
	// NotImportedFromX: only a profile imported from X can be linked.
	NotImportedFromX Kind = "not_imported_from_x"
)

// Kinds is every kind, for the edge's tests (each has its sentence).
func Kinds() []Kind {
	return []Kind{Suspended, PostsPerHour, SuspendStaff, UnsuspendStaff, RemoveStaffAsSpammer, NotPending,
		CannotSignIn, AddressCannotSignIn, IdentityTaken, DeleteSuspended, LastAdmin, ExportsPerDay, UploadsPerDay, KBVotesPerDay,
		NoPassword, AlreadyStaff, LinksPerHour, OwnRole, PasskeyLimit, PasskeyTaken, Unconfirmed, AlreadyConfirmed,
		AddressTaken, AddressChangesPerHour, EditSuspended, EditsPerHour, NotASolution, NotImportedFromX}
}

// Error is an action refused for a reason the member can act on: its Kind
// and the values its sentence needs (only those the kind names are set).
type Error struct {
	Kind     Kind
	N        int       // a count: posts, edits or exports so far, the most passkeys
	Bytes    int64     // a size: the daily upload limit
	Until    time.Time // the end of a suspension
	Why      string    // the reason a moderator gave
	Email    string    // the address concerned
	Username string    // the account concerned
	// Reason is the sentence itself, with Kind empty: for a refusal the web
	// layer words itself (company sign-in's, in handlers, the only one).
	// The edge shows it as it is.
	Reason string
}

// Error is for logs: the kind and its values (or the fallback Reason), not
// the sentence members read.
func (e *Error) Error() string {
	if e.Kind == "" {
		return e.Reason
	}
	s := "not allowed: " + string(e.Kind)
	if e.N != 0 {
		s += fmt.Sprintf(" n=%d", e.N)
	}
	if e.Bytes != 0 {
		s += fmt.Sprintf(" bytes=%d", e.Bytes)
	}
	if !e.Until.IsZero() {
		s += " until=" + e.Until.UTC().Format(time.RFC3339)
	}
	if e.Why != "" {
		s += fmt.Sprintf(" why=%q", e.Why)
	}
	if e.Email != "" {
		s += " email=" + e.Email
	}
	if e.Username != "" {
		s += " user=" + e.Username
	}
	return s
}
