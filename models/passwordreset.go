package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Password-reset limits, per hour. A client address over its limit is
// told so (429): that says nothing about any account. The limits per email
// address typed and per account are silent: the answer is the same, only
// no more links go out, so they cannot tell whether the address has an
// account, and nobody can fill a member's inbox with links.
const (
	resetsPerClient  = 20
	resetsPerEmail   = 3
	resetsPerAccount = 3
	resetWindow      = time.Hour
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
func (s *Store) RequestPasswordReset(ctx context.Context, email, ip string, compose ResetComposer) (sent bool, err error) {
	email = strings.TrimSpace(cleanText(email))
	v := validator{}
	checkEmail(v, "email", email)
	if err := v.err(); err != nil {
		return false, err
	}
	token, tokenHash, err := s.newToken()
	if err != nil {
		return false, err
	}
	now := s.now()
	// The limits count per client address and per address typed (an
	// address is one account's at most): their locks order the requests.
	lock := []string{requestResetClient + ":" + ThrottleAddress(ip), requestResetEmail + ":" + emailKey(email)}
	err = s.inQuietLockedTx(ctx, lock, func(tx *sql.Tx) error {
		sent = false // run again after a lost race (PostgreSQL): decided afresh
		n, err := s.noteRequest(ctx, tx, requestResetClient, ThrottleAddress(ip), resetWindow)
		if err != nil {
			return err
		}
		if n > resetsPerClient {
			return &ThrottledError{RetryAfter: resetWindow}
		}
		perEmail, err := s.noteRequest(ctx, tx, requestResetEmail, emailKey(email), resetWindow)
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
		if !found || perEmail > resetsPerEmail {
			return nil
		}
		recent, err := recentTokens(ctx, tx, id, TokenPasswordReset, now.Add(-resetWindow))
		if err != nil || recent >= resetsPerAccount {
			return err
		}
		expires, err := s.issueToken(ctx, tx, TokenPasswordReset, id, to, tokenHash, ResetLinkTTL)
		if err != nil {
			return err
		}
		sent = true
		return s.queueEmail(ctx, tx, Email{Kind: EmailPasswordReset, To: to, Subject: subject, Body: body, Expires: expires})
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
func (s *Store) PasswordResetUser(ctx context.Context, token string) (*User, error) {
	_, u, err := s.findToken(ctx, s.r, token, TokenPasswordReset)
	return u, err
}

// ResetPassword sets a new password through a reset link, once: the link
// is used up, the password replaced, every session of the account ended
// (the caller starts a new one for the browser that asked), every other
// reset link and the account's failed logins forgotten, and the address
// counts as verified (the link proved it), all in one transaction.
// ErrLinkInvalid as PasswordResetUser; a ValidationError for a password the
// rules refuse or a confirmation that differs.
func (s *Store) ResetPassword(ctx context.Context, token, password, confirm string) (*User, error) {
	if _, err := s.PasswordResetUser(ctx, token); err != nil {
		return nil, err
	}
	v := validator{}
	checkPassword(v, "password", password)
	v.check(password == confirm, "password_confirm", "The two passwords differ. Type the same one twice.")
	if err := v.err(); err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.opts.PasswordCost)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	var userID int64
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		_, u, err := s.useToken(ctx, tx, token, TokenPasswordReset)
		if err != nil {
			return err
		}
		userID = u.ID
		if err := s.storePasswordHash(ctx, tx, u.ID, hash); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE username = lower(?)`, u.Username); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE users SET email_verified_at = COALESCE(email_verified_at, ?) WHERE id = ?`,
			s.now().Unix(), u.ID)
		return err
	})
	if errors.Is(err, ErrLinkInvalid) {
		return nil, ErrLinkInvalid
	}
	if err != nil {
		return nil, fmt.Errorf("reset password: %w", err)
	}
	return s.UserByID(ctx, userID)
}

// SendPasswordReset is an operator or admin sending a member a reset link
// (the command line's user send-reset): the same link and email as the
// form's, without its limits. It returns where the email went.
func (s *Store) SendPasswordReset(ctx context.Context, u *User, compose ResetComposer) (string, error) {
	if u.Imported || u.Deleted() {
		return "", &ErrNotAllowed{Reason: u.Username + " cannot log in: no password to reset."}
	}
	token, tokenHash, err := s.newToken()
	if err != nil {
		return "", err
	}
	subject, body := compose(u.Username, token)
	var to string
	err = s.inQuietTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT email FROM users WHERE id = ?`, u.ID).Scan(&to); err != nil {
			return err
		}
		expires, err := s.issueToken(ctx, tx, TokenPasswordReset, u.ID, to, tokenHash, ResetLinkTTL)
		if err != nil {
			return err
		}
		return s.queueEmail(ctx, tx, Email{Kind: EmailPasswordReset, To: to, Subject: subject, Body: body, Expires: expires})
	})
	if err != nil {
		return "", fmt.Errorf("send password reset to %q: %w", u.Username, err)
	}
	return to, nil
}
