package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/models/markup"
	"github.com/crowdcare/crowdcare/models/notallowed"
)

// Limits on the links a member asks for, per hour.
const (
	VerifyLinksPerHour   = 3
	EmailChangesPerHour  = 3
	requestEmailChange   = "change_email" // account_requests kind, keyed by account
	EmailChangeRequestBy = "u:"           // what the key of a member's address-change requests starts with
)

// Composer writes an email carrying a link made of token.
type Composer func(token string) (subject, body string)

// verifyFirst is the refusal an unverified member gets for posting while
// the site asks for a verified address.
func (a *Accounts) verifyFirst(u *User) error {
	return &notallowed.Error{Kind: notallowed.Unconfirmed, Email: u.Email}
}

// Unverified refuses u's post while the site setting asks for verified
// addresses and u has not verified theirs. Staff are not asked: an admin
// gave them their role, or they verified a company address.
func (a *Accounts) Unverified(ctx context.Context, u *User) error {
	if u.EmailVerified() || u.Role.IsStaff() {
		return nil
	}
	set, err := a.deps.Settings(ctx, a.db.Primary())
	if err != nil {
		return err
	}
	if !set.VerifyEmail {
		return nil
	}
	return a.verifyFirst(u)
}

// ResendVerification sends u a new link that verifies their address (the
// earlier ones stop working), at most VerifyLinksPerHour an hour.
func (a *Accounts) ResendVerification(ctx context.Context, u *User, compose Composer) error {
	if u.EmailVerified() {
		return &notallowed.Error{Kind: notallowed.AlreadyConfirmed}
	}
	token, tokenHash, err := a.NewToken()
	if err != nil {
		return err
	}
	subject, body := compose(token)
	return a.db.InQuietLockedTx(ctx, []string{TokenVerifyEmail + ":" + strconv.FormatInt(u.ID, 10)}, func(tx *sql.Tx) error {
		var email string
		var verified bool
		if err := tx.QueryRowContext(ctx, `SELECT email, email_verified_at IS NOT NULL FROM users WHERE id = ? AND deleted_at IS NULL`,
			u.ID).Scan(&email, &verified); err != nil {
			return fmt.Errorf("resend verification: %w", err)
		}
		if verified {
			return &notallowed.Error{Kind: notallowed.AlreadyConfirmed}
		}
		recent, err := recentTokens(ctx, tx, u.ID, TokenVerifyEmail, a.now().Add(-time.Hour))
		if err != nil {
			return err
		}
		if recent >= VerifyLinksPerHour {
			return &notallowed.Error{Kind: notallowed.LinksPerHour}
		}
		expires, err := a.IssueToken(ctx, tx, TokenVerifyEmail, u.ID, email, tokenHash, VerifyLinkTTL)
		if err != nil {
			return err
		}
		return a.deps.QueueEmail(ctx, tx, Email{Kind: EmailVerification, To: email, Subject: subject, Body: body, Expires: expires})
	})
}

// EmailLink is what a link from an email would do, for its confirmation
// page: following a link changes nothing by itself (mail scanners follow
// links); the page's button does.
type EmailLink struct {
	Kind     string // TokenVerifyEmail or TokenChangeEmail
	Username string
	Email    string // the address it verifies: the account's, or the new one
}

// EmailLinkFor looks up a live verification or address-change link:
// ErrLinkInvalid when it is unknown, used, expired or replaced.
func (a *Accounts) EmailLinkFor(ctx context.Context, token string) (*EmailLink, error) {
	t, u, err := a.findToken(ctx, a.db.Primary(), token, TokenVerifyEmail, TokenChangeEmail)
	if err != nil {
		return nil, err
	}
	return &EmailLink{Kind: t.kind, Username: u.Username, Email: t.email}, nil
}

// EmailConfirmation is what ConfirmEmail did.
type EmailConfirmation struct {
	EmailLink
	UserID   int64
	OldEmail string // the address a change replaced; "" for a verification
}

// ConfirmEmail uses a verification or address-change link, once. A
// verification marks the account's address verified. A change makes the
// new address the account's, verified, ends the links that went to the old
// one, and queues notice (written for the account's username and new
// address) to the old address, all in one transaction. ErrLinkInvalid as
// EmailLinkFor; ErrNotAllowed when another account took the new address
// meanwhile.
func (a *Accounts) ConfirmEmail(ctx context.Context, token string, notice func(username, newEmail string) (subject, body string)) (*EmailConfirmation, error) {
	var c *EmailConfirmation
	err := a.db.InTx(ctx, func(tx *sql.Tx) error {
		t, u, err := a.useToken(ctx, tx, token, TokenVerifyEmail, TokenChangeEmail)
		if err != nil {
			return err
		}
		now := a.now().Unix()
		c = &EmailConfirmation{EmailLink: EmailLink{Kind: t.kind, Username: u.Username, Email: t.email}, UserID: u.ID}
		if t.kind == TokenVerifyEmail {
			_, err := tx.ExecContext(ctx, `UPDATE users SET email_verified_at = COALESCE(email_verified_at, ?) WHERE id = ?`, now, u.ID)
			if err != nil {
				return err
			}
			return EndTokens(ctx, tx, a.now(), u.ID, TokenVerifyEmail)
		}
		var takenBy int64
		err = tx.QueryRowContext(ctx, `SELECT id FROM users WHERE lower(email) = lower(?) AND id != ?`, t.email, u.ID).Scan(&takenBy)
		if err == nil {
			return &notallowed.Error{Kind: notallowed.AddressTaken, Email: t.email}
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET email = ?, email_verified_at = ? WHERE id = ?`, t.email, now, u.ID); err != nil {
			return err
		}
		// Links sent to the old address stop working with it.
		if err := EndTokens(ctx, tx, a.now(), u.ID, TokenVerifyEmail, TokenChangeEmail, TokenPasswordReset); err != nil {
			return err
		}
		c.OldEmail = u.Email
		subject, body := notice(u.Username, t.email)
		return a.deps.QueueEmail(ctx, tx, Email{Kind: EmailChanged, To: u.Email, Subject: subject, Body: body})
	})
	if db.IsUnique(err) {
		// A sign-up took the address between the check and the change.
		return nil, &notallowed.Error{Kind: notallowed.AddressTaken}
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// EmailChangeMail writes the two emails a change request may send to the
// new address: the link, or (the address has an account already) a note
// saying so, which is sent instead so that the answer is the same.
type EmailChangeMail struct {
	Link  Composer
	Taken func() (subject, body string)
}

// RequestEmailChange starts moving u to a new address: after their
// current password (checked as a login from ip is, so it cannot be guessed
// faster than there), a link valid VerifyLinkTTL goes to the new address,
// and the address changes only when it is opened (ConfirmEmail). When the
// address belongs to another account, that address gets a note instead and
// nothing else happens: the member is answered the same, so the form does
// not tell whose address is whose. At most EmailChangesPerHour requests an
// hour.
func (a *Accounts) RequestEmailChange(ctx context.Context, u *User, newEmail, password, ip string, mail EmailChangeMail) error {
	if err := a.suspended(u); err != nil {
		return err
	}
	newEmail = strings.TrimSpace(markup.CleanText(newEmail))
	_, authErr := a.Authenticate(ctx, u.Username, password, ip)
	var te *ThrottledError
	if errors.As(authErr, &te) {
		return te
	}
	if authErr != nil && !errors.Is(authErr, ErrBadCredentials) {
		return authErr
	}
	v := validator{}
	CheckEmail(v, "email", newEmail)
	v.Check(!strings.EqualFold(newEmail, u.Email), "email", "That is your address already.")
	v.Check(authErr == nil, "email_password", "That is not your current password.")
	if err := v.Err(); err != nil {
		return err
	}
	token, tokenHash, err := a.NewToken()
	if err != nil {
		return err
	}
	linkSubject, linkBody := mail.Link(token)
	takenSubject, takenBody := mail.Taken()
	key := EmailChangeRequestBy + strconv.FormatInt(u.ID, 10)
	return a.db.InQuietLockedTx(ctx, []string{requestEmailChange + ":" + key}, func(tx *sql.Tx) error {
		n, err := a.NoteRequest(ctx, tx, requestEmailChange, key, time.Hour)
		if err != nil {
			return err
		}
		if n > EmailChangesPerHour {
			return &notallowed.Error{Kind: notallowed.AddressChangesPerHour}
		}
		var takenBy int64
		err = tx.QueryRowContext(ctx, `SELECT id FROM users WHERE lower(email) = lower(?)`, newEmail).Scan(&takenBy)
		if err == nil {
			return a.deps.QueueEmail(ctx, tx, Email{Kind: EmailChange, To: newEmail, Subject: takenSubject, Body: takenBody})
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		expires, err := a.IssueToken(ctx, tx, TokenChangeEmail, u.ID, newEmail, tokenHash, VerifyLinkTTL)
		if err != nil {
			return err
		}
		return a.deps.QueueEmail(ctx, tx, Email{Kind: EmailChange, To: newEmail, Subject: linkSubject, Body: linkBody, Expires: expires})
	})
}

// PendingEmailChange is the new address u asked to move to and has not
// confirmed yet, while its link works; "" for none.
func (a *Accounts) PendingEmailChange(ctx context.Context, u *User) (string, error) {
	var email string
	err := a.db.Reader(ctx).QueryRowContext(ctx, `SELECT email FROM account_tokens WHERE user_id = ? AND kind = ? AND used_at IS NULL AND expires_at > ?
		ORDER BY id DESC LIMIT 1`, u.ID, TokenChangeEmail, a.now().Unix()).Scan(&email)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("pending address change: %w", err)
	}
	return email, nil
}
