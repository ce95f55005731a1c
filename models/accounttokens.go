package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/crowdcare/crowdcare/models/accounts"
)

// Kinds of one-time link sent to an account's address. Alias: moved to models/accounts.
const (
	TokenVerifyEmail   = accounts.TokenVerifyEmail
	TokenChangeEmail   = accounts.TokenChangeEmail
	TokenPasswordReset = accounts.TokenPasswordReset
)

// How long each kind of link works. Alias: moved to models/accounts.
const (
	VerifyLinkTTL = accounts.VerifyLinkTTL
	ResetLinkTTL  = accounts.ResetLinkTTL
)

// accountToken is a link's row.
type accountToken struct {
	id, userID int64
	kind       string
	email      string // the address the link went to
}

// newToken makes a link's secret and the hash that is stored
// (accounts.NewToken, which counts it).
func (s *Store) newToken() (token, hash string, err error) { return s.Accounts.NewToken() }

// issueToken stores a link for userID in tx, valid for ttl, ending the
// user's earlier unused links of the same kind (accounts.IssueToken).
func (s *Store) issueToken(ctx context.Context, tx *sql.Tx, kind string, userID int64, email, hash string, ttl time.Duration) (time.Time, error) {
	return s.Accounts.IssueToken(ctx, tx, kind, userID, email, hash, ttl)
}

// endTokens makes the user's unused links of the kinds unusable (accounts.EndTokens).
func endTokens(ctx context.Context, tx *sql.Tx, now time.Time, userID int64, kinds ...string) error {
	return accounts.EndTokens(ctx, tx, now, userID, kinds...)
}

// recentTokens counts the links of a kind made for the user since a time.
func recentTokens(ctx context.Context, q dbtx, userID int64, kind string, since time.Time) (int, error) {
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
func (s *Store) findToken(ctx context.Context, q dbtx, token string, kinds ...string) (*accountToken, *User, error) {
	if token == "" {
		return nil, nil, ErrLinkInvalid
	}
	var t accountToken
	var expires int64
	var used sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT id, user_id, kind, email, expires_at, used_at FROM account_tokens WHERE token_hash = ?`,
		hashToken(token)).Scan(&t.id, &t.userID, &t.kind, &t.email, &expires, &used)
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
	if !kindOK || used.Valid || s.now().Unix() >= expires {
		return nil, nil, ErrLinkInvalid
	}
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, t.userID))
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
func (s *Store) useToken(ctx context.Context, tx *sql.Tx, token string, kinds ...string) (*accountToken, *User, error) {
	t, u, err := s.findToken(ctx, tx, token, kinds...)
	if err != nil {
		return nil, nil, err
	}
	// Unused, checked again by the statement that uses it: two requests
	// with one link cannot both pass, whatever the isolation.
	if err := execOne(ctx, tx, `UPDATE account_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL`, s.now().Unix(), t.id); errors.Is(err, ErrNotFound) {
		return nil, nil, ErrLinkInvalid
	} else if err != nil {
		return nil, nil, fmt.Errorf("use token: %w", err)
	}
	return t, u, nil
}

// noteRequest records one request of a kind under key (a client address,
// a hashed email address) in tx and returns how many were recorded within
// the window, this one included. Recording before counting, in the write
// transaction, keeps parallel requests from all slipping under a limit.
func (s *Store) noteRequest(ctx context.Context, tx *sql.Tx, kind, key string, window time.Duration) (int, error) {
	now := s.now()
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

// emailKey is what limits per email address count under: a hash, so the
// table holds no address, known or not.
func emailKey(email string) string { return hashToken(strings.ToLower(strings.TrimSpace(email))) }

// checkEmail adds to v, under field, what is wrong with an email address
// (accounts.CheckEmail).
func checkEmail(v validator, field, email string) { accounts.CheckEmail(v, field, email) }
