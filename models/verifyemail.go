package models

import (
	"context"

	"github.com/crowdcare/crowdcare/models/accounts"
)

// Email verification and address changes moved to models/accounts, which
// the store embeds (ResendVerification, EmailLinkFor, ConfirmEmail,
// RequestEmailChange, PendingEmailChange). Aliases and wrappers for what
// models and the web layer name here:

// Composer writes an email carrying a link made of token. Alias: moved to models/accounts.
type Composer = accounts.Composer

// EmailLink is what a link from an email would do. Alias: moved to models/accounts.
type EmailLink = accounts.EmailLink

// EmailConfirmation is what ConfirmEmail did. Alias: moved to models/accounts.
type EmailConfirmation = accounts.EmailConfirmation

// EmailChangeMail writes the emails an address change may send. Alias: moved to models/accounts.
type EmailChangeMail = accounts.EmailChangeMail

// emailChangeRequestBy starts the key of a member's address-change requests.
const emailChangeRequestBy = accounts.EmailChangeRequestBy

// unverifiedErr refuses u's post while the site asks for a verified
// address and u has not confirmed theirs (accounts.Unverified).
func (s *Store) unverifiedErr(ctx context.Context, u *User) error {
	return s.Accounts.Unverified(ctx, u)
}

// emailKey is what limits per email address count under (accounts.EmailKey).
func emailKey(email string) string { return accounts.EmailKey(email) }
