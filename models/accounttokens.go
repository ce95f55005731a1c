package models

import (
	"context"
	"database/sql"
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

// checkEmail adds to v, under field, what is wrong with an email address
// (accounts.CheckEmail).
func checkEmail(v validator, field, email string) { accounts.CheckEmail(v, field, email) }
