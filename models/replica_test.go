package models

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/internal/testdb"
)

// hasCategory reports whether a read made with ctx lists the category.
func hasCategory(t *testing.T, s *Store, ctx context.Context, slug string) bool {
	t.Helper()
	cats, err := s.Categories(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cats {
		if c.Slug == slug {
			return true
		}
	}
	return false
}

// TestReplicaReads: the reads a context allows go to the replica (paused,
// it does not show a new write), a recent writer's and everything else go
// to the primary, the store knows which version the replica shows, and
// when the replica stops, reads fall back to the primary and Health says so.
func TestReplicaReads(t *testing.T) {
	primary, replica := testdb.ReplicaPair(t)
	ctx := context.Background()
	s, err := Open(ctx, primary.URL("postgres"), Options{PasswordCost: bcrypt.MinCost, MaxConns: 4,
		ReplicaURL: replica.URL("postgres"), ReplicaCheckEvery: 20 * time.Millisecond, FilesDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	visitor := WithReplicaReads(ctx)
	writer := WithRecentWrite(ctx)

	// Once the replica has shown it has replayed what the primary had when
	// the store opened, the reads a visitor's context allows are its own.
	if !waitFor(10*time.Second, func() bool { h, _ := s.ReplicaHealth(); return h.InUse }) {
		h, _ := s.ReplicaHealth()
		t.Fatalf("the replica is not in use: %+v", h)
	}
	var name string
	if err := s.reader(visitor).QueryRowContext(ctx, `SELECT current_setting('application_name')`).Scan(&name); err != nil || name != "crowdcare-replica" {
		t.Fatalf("a visitor's read ran on %q (%v), want the replica's pool (crowdcare-replica)", name, err)
	}
	var standby bool
	if err := s.reader(visitor).QueryRowContext(ctx, `SELECT pg_is_in_recovery()`).Scan(&standby); err != nil || !standby {
		t.Fatalf("a visitor's read ran on a server in recovery: %v (%v), want true", standby, err)
	}
	for what, c := range map[string]context.Context{"a recent writer": writer, "a background job": ctx} {
		if err := s.reader(c).QueryRowContext(ctx, `SELECT pg_is_in_recovery()`).Scan(&standby); err != nil || standby {
			t.Fatalf("%s's read ran on the replica (%v), want the primary", what, err)
		}
	}

	// Wait until the replica shows everything so far.
	if !waitFor(10*time.Second, func() bool { return s.ReadVersion(visitor) == s.Version() }) {
		t.Fatal("the replica never caught up with the store's version")
	}
	// Pause its replay: a write is then on the primary only.
	raw, err := sql.Open("pgx", replica.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.ExecContext(ctx, `SELECT pg_wal_replay_pause()`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateCategory(ctx, NewCategory{Slug: "outages", Name: "Outages"}); err != nil {
		t.Fatal(err)
	}
	if !hasCategory(t, s, writer, "outages") || !hasCategory(t, s, ctx, "outages") {
		t.Fatal("the write is not seen on the primary")
	}
	if hasCategory(t, s, visitor, "outages") {
		t.Fatal("a visitor's read saw a write the paused replica has not replayed: it did not read from the replica")
	}
	// The store knows the replica is behind: a cache must not take what
	// a visitor read for current.
	if !waitFor(5*time.Second, func() bool {
		h, _ := s.ReplicaHealth()
		return h.LagBytes > 0 && h.Paused
	}) {
		h, _ := s.ReplicaHealth()
		t.Fatalf("the replica's lag is not seen while its replay is paused: %+v", h)
	}
	if rv, v := s.ReadVersion(visitor), s.Version(); rv >= v {
		t.Errorf("ReadVersion for replica reads is %d while the replica lags, want less than the version %d", rv, v)
	}
	if rv, v := s.ReadVersion(writer), s.Version(); rv != v {
		t.Errorf("ReadVersion for primary reads is %d, want the version %d", rv, v)
	}
	h := s.Health(ctx)
	if h.Replica == nil || !h.Replica.InUse || h.Replica.LagBytes == 0 {
		t.Errorf("Health while the replica is paused within the lag limit: %+v", h.Replica)
	}

	// Resumed, the replica catches up: the visitor sees the write.
	if _, err := raw.ExecContext(ctx, `SELECT pg_wal_replay_resume()`); err != nil {
		t.Fatal(err)
	}
	if !waitFor(10*time.Second, func() bool { return hasCategory(t, s, visitor, "outages") && s.ReadVersion(visitor) == s.Version() }) {
		t.Fatal("the replica never showed the write after its replay resumed")
	}
	if !waitFor(5*time.Second, func() bool {
		h, _ := s.ReplicaHealth()
		return h.InUse && !h.Paused && h.LagBytes == 0 && h.LagSeconds == 0
	}) {
		h, _ := s.ReplicaHealth()
		t.Errorf("a replica caught up: %+v, want in use, not paused and no lag", h)
	}
	raw.Close()

	// The replica goes away: reads fall back to the primary, Health says so.
	if err := replica.Kill(); err != nil {
		t.Fatal(err)
	}
	if !waitFor(10*time.Second, func() bool { h, _ := s.ReplicaHealth(); return !h.InUse }) {
		t.Fatal("the store did not notice that the replica stopped")
	}
	if _, err := s.CreateCategory(ctx, NewCategory{Slug: "billing", Name: "Billing"}); err != nil {
		t.Fatal(err)
	}
	if !hasCategory(t, s, visitor, "billing") {
		t.Fatal("with the replica down, a visitor's read did not fall back to the primary")
	}
	h = s.Health(ctx)
	if !h.OK || h.Replica == nil || h.Replica.InUse || h.Replica.OK || !h.Degraded() || !strings.Contains(strings.Join(h.Problems, "; "), "reads go to the primary") {
		t.Errorf("Health with the replica down: %+v (replica %+v)", h, h.Replica)
	}

	// Back again, it is used again once it has caught up.
	if err := replica.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if !waitFor(20*time.Second, func() bool {
		h, _ := s.ReplicaHealth()
		return h.InUse && hasCategory(t, s, visitor, "billing")
	}) {
		h, _ := s.ReplicaHealth()
		t.Fatalf("the replica was not used again after it came back: %+v", h)
	}
	if err := s.reader(visitor).QueryRowContext(ctx, `SELECT pg_is_in_recovery()`).Scan(&standby); err != nil || !standby {
		t.Fatalf("after the replica came back a visitor's read ran on the primary (%v)", err)
	}
}

// TestReplicaRefused: a replica must be a standby of a PostgreSQL primary.
func TestReplicaRefused(t *testing.T) {
	ctx := context.Background()
	loc := testdb.Location(t, "primary.db")
	if !testdb.Postgres() {
		_, err := Open(ctx, loc, Options{ReplicaURL: "postgres://postgres@127.0.0.1:1/x"})
		if err == nil || !strings.Contains(err.Error(), "needs a PostgreSQL primary") {
			t.Fatalf("a replica beside a SQLite file: %v", err)
		}
		return
	}
	// The primary itself is no standby.
	_, err := Open(ctx, loc, Options{PasswordCost: bcrypt.MinCost, MaxConns: 2, ReplicaURL: loc, FilesDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "is not a standby") {
		t.Fatalf("the primary given as its own replica: %v", err)
	}
}
