package accounts

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// SessionTTL is how long a login lasts, however active the member is.
const SessionTTL = 30 * 24 * time.Hour

// StartSession records a new session of the user and returns its id, the
// secret the session cookie carries; only a hash of it is stored. replaces
// is the id of the session the browser had before, ended in the same
// write ("" for none). Expired sessions are cleaned up on the way.
func (a *Accounts) StartSession(ctx context.Context, userID int64, replaces string) (string, error) {
	return a.StartSessionFor(ctx, userID, replaces, SessionTTL)
}

// StartSessionFor is StartSession for a session that lasts ttl (at most
// SessionTTL): a staff member's company sign-in lasts less, so that a
// departed employee's access ends soon after their company account does.
func (a *Accounts) StartSessionFor(ctx context.Context, userID int64, replaces string, ttl time.Duration) (string, error) {
	if ttl <= 0 || ttl > SessionTTL {
		ttl = SessionTTL
	}
	id, err := NewSessionID()
	if err != nil {
		return "", err
	}
	now := a.now()
	write := func(tx *sql.Tx) error {
		if replaces != "" {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = ?`, HashToken(replaces)); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, now.Unix()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, started_at, expires_at) VALUES (?, ?, ?, ?)`,
			HashToken(id), userID, now.Unix(), now.Add(ttl).Unix())
		return err
	}
	// A new session makes no cached answer wrong (it is not in any cache
	// yet), so its commit leaves caches valid; ending the one it replaces
	// must not, so every cached copy of that one is dropped.
	if replaces == "" {
		err = a.db.InQuietTx(ctx, write)
	} else {
		err = a.db.InTx(ctx, write)
	}
	if err != nil {
		return "", fmt.Errorf("start session of %d: %w", userID, err)
	}
	return id, nil
}

// SessionUser loads the user whose live session id is, and when the session
// expires. An ended, expired or unknown session is deps.NotFound.
func (a *Accounts) SessionUser(ctx context.Context, id string) (*User, time.Time, error) {
	var expires int64
	row := a.db.Primary().QueryRowContext(ctx, `SELECT sessions.expires_at, `+UserColumns+`
		FROM sessions JOIN users ON users.id = sessions.user_id
		WHERE sessions.id_hash = ? AND sessions.expires_at > ?`, HashToken(id), a.now().Unix())
	u, err := ScanUser(ScanPrefix{Row: row, First: &expires})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, time.Time{}, a.deps.NotFound
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("load session: %w", err)
	}
	return u, time.Unix(expires, 0), nil
}

// EndSession ends one session (logging out). Ending one that is already
// gone is no error.
func (a *Accounts) EndSession(ctx context.Context, id string) error {
	if _, err := a.db.Exec(ctx, `DELETE FROM sessions WHERE id_hash = ?`, HashToken(id)); err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}

// NewSessionID makes a session's secret id (the cookie carries it; only its hash is stored).
func NewSessionID() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("session id: %w", err)
	}
	return hex.EncodeToString(b), nil
}
