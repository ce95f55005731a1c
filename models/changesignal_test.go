package models

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models/db"
)

// waitFor polls cond every 10 ms for up to d and reports whether it held.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A commit moves the store's own version on at once, on both engines.
func TestChangeSignalOwnWrites(t *testing.T) {
	s := forumServers(t)[0]
	ctx := context.Background()
	v := s.Version()
	if _, err := s.CreateCategory(ctx, NewCategory{Slug: "own", Name: "Own"}); err != nil {
		t.Fatal(err)
	}
	if s.Version() == v {
		t.Fatal("a category was created and the version did not move")
	}
}

// Two app servers on one PostgreSQL: a write on one moves the other's
// version within a second, by NOTIFY; with the listening connection killed,
// by the polled version row; and the listener comes back.
func TestChangeSignalAcrossServers(t *testing.T) {
	if !testdb.Postgres() {
		t.Skip("SQLite has one server per file: its change signal is in-process (TestChangeSignalOwnWrites)")
	}
	servers := forumServers(t)
	a, b := servers[0], servers[1]
	sig := b.signal.(*db.PostgresSignal)
	sa := a.signal.(*db.PostgresSignal)
	if !waitFor(5*time.Second, func() bool { return sig.Listening() && sa.Listening() }) {
		t.Fatal("the servers never listened")
	}
	ctx := context.Background()
	seen := func(i int) {
		t.Helper()
		v := b.Version()
		start := time.Now()
		if _, err := a.CreateCategory(ctx, NewCategory{Slug: fmt.Sprintf("c%d", i), Name: "C"}); err != nil {
			t.Fatal(err)
		}
		if !waitFor(time.Second, func() bool { return b.Version() != v }) {
			t.Fatalf("write %d on server A not seen by server B within 1 s", i)
		}
		t.Logf("write %d seen by the other server after %v (listening: %v)", i, time.Since(start).Round(time.Millisecond), sig.Listening())
	}
	seen(1)
	seen(2)

	// Kill the listening connections; they come back only after 3 s, so
	// the writes in between are seen by the polled row.
	sig.SetRetryListen(3 * time.Second)
	var killed int
	if err := a.db.Primary().QueryRowContext(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = 'crowdcare-listen'`).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	if killed != 2 {
		t.Fatalf("killed %d listening connections, want 2 (one per server)", killed)
	}
	if !waitFor(time.Second, func() bool { return !sig.Listening() }) {
		t.Fatal("server B did not notice its listening connection was gone")
	}
	// Let the fallback take its first reading of the row.
	time.Sleep(50 * time.Millisecond)
	for i := 3; i < 6; i++ {
		if sig.Listening() {
			t.Fatal("server B listens again before RetryListen: the fallback was not what was tested")
		}
		seen(i)
	}
	if !waitFor(5*time.Second, sig.Listening) {
		t.Fatal("server B did not listen again after its connection was killed")
	}
	var listeners int
	if err := a.db.Primary().QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = 'crowdcare-listen'`).Scan(&listeners); err != nil {
		t.Fatal(err)
	}
	if listeners != 2 {
		t.Fatalf("%d listening connections after the reconnection, want 2", listeners)
	}
	seen(7)
}
