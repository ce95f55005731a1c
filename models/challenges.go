package models

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// A login challenge is one step of a sign-in that spans two requests (a
// trip to the identity provider, a passkey ceremony, setting up an
// authenticator app). It is kept in the database, not in a server's
// memory, so any app server finishes what another began; the browser
// holds its secret (a cookie, or the OAuth state it carries through the
// provider) and only the secret's hash is stored. TakeChallenge deletes it
// as it reads it, in one statement: a challenge works once.

// The kinds of login challenge.
const (
	ChallengeSSOStart         = "sso_start"
	ChallengeSSOPending       = "sso_pending"
	ChallengeWebAuthnRegister = "webauthn_register"
	ChallengeWebAuthnLogin    = "webauthn_login"
	ChallengeTOTPEnrol        = "totp_enrol"
)

// ErrChallengeInvalid covers unknown, used, expired and foreign challenges alike.
var ErrChallengeInvalid = errors.New("this sign-in step is not valid (any more)")

// SaveChallenge stores data (as JSON) under a new secret for ttl and
// returns the secret. userID is the account it belongs to, 0 for none yet.
// Expired challenges are removed on the way.
func (s *Store) SaveChallenge(ctx context.Context, kind string, userID int64, data any, ttl time.Duration) (string, error) {
	secret := rand.Text()
	raw, err := json.Marshal(data)
	if err != nil {
		return "", fmt.Errorf("save %s challenge: %w", kind, err)
	}
	now := s.now()
	var uid any
	if userID != 0 {
		uid = userID
	}
	// Quiet: no page shows a challenge, so cached pages stay valid.
	err = s.inQuietTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_challenges WHERE expires_at <= ?`, now.Unix()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO login_challenges (id_hash, kind, user_id, data, expires_at) VALUES (?, ?, ?, ?, ?)`,
			hashToken(secret), kind, uid, string(raw), now.Add(ttl).Unix())
		return err
	})
	if err != nil {
		return "", fmt.Errorf("save %s challenge: %w", kind, err)
	}
	return secret, nil
}

// TakeChallenge reads the challenge of kind under secret into data and
// deletes it, in one statement, so two requests cannot both take it.
// userID must be the account it was saved for (0: none). A challenge that
// is unknown, of another kind or account, or expired is ErrChallengeInvalid.
func (s *Store) TakeChallenge(ctx context.Context, kind, secret string, userID int64, data any) error {
	if secret == "" {
		return ErrChallengeInvalid
	}
	var raw string
	var owner sql.NullInt64
	var expires int64
	// One statement, atomic by itself: no lock needed.
	err := s.inQuietLockedTx(ctx, nil, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `DELETE FROM login_challenges WHERE id_hash = ? AND kind = ?
			RETURNING data, user_id, expires_at`, hashToken(secret), kind).Scan(&raw, &owner, &expires)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return ErrChallengeInvalid
	}
	if err != nil {
		return fmt.Errorf("take %s challenge: %w", kind, err)
	}
	return s.checkChallenge(kind, raw, owner, expires, userID, data)
}

// PeekChallenge reads a challenge as TakeChallenge does, leaving it in
// place: for a form shown again after a mistake.
func (s *Store) PeekChallenge(ctx context.Context, kind, secret string, userID int64, data any) error {
	if secret == "" {
		return ErrChallengeInvalid
	}
	var raw string
	var owner sql.NullInt64
	var expires int64
	err := s.db.Primary().QueryRowContext(ctx, `SELECT data, user_id, expires_at FROM login_challenges WHERE id_hash = ? AND kind = ?`,
		hashToken(secret), kind).Scan(&raw, &owner, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrChallengeInvalid
	}
	if err != nil {
		return fmt.Errorf("read %s challenge: %w", kind, err)
	}
	return s.checkChallenge(kind, raw, owner, expires, userID, data)
}

func (s *Store) checkChallenge(kind, raw string, owner sql.NullInt64, expires, userID int64, data any) error {
	if expires <= s.now().Unix() || owner.Int64 != userID {
		return ErrChallengeInvalid
	}
	if err := json.Unmarshal([]byte(raw), data); err != nil {
		return fmt.Errorf("read %s challenge: %w", kind, err)
	}
	return nil
}

// DropChallenge deletes a challenge, if it is still there (a sign-in given up).
func (s *Store) DropChallenge(ctx context.Context, kind, secret string) error {
	if secret == "" {
		return nil
	}
	err := s.inQuietTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM login_challenges WHERE id_hash = ? AND kind = ?`, hashToken(secret), kind)
		return err
	})
	if err != nil {
		return fmt.Errorf("drop %s challenge: %w", kind, err)
	}
	return nil
}
