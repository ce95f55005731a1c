package models

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models/accounts"
	"github.com/crowdcare/crowdcare/models/db"
)

// newTestStore opens a fresh database file in a temp dir.
func newTestStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), testdb.Location(t, "test.db"), Options{PasswordCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func mustUser(t *testing.T, s *Store, name string) *User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), NewUser{Username: name, Email: name + "@example.com", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func mustThread(t *testing.T, s *Store, u *User, title string) *Thread {
	t.Helper()
	th, err := s.CreateThread(context.Background(), u, NewThread{Title: title, CategorySlug: "general",
		Body: "My router keeps dropping the connection every evening.", Tags: "router, wifi"})
	if err != nil {
		t.Fatal(err)
	}
	return th
}

func TestOpenMigratesAndSeedsDefaultCategory(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	cats, err := s.Categories(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cats) != 1 || cats[0].Slug != "general" {
		t.Fatalf("categories = %+v, want one default 'general'", cats)
	}
	h := s.Health(ctx)
	if !h.OK || h.SchemaVersion < 1 {
		t.Fatalf("health = %+v", h)
	}
	if s.Engine() == db.Postgres {
		// The session settings OpenPostgres makes, and no free space
		// claimed for a server's disk this process cannot see.
		var zone, timeout string
		if err := s.db.Primary().QueryRow(`SHOW TimeZone`).Scan(&zone); err != nil || zone != "UTC" {
			t.Fatalf("TimeZone = %q, %v", zone, err)
		}
		if err := s.db.Primary().QueryRow(`SHOW statement_timeout`).Scan(&timeout); err != nil || timeout != "30s" {
			t.Fatalf("statement_timeout = %q, %v", timeout, err)
		}
		if !h.Writable || h.FreeBytes != -1 || len(h.Problems) != 0 {
			t.Fatalf("health on PostgreSQL = %+v", h)
		}
	} else {
		var mode string
		if err := s.db.W().QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
			t.Fatalf("journal_mode = %q, %v", mode, err)
		}
		var fk int
		if err := s.db.Primary().QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
			t.Fatalf("foreign_keys = %d, %v", fk, err)
		}
	}
	if res, err := s.IntegrityCheck(ctx); err != nil || res != "ok" {
		t.Fatalf("integrity check of a fresh database: %q, %v", res, err)
	}
	// Reopening an existing file migrates nothing and keeps the data.
	path := s.Path()
	mustUser(t, s, "alice")
	s.Close()
	s2, err := Open(ctx, path, Options{PasswordCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if n, _ := s2.CountUsers(ctx); n != 1 {
		t.Fatalf("users after reopen = %d", n)
	}
}

func TestCreateUserValidatesAndIsCaseInsensitive(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	mustUser(t, s, "Alice")
	_, err := s.CreateUser(ctx, NewUser{Username: "alice", Email: "ALICE@example.com", Password: "correct horse"})
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Fields["username"] == "" || ve.Fields["email"] == "" {
		t.Fatalf("duplicate user: err = %v", err)
	}
	_, err = s.CreateUser(ctx, NewUser{Username: "x", Email: "nope", Password: "short"})
	if !errors.As(err, &ve) || len(ve.Fields) != 3 {
		t.Fatalf("bad user: err = %v", err)
	}
	_, err = s.CreateUser(ctx, NewUser{Username: "bob", Email: "bob@example.com", Password: strings.Repeat("x", 73)})
	if !errors.As(err, &ve) || ve.Fields["password"] == "" {
		t.Fatalf("long password: err = %v", err)
	}
}

func TestAuthenticateThrottlesPerAccountAndAddress(t *testing.T) {
	var skew atomic.Int64
	s, err := Open(context.Background(), testdb.Location(t, "test.db"), Options{PasswordCost: bcrypt.MinCost,
		Now: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	mustUser(t, s, "alice")
	if _, err := s.Authenticate(ctx, "ALICE", "correct horse", "10.0.0.1"); err != nil {
		t.Fatalf("good login: %v", err)
	}
	for i := 0; i < accounts.LoginFreeFailures; i++ {
		if _, err := s.Authenticate(ctx, "alice", "wrong", "10.0.0.1"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	// Even the right password waits from that address...
	_, err = s.Authenticate(ctx, "alice", "correct horse", "10.0.0.1")
	var te *ThrottledError
	if !errors.As(err, &te) || !errors.Is(err, ErrThrottled) || te.RetryAfter <= time.Second-time.Millisecond || te.RetryAfter > 2*time.Second {
		t.Fatalf("throttled pair: %v", err)
	}
	// ...but not from another one.
	if _, err := s.Authenticate(ctx, "alice", "correct horse", "10.0.0.2"); err != nil {
		t.Fatalf("other address: %v", err)
	}
	// That login cleared its own pair only.
	if _, err := s.Authenticate(ctx, "alice", "correct horse", "10.0.0.1"); !errors.Is(err, ErrThrottled) {
		t.Fatalf("throttled pair after a login elsewhere: %v", err)
	}
	skew.Add(int64(2 * time.Second))
	if _, err := s.Authenticate(ctx, "alice", "correct horse", "10.0.0.1"); err != nil {
		t.Fatalf("after the delay: %v", err)
	}
	// An IPv6 /64 is one address.
	for i := 1; i <= accounts.LoginFreeFailures; i++ {
		s.Authenticate(ctx, "alice", "wrong", "2001:db8::"+strconv.Itoa(i))
	}
	if _, err := s.Authenticate(ctx, "alice", "correct horse", "2001:db8::ff"); !errors.Is(err, ErrThrottled) {
		t.Fatalf("same /64: %v", err)
	}
	if _, err := s.Authenticate(ctx, "alice", "correct horse", "2001:db8:0:1::1"); err != nil {
		t.Fatalf("another /64: %v", err)
	}
	// Many names from one address trip the address limit.
	for i := 0; i < accounts.LoginFailuresPerIP; i++ {
		s.Authenticate(ctx, "ghost"+strings.Repeat("x", i), "pw", "10.0.0.9")
	}
	mustUser(t, s, "carol")
	if _, err := s.Authenticate(ctx, "carol", "correct horse", "10.0.0.9"); !errors.As(err, &te) || te.RetryAfter > accounts.LoginWindow+time.Second {
		t.Fatalf("throttled ip: %v", err)
	}
	if _, err := s.Authenticate(ctx, "carol", "correct horse", "10.0.0.3"); err != nil {
		t.Fatalf("other ip: %v", err)
	}
	skew.Add(int64(accounts.LoginWindow + time.Second))
	if _, err := s.Authenticate(ctx, "carol", "correct horse", "10.0.0.9"); err != nil {
		t.Fatalf("ip after the window: %v", err)
	}
}

// A session lives in the database: ended by logging out, by logging out
// everywhere and by a password change, and dead once expired.
func TestSessionsEndAndExpire(t *testing.T) {
	var skew atomic.Int64
	s, err := Open(context.Background(), testdb.Location(t, "test.db"), Options{PasswordCost: bcrypt.MinCost,
		Now: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	alice, bob := mustUser(t, s, "alice"), mustUser(t, s, "bob")
	live := func(id string) bool {
		t.Helper()
		_, _, err := s.SessionUser(ctx, id)
		if err != nil && !errors.Is(err, ErrNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}
	start := func(u *User, replaces string) string {
		t.Helper()
		id, err := s.StartSession(ctx, u.ID, replaces)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	laptop, phone, bobs := start(alice, ""), start(alice, ""), start(bob, "")
	if u, exp, err := s.SessionUser(ctx, laptop); err != nil || u.ID != alice.ID || exp.Before(time.Now().Add(SessionTTL-time.Minute)) {
		t.Fatalf("session user: %v %v %v", u, exp, err)
	}
	if err := s.EndSession(ctx, laptop); err != nil || live(laptop) || !live(phone) {
		t.Fatalf("end one session: %v", err)
	}
	// Starting a session ends the one it replaces.
	tablet := start(alice, phone)
	if live(phone) || !live(tablet) {
		t.Fatal("replaced session still live")
	}
	if err := s.EndAllSessions(ctx, alice); err != nil || live(tablet) || !live(bobs) {
		t.Fatalf("end all sessions: %v", err)
	}
	desk := start(alice, "")
	if _, err := s.ChangePassword(ctx, alice, "correct horse", "battery staple", "192.0.2.1"); err != nil || live(desk) {
		t.Fatalf("change password: %v", err)
	}
	skew.Add(int64(SessionTTL + time.Second))
	if live(bobs) {
		t.Fatal("expired session still live")
	}
	start(alice, "") // cleans up expired ones
	var n int
	if err := s.db.Primary().QueryRow(`SELECT COUNT(*) FROM sessions`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("sessions left after cleanup: %d %v", n, err)
	}
}

func TestParallelGuessesStayWithinTheFreeFailures(t *testing.T) {
	s := newTestStore(t)
	mustUser(t, s, "alice")
	var wg sync.WaitGroup
	var checked atomic.Int32
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Authenticate(context.Background(), "alice", "wrong", "198.51.100.1"); errors.Is(err, ErrBadCredentials) {
				checked.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := checked.Load(); n > accounts.LoginFreeFailures {
		t.Fatalf("%d passwords were checked for one account from one address; %d are free", n, accounts.LoginFreeFailures)
	}
}

func TestAcceptingARemovedAnswerIsRefused(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	asker, peer := mustUser(t, s, "asker"), mustUser(t, s, "peer")
	th := mustThread(t, s, asker, "Router reboots itself every night")
	a, err := s.CreateAnswer(ctx, peer, th.ID, "Turn off the nightly maintenance window.")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeletePost(ctx, peer, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Accept(ctx, asker, a.ID, false); !errors.Is(err, ErrNotFound) {
		t.Fatalf("accept removed answer: %v", err)
	}
	if err := s.Vote(ctx, asker, a.ID, false); !errors.Is(err, ErrNotFound) {
		t.Fatalf("vote removed answer: %v", err)
	}
	got, _ := s.Thread(ctx, th.ID)
	if got.Solved() || got.AnswerCount != 0 {
		t.Fatalf("thread after removal: %+v", got)
	}
}

func TestNULBytesNeverReachTheIndex(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	u := mustUser(t, s, "alice")
	th, err := s.CreateThread(ctx, u, NewThread{Title: "Router\x00 reboots every night", CategorySlug: "general", Body: "It\x00 reboots at 2am \xff every night."})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAnswer(ctx, u, th.ID, "Turn off\x00 the maintenance window."); err != nil {
		t.Fatal(err)
	}
	if res, err := s.IntegrityCheck(ctx); err != nil || res != "ok" {
		t.Fatalf("integrity: %q %v", res, err)
	}
	got, _ := s.Thread(ctx, th.ID)
	if got.Title != "Router reboots every night" {
		t.Fatalf("title: %q", got.Title)
	}
}

// A sign-up over its address's limit is refused before the password is
// hashed: the limit bounds the work (a bcrypt hash is a quarter of a second
// at the default cost), not only the accounts.
func TestRegisterOverTheLimitHashesNothing(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	signUp := func(name string) error {
		_, err := s.Register(ctx, NewUser{Username: name, Email: name + "@example.com", Password: "correct horse"}, "203.0.113.7", 2)
		return err
	}
	for _, name := range []string{"first", "second"} {
		if err := signUp(name); err != nil {
			t.Fatalf("sign-up %s: %v", name, err)
		}
	}
	// Any hash from now on fails: a cost bcrypt refuses.
	s.opts.PasswordCost = bcrypt.MaxCost + 1
	if err := signUp("third"); !errors.Is(err, ErrThrottled) {
		t.Fatalf("third sign-up from the address: %v, want ErrThrottled before any hashing", err)
	}
}

// A new member's post is queued when its HTML holds any link or image,
// however it was written; a URL in code or an unsafe link is not a link.
func TestApprovalQueueSeesEveryLink(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	asker := mustUser(t, s, "asker")
	th := mustThread(t, s, asker, "Router reboots itself every night")
	for i, c := range []struct {
		body   string
		queued bool
	}{
		{"Have a look at [this fix](//evil.example) for it.", true},
		{"Have a look at <https://example.com/fix> for it.", true},
		{"Have a look at this picture: ![router](/static/router.png)", true},
		{"Have a look at [the fix][r] for it.\n\n[r]: /docs/fix", true},
		{"Have a look at www.example.com for the fix.", true},
		{"Write to help@example.com about the fix.", true},
		{"Have a look at [the fix](HTTPS://EXAMPLE.COM/fix).", true},
		{"Have a look at [the fix](docs/fix) in the wiki.", true},
		{"The log says `GET https://example.com/fix 404` every time.", false},
		{"```\ncurl http://192.168.1.1/reboot\n```\nreturns nothing at all.", false},
		{"Do not click [this](javascript:alert(1)) please.", false},
		{"Nothing here but words about the nightly reboot.", false},
	} {
		u := mustUser(t, s, fmt.Sprintf("newbie%d", i))
		p, err := s.CreateAnswer(ctx, u, th.ID, c.body)
		if err != nil {
			t.Fatalf("%q: %v", c.body, err)
		}
		if p.Pending != c.queued {
			t.Errorf("%q: queued %v, want %v", c.body, p.Pending, c.queued)
		}
	}
}

// TestMarkdownOverALimitIsRefusedOnTheForm: a body markup refuses for its
// shape is a validation error on the body field, with markup's reason, and
// nothing is stored.
func TestMarkdownOverALimitIsRefusedOnTheForm(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	u := mustUser(t, s, "bomber")
	th := mustThread(t, s, u, "Router reboots itself every night")
	_, err := s.CreateAnswer(ctx, u, th.ID, strings.Repeat("> ", 24000))
	var ve *ValidationError
	if !errors.As(err, &ve) || !strings.Contains(ve.Fields["body"], "nested") {
		t.Fatalf("answer not refused: %v", err)
	}
	if got, err := s.Thread(ctx, th.ID); err != nil || got.AnswerCount != 0 {
		t.Errorf("answers stored: %v, %v", got, err)
	}
	if _, err := s.PreviewMarkdown(strings.Repeat("> ", 24000)); !errors.As(err, &ve) {
		t.Errorf("preview: %v, want a validation error", err)
	}
}
