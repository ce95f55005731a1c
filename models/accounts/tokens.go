package accounts

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"time"
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
