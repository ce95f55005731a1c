package models

import (
	"context"
	"fmt"
	"testing"
)

// Limits that must hold however many app servers share the database
// (issue 19): each test sends more attempts than the limit at once, spread
// over two stores on one database, and checks that exactly the limit is
// admitted. On PostgreSQL the stores are two app servers; on SQLite, two
// processes' connections to one file, which its one write lock serialises.

// A member's answers sent at once to two servers: exactly posts_per_hour
// are stored. The count is read in the serializable write transaction that
// adds the post, so two posts that both counted the other's absence cannot
// both commit: PostgreSQL aborts one, which runs again after the other.
func TestPostingLimitHoldsAcrossServers(t *testing.T) {
	st := servers(t, fixedClock())
	ctx := context.Background()
	asker := mustUser(t, st[0], "asker")
	th := mustThread(t, st[0], asker, "Router drops the connection every evening")
	poster := mustUser(t, st[0], "poster")
	set, err := st[0].SiteSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	limit := set.PostsPerHour
	if limit <= 0 {
		t.Fatalf("posts_per_hour is %d by default: no limit to test", limit)
	}
	n := limit + 14
	errs := atOnce(n, st, func(i int, s *Store) error {
		_, err := s.CreateAnswer(ctx, poster, th.ID, fmt.Sprintf("Answer number %d: change the wifi channel.", i))
		return err
	})
	wantOutcomes(t, "answers at once", errs, map[string]int{"ok": limit, "not allowed": n - limit})
	if got := count(t, st[1], `SELECT COUNT(*) FROM posts WHERE author_id = ?`, poster.ID); got != limit {
		t.Errorf("%d posts stored, want %d", got, limit)
	}
}

// Sign-ups from one address at once on two servers: exactly the daily
// number per address is admitted (the address's lock orders them).
func TestSignUpLimitPerAddressHoldsAcrossServers(t *testing.T) {
	st := servers(t, fixedClock())
	ctx := context.Background()
	const perDay, n = 3, 12
	errs := atOnce(n, st, func(i int, s *Store) error {
		reg, err := s.Register(ctx, NewUser{Username: fmt.Sprintf("newcomer%d", i), Email: fmt.Sprintf("newcomer%d@example.com", i),
			Password: "correct horse battery"}, "2001:db8:1:2::7", perDay)
		if err == nil && !reg.Created {
			return fmt.Errorf("sign-up %d created nothing", i)
		}
		return err
	})
	wantOutcomes(t, "sign-ups at once", errs, map[string]int{"ok": perDay, "throttled": n - perDay})
	if got := count(t, st[0], `SELECT COUNT(*) FROM users WHERE username LIKE 'newcomer%'`); got != perDay {
		t.Errorf("%d accounts made, want %d", got, perDay)
	}
	// Another address of the same /64 counts as the same one.
	if _, err := st[1].Register(ctx, NewUser{Username: "latecomer", Email: "late@example.com", Password: "correct horse battery"},
		"2001:db8:1:2::8", perDay); err == nil {
		t.Fatal("a sign-up from the same /64 past the limit was admitted")
	}
}

// Uploads sent at once to two servers: what one member uploads in a day
// stays within the daily limit exactly (the statement that records an
// upload checks the sum).
func TestUploadLimitHoldsAcrossServers(t *testing.T) {
	st := servers(t, fixedClock())
	ctx := context.Background()
	u := mustUser(t, st[0], "uploader")
	lim, err := st[0].UploadLimits(ctx)
	if err != nil {
		t.Fatal(err)
	}
	size := lim.PerDay / 6 // six fit, the seventh does not
	const n = 20
	errs := atOnce(n, st, func(i int, s *Store) error {
		_, err := tryUpload(s, u, AttachmentImage, fmt.Sprintf("shot%d.png", i), size)
		return err
	})
	wantOutcomes(t, "uploads at once", errs, map[string]int{"ok": 6, "not allowed": n - 6})
	if got := count(t, st[1], `SELECT COUNT(*) FROM attachments WHERE owner_id = ?`, u.ID); got != 6 {
		t.Errorf("%d uploads recorded, want 6", got)
	}
}
