package models

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
func (s *Store) StartSession(ctx context.Context, userID int64, replaces string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("session id: %w", err)
	}
	id := hex.EncodeToString(b)
	now := s.now()
	write := func(tx *sql.Tx) error {
		if replaces != "" {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = ?`, hashToken(replaces)); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, now.Unix()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, started_at, expires_at) VALUES (?, ?, ?, ?)`,
			hashToken(id), userID, now.Unix(), now.Add(SessionTTL).Unix())
		return err
	}
	// A new session makes no cached answer wrong (it is not in any cache
	// yet), so its commit leaves caches valid; ending the one it replaces
	// must not, so every cached copy of that one is dropped.
	var err error
	if replaces == "" {
		err = s.inQuietTx(ctx, write)
	} else {
		err = s.inTx(ctx, write)
	}
	if err != nil {
		return "", fmt.Errorf("start session of %d: %w", userID, err)
	}
	return id, nil
}

// SessionUser loads the user whose live session id is, and when the session
// expires. An ended, expired or unknown session is ErrNotFound.
func (s *Store) SessionUser(ctx context.Context, id string) (*User, time.Time, error) {
	var expires int64
	row := s.r.QueryRowContext(ctx, `SELECT sessions.expires_at, `+userColumns+`
		FROM sessions JOIN users ON users.id = sessions.user_id
		WHERE sessions.id_hash = ? AND sessions.expires_at > ?`, hashToken(id), s.now().Unix())
	u, err := scanUser(scanPrefix{row: row, first: &expires})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, time.Time{}, ErrNotFound
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("load session: %w", err)
	}
	return u, time.Unix(expires, 0), nil
}

// EndSession ends one session (logging out). Ending one that is already
// gone is no error.
func (s *Store) EndSession(ctx context.Context, id string) error {
	if _, err := s.exec(ctx, `DELETE FROM sessions WHERE id_hash = ?`, hashToken(id)); err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}
