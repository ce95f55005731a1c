package models

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Seeder writes made-up history into a store (the demo, in internal/demo):
// each write goes through the store's own code at the time last given to
// At, so every date it records (an account's creation, posts, votes,
// acceptances, notifications, the audit log, articles, flags) is that time
// and they all agree. Its Ask, Answer, Vote and Accept skip the rules a
// member meets (the posting rate, the approval queue, standing for points),
// as seeded content has no member behind it.
//
// A Seeder is for a store that serves nobody yet: until Close, everything
// that asks the store the time gets the seeder's.
type Seeder struct {
	s      *Store
	hashes map[string][]byte // bcrypt hash per password, made once
}

// NewSeeder starts writing history; Close ends it.
func (s *Store) NewSeeder() *Seeder {
	return &Seeder{s: s, hashes: map[string][]byte{}}
}

// At sets the time of the writes that follow.
func (sd *Seeder) At(t time.Time) { sd.s.seedAt.Store(t.UnixNano()) }

// Close gives the store its own clock back.
func (sd *Seeder) Close() { sd.s.seedAt.Store(0) }

// Empty reports whether the forum has no thread yet.
func (sd *Seeder) Empty(ctx context.Context) (bool, error) {
	var n int
	if err := sd.s.reader(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM threads`).Scan(&n); err != nil {
		return false, fmt.Errorf("count threads: %w", err)
	}
	return n == 0, nil
}

// CreateUser is Store.CreateUser, hashing each distinct password once (a
// demo's accounts share one; bcrypt at the real cost takes a quarter of a
// second per account).
func (sd *Seeder) CreateUser(ctx context.Context, n NewUser) (*User, error) {
	return sd.s.Accounts.CreateSeededUser(ctx, n, func(password string) ([]byte, error) {
		hash, ok := sd.hashes[password]
		if !ok {
			var err error
			if hash, err = bcrypt.GenerateFromPassword([]byte(password), sd.s.opts.PasswordCost); err != nil {
				return nil, err
			}
			sd.hashes[password] = hash
		}
		return hash, nil
	})
}

// Ask is CreateThread without the posting rules.
func (sd *Seeder) Ask(ctx context.Context, author *User, n NewThread) (*Thread, error) {
	return sd.s.createThread(ctx, author, n, true)
}

// Answer is CreateAnswer without the posting rules.
func (sd *Seeder) Answer(ctx context.Context, author *User, threadID int64, body string) (*Post, error) {
	return sd.s.createAnswer(ctx, author, threadID, body, "", true)
}

// Vote is Vote, giving points whatever the voter's standing.
func (sd *Seeder) Vote(ctx context.Context, voter *User, postID int64) error {
	return sd.s.vote(ctx, voter, postID, false, true)
}

// Accept is Accept, giving points whatever the asker's standing.
func (sd *Seeder) Accept(ctx context.Context, asker *User, postID int64) error {
	_, err := sd.s.accept(ctx, asker, postID, false, true)
	return err
}

// SkipEmails keeps the notifications written so far, about made-up events
// for made-up addresses, from ever being emailed.
func (sd *Seeder) SkipEmails(ctx context.Context) error {
	_, err := sd.s.db.W().ExecContext(ctx, `UPDATE notifications SET email_state = 'skipped', emailed_at = ? WHERE email_state = 'pending'`,
		sd.s.now().Unix())
	if err != nil {
		return fmt.Errorf("skip seeded emails: %w", err)
	}
	return nil
}

// CountAt counts n events of metric (keyed by key: a no-result search's
// text, else "") in the hour of at, added up as the server counts them,
// through the event buffer: for a made-up history of the insights'
// figures (internal/demo). FlushEvents writes them.
func (sd *Seeder) CountAt(at time.Time, metric, key string, n int) {
	sd.s.Insights.CountAt(at, metric, key, n)
}
