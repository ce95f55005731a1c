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
	return s.StartSessionFor(ctx, userID, replaces, SessionTTL)
}

// StartSessionFor is StartSession for a session that lasts ttl (at most
// SessionTTL): a staff member's company sign-in lasts less, so that a
// departed employee's access ends soon after their company account does.
func (s *Store) StartSessionFor(ctx context.Context, userID int64, replaces string, ttl time.Duration) (string, error) {
	if ttl <= 0 || ttl > SessionTTL {
		ttl = SessionTTL
	}
	id, err := newSessionID()
	if err != nil {
		return "", err
	}
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
			hashToken(id), userID, now.Unix(), now.Add(ttl).Unix())
		return err
	}
	// A new session makes no cached answer wrong (it is not in any cache
	// yet), so its commit leaves caches valid; ending the one it replaces
	// must not, so every cached copy of that one is dropped.
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
	u, err := scanUser(scanPrefix{Row: row, First: &expires})
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

func newSessionID() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("session id: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// Unrecorded sessions. "A cookie counts only while its session is
// recorded" cannot hold while the database refuses writes (a full disk, a
// lock held past the wait): no login could record its session, so nobody,
// the admin who has to fix it included, could log in. A login whose
// session cannot be recorded gets an unrecorded session instead, which the
// cookie marks with its start. It counts only while the database has
// refused writes without a break since before it started (so never past
// the outage it was made in: once a probe write succeeds, every unrecorded
// session is void and its member logs in again, recorded this time), for
// UnrecordedSessionTTL at most, and until logged out. Logging out ends it
// in this process's memory, as the database cannot record that either;
// "log out everywhere" and a password change need writes and are refused.

// UnrecordedSessionTTL bounds an unrecorded session however long the
// outage lasts.
const UnrecordedSessionTTL = 12 * time.Hour

// UnrecordedSession makes the id and start of a session the database could
// not record (StartSession failed with a WriteFault). It refuses while
// writes work: then the session must be recorded.
func (s *Store) UnrecordedSession() (string, time.Time, error) {
	since, _ := s.WritesFailing()
	if since.IsZero() {
		return "", time.Time{}, fmt.Errorf("unrecorded session: %w", ErrForbidden)
	}
	id, err := newSessionID()
	return id, time.Now(), err
}

// UnrecordedSessionUser loads the user of an unrecorded session, or
// ErrNotFound when it no longer counts (see UnrecordedSession).
func (s *Store) UnrecordedSessionUser(ctx context.Context, userID int64, id string, started time.Time) (*User, error) {
	since, _ := s.WritesFailing()
	now := time.Now()
	if since.IsZero() || started.Unix() < since.Unix() || now.Sub(started) > UnrecordedSessionTTL || started.After(now) {
		return nil, ErrNotFound
	}
	s.faults.mu.Lock()
	ended := s.faults.ended[hashToken(id)]
	s.faults.mu.Unlock()
	if ended {
		return nil, ErrNotFound
	}
	return s.UserByID(ctx, userID)
}

// EndUnrecordedSession logs an unrecorded session out, in memory.
func (s *Store) EndUnrecordedSession(id string) {
	f := &s.faults
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.since.IsZero() {
		return // void already
	}
	if f.ended == nil {
		f.ended = map[string]bool{}
	}
	f.ended[hashToken(id)] = true
}
