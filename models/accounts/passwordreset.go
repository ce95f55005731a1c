package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/models/markup"
	"github.com/crowdcare/crowdcare/models/notallowed"
)

// Password-reset limits, per hour. A client address over its limit is
// told so (429): that says nothing about any account. The limits per email
// address typed and per account are silent: the answer is the same, only
// no more links go out, so they cannot tell whether the address has an
// account, and nobody can fill a member's inbox with links.
const (
	ResetsPerClient  = 20
	ResetsPerEmail   = 3
	ResetsPerAccount = 3
	ResetWindow      = time.Hour
)

// Request kinds counted in account_requests.
const (
	requestResetClient = "reset_client"
	requestResetEmail  = "reset_email"
)

// ResetComposer writes the email a reset link goes out in: to username
// (never empty when it is sent), the link carrying token.
type ResetComposer func(username, token string) (subject, body string)

// RequestPasswordReset handles "forgot password" for an email address typed
// by anyone from the client address ip: when a live account has the address
// (ignoring case), a one-time link valid ResetLinkTTL is stored as a hash and
// its email queued in the same transaction; earlier links of the account
// stop working. sent reports whether it was, for tests only: a caller
// answers the same either way.
//
// Both cases take the same steps, so neither the answer nor its time tells
// whether the address has an account: the address is checked, a token made
// and hashed, the email composed, and one write transaction records the
// request and looks the address up; only the two inserts of a real link
// differ (microseconds inside the same commit). A malformed address is a
// ValidationError, too many requests from ip a *ThrottledError.
func (a *Accounts) RequestPasswordReset(ctx context.Context, email, ip string, compose ResetComposer) (sent bool, err error) {
	email = strings.TrimSpace(markup.CleanText(email))
	v := validator{}
	CheckEmail(v, "email", email)
	if err := v.Err(); err != nil {
		return false, err
	}
	token, tokenHash, err := a.NewToken()
	if err != nil {
		return false, err
	}
	now := a.now()
	// The limits count per client address and per address typed (an
	// address is one account's at most): their locks order the requests.
	lock := []string{requestResetClient + ":" + ThrottleAddress(ip), requestResetEmail + ":" + EmailKey(email)}
	err = a.db.InQuietLockedTx(ctx, lock, func(tx *sql.Tx) error {
		sent = false // run again after a lost race (PostgreSQL): decided afresh
		n, err := a.NoteRequest(ctx, tx, requestResetClient, ThrottleAddress(ip), ResetWindow)
		if err != nil {
			return err
		}
		if n > ResetsPerClient {
			return &ThrottledError{RetryAfter: ResetWindow}
		}
		perEmail, err := a.NoteRequest(ctx, tx, requestResetEmail, EmailKey(email), ResetWindow)
		if err != nil {
			return err
		}
		var id int64
		var username, to string
		err = tx.QueryRowContext(ctx, `SELECT id, username, email FROM users
			WHERE lower(email) = lower(?) AND imported = 0 AND deleted_at IS NULL`, email).Scan(&id, &username, &to)
		found := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("look up address: %w", err)
		}
		subject, body := compose(username, token)
		if !found || perEmail > ResetsPerEmail {
			return nil
		}
		recent, err := recentTokens(ctx, tx, id, TokenPasswordReset, now.Add(-ResetWindow))
		if err != nil || recent >= ResetsPerAccount {
			return err
		}
		expires, err := a.IssueToken(ctx, tx, TokenPasswordReset, id, to, tokenHash, ResetLinkTTL)
		if err != nil {
			return err
		}
		sent = true
		return a.deps.QueueEmail(ctx, tx, Email{Kind: EmailPasswordReset, To: to, Subject: subject, Body: body, Expires: expires})
	})
	var te *ThrottledError
	if errors.As(err, &te) {
		return false, te
	}
	if err != nil {
		return false, fmt.Errorf("request password reset: %w", err)
	}
	return sent, nil
}

// PasswordResetUser is the account a live reset link is for, to show its
// form; ErrLinkInvalid for a link that is unknown, used, expired or
// replaced by a later one, or whose account changed its address since.
func (a *Accounts) PasswordResetUser(ctx context.Context, token string) (*User, error) {
	_, u, err := a.findToken(ctx, a.db.Primary(), token, TokenPasswordReset)
	return u, err
}

// ResetPassword sets a new password through a reset link, once: the link
// is used up, the password replaced, every session of the account ended
// (the caller starts a new one for the browser that asked), every other
// reset link and the account's failed logins forgotten, and the address
// counts as verified (the link proved it), all in one transaction.
// ErrLinkInvalid as PasswordResetUser; a ValidationError for a password the
// rules refuse or a confirmation that differs.
func (a *Accounts) ResetPassword(ctx context.Context, token, password, confirm string) (*User, error) {
	if _, err := a.PasswordResetUser(ctx, token); err != nil {
		return nil, err
	}
	v := validator{}
	CheckPassword(v, "password", password)
	v.Check(password == confirm, "password_confirm", "The two passwords differ. Type the same one twice.")
	if err := v.Err(); err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), a.deps.PasswordCost())
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	var userID int64
	err = a.db.InTx(ctx, func(tx *sql.Tx) error {
		_, u, err := a.useToken(ctx, tx, token, TokenPasswordReset)
		if err != nil {
			return err
		}
		userID = u.ID
		if err := a.StorePasswordHash(ctx, tx, u.ID, hash); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE username = lower(?)`, u.Username); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE users SET email_verified_at = COALESCE(email_verified_at, ?) WHERE id = ?`,
			a.now().Unix(), u.ID)
		return err
	})
	if errors.Is(err, ErrLinkInvalid) {
		return nil, ErrLinkInvalid
	}
	if err != nil {
		return nil, fmt.Errorf("reset password: %w", err)
	}
	return a.UserByID(ctx, userID)
}

// SendPasswordReset is an operator or admin sending a member a reset link
// (the command line's user send-reset): the same link and email as the
// form's, without its limits. It returns where the email went.
func (a *Accounts) SendPasswordReset(ctx context.Context, u *User, compose ResetComposer) (string, error) {
	if u.Imported || u.Deleted() {
		return "", &notallowed.Error{Kind: notallowed.NoPassword, Username: u.Username}
	}
	token, tokenHash, err := a.NewToken()
	if err != nil {
		return "", err
	}
	subject, body := compose(u.Username, token)
	var to string
	err = a.db.InQuietTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT email FROM users WHERE id = ?`, u.ID).Scan(&to); err != nil {
			return err
		}
		expires, err := a.IssueToken(ctx, tx, TokenPasswordReset, u.ID, to, tokenHash, ResetLinkTTL)
		if err != nil {
			return err
		}
		return a.deps.QueueEmail(ctx, tx, Email{Kind: EmailPasswordReset, To: to, Subject: subject, Body: body, Expires: expires})
	})
	if err != nil {
		return "", fmt.Errorf("send password reset to %q: %w", u.Username, err)
	}
	return to, nil
}
