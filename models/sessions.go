package models

import (
	"context"
	"fmt"
	"time"

	"github.com/crowdcare/crowdcare/models/accounts"
)

// Recorded sessions (StartSession, StartSessionFor, SessionUser,
// EndSession) moved to models/accounts, which the store embeds; the
// unrecorded ones below stay: they live in this process's memory while the
// database refuses writes (writeFaults).

// SessionTTL is how long a login lasts. Alias: moved to models/accounts.
const SessionTTL = accounts.SessionTTL

func newSessionID() (string, error) { return accounts.NewSessionID() }

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
