package accounts

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/crowdcare/crowdcare/models/db"
)

// Kinds of one-time link sent to an account's address (account_tokens,
// migration 0023). An ambassador's work-address link keeps its own table.
const (
	TokenVerifyEmail   = "verify_email"   // prove the account's address is the member's
	TokenChangeEmail   = "change_email"   // prove a new address before it replaces the old one
	TokenPasswordReset = "password_reset" // set a new password without the old one
)

// How long each kind of link works.
const (
	VerifyLinkTTL = 48 * time.Hour
	ResetLinkTTL  = time.Hour
)

// NewToken makes a link's secret and the hash that is stored. Every path
// that may send a link makes one first, whether or not it ends up sending
// it (tokensMade counts them), so the two take the same steps.
func (a *Accounts) NewToken() (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("make token: %w", err)
	}
	a.tokensMade.Add(1)
	token = hex.EncodeToString(b)
	return token, HashToken(token), nil
}

// IssueToken stores a link for userID in tx, valid for ttl, and ends the
// user's earlier unused links of the same kind: only the latest one works.
func (a *Accounts) IssueToken(ctx context.Context, tx *sql.Tx, kind string, userID int64, email, hash string, ttl time.Duration) (time.Time, error) {
	now := a.now()
	if err := EndTokens(ctx, tx, now, userID, kind); err != nil {
		return time.Time{}, err
	}
	expires := now.Add(ttl)
	if _, err := tx.ExecContext(ctx, `INSERT INTO account_tokens (kind, user_id, email, token_hash, expires_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, kind, userID, email, hash, expires.Unix(), now.Unix()); err != nil {
		return time.Time{}, fmt.Errorf("store %s token: %w", kind, err)
	}
	return expires, nil
}

// EndTokens makes the user's unused links of the kinds unusable. The rows
// stay until the account goes: they count against the limits.
func EndTokens(ctx context.Context, tx *sql.Tx, now time.Time, userID int64, kinds ...string) error {
	for _, k := range kinds {
		if _, err := tx.ExecContext(ctx, `UPDATE account_tokens SET expires_at = min(expires_at, ?)
			WHERE user_id = ? AND kind = ? AND used_at IS NULL`, now.Unix(), userID, k); err != nil {
			return fmt.Errorf("end %s tokens: %w", k, err)
		}
	}
	return nil
}

// TokensMade is how many one-time link secrets this process made: every
// path that may send a link makes one first, whether or not it sends it
// (tests count them to check a reset for an unknown address takes the
// same steps).
func (a *Accounts) TokensMade() int64 { return a.tokensMade.Load() }

// accountToken is a link's row.
type accountToken struct {
	id, userID int64
	kind       string
	email      string // the address the link went to
}

// recentTokens counts the links of a kind made for the user since a time.
func recentTokens(ctx context.Context, q db.Querier, userID int64, kind string, since time.Time) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM account_tokens WHERE user_id = ? AND kind = ? AND created_at > ?`,
		userID, kind, since.Unix()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count %s tokens: %w", kind, err)
	}
	return n, nil
}

// findToken loads the live link of one of the kinds whose secret is token,
// read through q: ErrLinkInvalid when it is unknown, of another kind, used,
// expired, its account is gone, or (but for a new address) the account's
// address is no longer the one the link went to.
func (a *Accounts) findToken(ctx context.Context, q db.Querier, token string, kinds ...string) (*accountToken, *User, error) {
	if token == "" {
		return nil, nil, ErrLinkInvalid
	}
	var t accountToken
	var expires int64
	var used sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT id, user_id, kind, email, expires_at, used_at FROM account_tokens WHERE token_hash = ?`,
		HashToken(token)).Scan(&t.id, &t.userID, &t.kind, &t.email, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, ErrLinkInvalid
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load token: %w", err)
	}
	kindOK := false
	for _, k := range kinds {
		kindOK = kindOK || k == t.kind
	}
	if !kindOK || used.Valid || a.now().Unix() >= expires {
		return nil, nil, ErrLinkInvalid
	}
	u, err := ScanUser(q.QueryRowContext(ctx, `SELECT `+UserColumns+` FROM users WHERE id = ?`, t.userID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, ErrLinkInvalid
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load token's user: %w", err)
	}
	if u.Deleted() || u.Imported || (t.kind != TokenChangeEmail && !strings.EqualFold(u.Email, t.email)) {
		return nil, nil, ErrLinkInvalid
	}
	return &t, u, nil
}

// useToken is findToken in a write transaction that marks the link used.
func (a *Accounts) useToken(ctx context.Context, tx *sql.Tx, token string, kinds ...string) (*accountToken, *User, error) {
	t, u, err := a.findToken(ctx, tx, token, kinds...)
	if err != nil {
		return nil, nil, err
	}
	// Unused, checked again by the statement that uses it: two requests
	// with one link cannot both pass, whatever the isolation.
	if err := a.execOne(ctx, tx, `UPDATE account_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL`, a.now().Unix(), t.id); errors.Is(err, a.deps.NotFound) {
		return nil, nil, ErrLinkInvalid
	} else if err != nil {
		return nil, nil, fmt.Errorf("use token: %w", err)
	}
	return t, u, nil
}

// NoteRequest records one request of a kind under key (a client address,
// a hashed email address) in tx and returns how many were recorded within
// the window, this one included. Recording before counting, in the write
// transaction, keeps parallel requests from all slipping under a limit.
func (a *Accounts) NoteRequest(ctx context.Context, tx *sql.Tx, kind, key string, window time.Duration) (int, error) {
	now := a.now()
	if _, err := tx.ExecContext(ctx, `DELETE FROM account_requests WHERE at <= ?`, now.Add(-24*time.Hour).Unix()); err != nil {
		return 0, fmt.Errorf("forget old requests: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO account_requests (kind, key, at) VALUES (?, ?, ?)`, kind, key, now.Unix()); err != nil {
		return 0, fmt.Errorf("note %s request: %w", kind, err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM account_requests WHERE kind = ? AND key = ? AND at > ?`,
		kind, key, now.Add(-window).Unix()).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s requests: %w", kind, err)
	}
	return n, nil
}

// EmailKey is what limits per email address count under: a hash, so the
// table holds no address, known or not.
func EmailKey(email string) string { return HashToken(strings.ToLower(strings.TrimSpace(email))) }
