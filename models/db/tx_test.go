package db_test

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models/db"
)

// The transactions of db.DB, on the engine the suite runs on
// (CROWDCARE_TEST_DATABASE_URL: PostgreSQL, else SQLite).

// counted is a DB's hooks, counted.
type counted struct {
	committed, noted atomic.Int64
}

func (c *counted) hooks() db.Hooks {
	return db.Hooks{
		Committed: func() { c.committed.Add(1) },
		NoteWrite: func(err error) error {
			if err != nil {
				c.noted.Add(1)
			}
			return err
		},
	}
}

// openDB opens an empty database of the suite's engine as a DB with a
// table counters (k, n), each with its pools as the store opens them.
func openDB(t *testing.T, lockWait time.Duration, conns int) (*db.DB, *counted, string) {
	t.Helper()
	ctx := context.Background()
	loc := testdb.EmptyLocation(t, "tx.db")
	c := &counted{}
	var d *db.DB
	if testdb.Postgres() {
		pool, err := db.OpenPostgres(ctx, loc, db.PostgresOptions{MaxConns: conns, LockTimeout: lockWait})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pool.Close() })
		d = db.New(db.Postgres, pool, pool, pool, lockWait, c.hooks())
	} else {
		w, err := db.OpenSQLite(loc, db.ConnWriter, lockWait)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { w.Close() })
		d = db.New(db.SQLite, w, nil, nil, lockWait, c.hooks())
		r, err := db.OpenSQLite(loc, db.ConnReader, lockWait)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		d.SetReaders(r, nil)
	}
	if d.Engine() != db.EngineOf(loc) {
		t.Fatalf("engine %s for %s", d.Engine(), db.Redact(loc))
	}
	if _, err := d.Exec(ctx, `CREATE TABLE counters (k TEXT PRIMARY KEY, n BIGINT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, `INSERT INTO counters (k, n) VALUES ('a', 0), ('b', 0)`); err != nil {
		t.Fatal(err)
	}
	c.committed.Store(0)
	return d, c, loc
}

func count(t *testing.T, d *db.DB, k string) int64 {
	t.Helper()
	var n int64
	if err := d.Reader(context.Background()).QueryRow(`SELECT n FROM counters WHERE k = ?`, k).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestTxCommitsOrRollsBack: what a transaction's closure wrote is there
// after it returns nil, and none of it after it returns an error; only a
// commit that is not quiet is reported (Hooks.Committed).
func TestTxCommitsOrRollsBack(t *testing.T) {
	ctx := context.Background()
	d, c, _ := openDB(t, 5*time.Second, 4)
	err := d.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE counters SET n = n + 1 WHERE k = 'a'`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE counters SET n = n + 10 WHERE k = 'b'`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := count(t, d, "a"), count(t, d, "b"); a != 1 || b != 10 {
		t.Fatalf("after a commit: a=%d b=%d, want 1 and 10", a, b)
	}
	if n := c.committed.Load(); n != 1 {
		t.Fatalf("commits reported: %d, want 1", n)
	}
	boom := errors.New("boom")
	err = d.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE counters SET n = n + 1 WHERE k = 'a'`); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx returned %v, want the closure's error", err)
	}
	if a := count(t, d, "a"); a != 1 {
		t.Fatalf("after a rollback: a=%d, want 1", a)
	}
	// A statement that fails rolls back the ones before it too.
	err = d.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE counters SET n = n + 1 WHERE k = 'a'`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO counters (k, n) VALUES ('b', 1)`)
		return err
	})
	if !db.IsUnique(err) {
		t.Fatalf("InTx returned %v, want a unique violation", err)
	}
	if a := count(t, d, "a"); a != 1 {
		t.Fatalf("after a failed statement: a=%d, want 1", a)
	}
	if n := c.committed.Load(); n != 1 {
		t.Fatalf("commits reported after two rollbacks: %d, want 1", n)
	}
	if err := d.InQuietTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE counters SET n = n + 1 WHERE k = 'a'`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if a := count(t, d, "a"); a != 2 {
		t.Fatalf("after a quiet commit: a=%d, want 2", a)
	}
	if n := c.committed.Load(); n != 1 {
		t.Fatalf("a quiet commit was reported: %d commits, want 1", n)
	}
}

// TestSerializationFailureRunsAgain: on PostgreSQL a transaction whose
// row another committed after its snapshot fails to serialize and runs
// again from the start, then seeing that write. On SQLite no other
// connection can write while a transaction holds the write lock (taken at
// BEGIN), so the closure runs once and the other write is refused.
func TestSerializationFailureRunsAgain(t *testing.T) {
	ctx := context.Background()
	d, c, loc := openDB(t, 5*time.Second, 4)
	other := testdb.Raw(t, loc)
	if !testdb.Postgres() {
		// The other connection gives up at once instead of waiting.
		if _, err := other.Exec(`PRAGMA busy_timeout = 0`); err != nil {
			t.Fatal(err)
		}
		other.SetMaxOpenConns(1)
	}
	attempts := 0
	var otherErr error
	err := d.InTx(ctx, func(tx *sql.Tx) error {
		attempts++
		var n int64
		if err := tx.QueryRowContext(ctx, `SELECT n FROM counters WHERE k = 'a'`).Scan(&n); err != nil {
			return err
		}
		if attempts == 1 {
			_, otherErr = other.ExecContext(ctx, `UPDATE counters SET n = n + 100 WHERE k = 'a'`)
		}
		_, err := tx.ExecContext(ctx, `UPDATE counters SET n = ? WHERE k = 'a'`, n+1)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if testdb.Postgres() {
		if otherErr != nil {
			t.Fatalf("the other write: %v", otherErr)
		}
		if attempts != 2 {
			t.Fatalf("the closure ran %d times, want 2 (again after the serialization failure)", attempts)
		}
		if a := count(t, d, "a"); a != 101 {
			t.Fatalf("a=%d, want 101 (the other write, then the retried one)", a)
		}
	} else {
		if db.FaultOf(otherErr) != db.FaultBusy {
			t.Fatalf("the other write while the transaction ran: %v, want busy", otherErr)
		}
		if attempts != 1 {
			t.Fatalf("the closure ran %d times, want 1", attempts)
		}
		if a := count(t, d, "a"); a != 1 {
			t.Fatalf("a=%d, want 1", a)
		}
	}
	if n := c.committed.Load(); n != 1 {
		t.Fatalf("commits reported: %d, want 1", n)
	}
	if n := c.noted.Load(); n != 0 {
		t.Fatalf("%d write errors noted, want none (a retried failure is not one)", n)
	}
}

// TestSerializationFailuresGiveUp: a transaction that keeps losing is
// returned as a serialization failure after MaxTxAttempts runs
// (PostgreSQL); SQLite has none to retry, and runs it once.
func TestSerializationFailuresGiveUp(t *testing.T) {
	ctx := context.Background()
	d, c, loc := openDB(t, 5*time.Second, 4)
	other := testdb.Raw(t, loc)
	attempts := 0
	err := d.InTx(ctx, func(tx *sql.Tx) error {
		attempts++
		var n int64
		if err := tx.QueryRowContext(ctx, `SELECT n FROM counters WHERE k = 'b'`).Scan(&n); err != nil {
			return err
		}
		if testdb.Postgres() {
			if _, err := other.ExecContext(ctx, `UPDATE counters SET n = n + 1 WHERE k = 'b'`); err != nil {
				t.Errorf("the other write: %v", err)
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE counters SET n = ? WHERE k = 'b'`, n+1)
		return err
	})
	if !testdb.Postgres() {
		if err != nil || attempts != 1 {
			t.Fatalf("SQLite: %d runs, %v; want 1 and no error", attempts, err)
		}
		return
	}
	if !db.IsSerialization(err) {
		t.Fatalf("InTx returned %v, want a serialization failure", err)
	}
	if attempts != db.MaxTxAttempts {
		t.Fatalf("the closure ran %d times, want %d", attempts, db.MaxTxAttempts)
	}
	if b := count(t, d, "b"); b != db.MaxTxAttempts {
		t.Fatalf("b=%d, want %d (the other writes only)", b, db.MaxTxAttempts)
	}
	if n := c.committed.Load(); n != 0 {
		t.Fatalf("commits reported: %d, want 0", n)
	}
}

// TestLockedTxExcludesPerKey: a locked transaction under a key waits for
// another holding it, and runs after it committed, seeing its write. On
// PostgreSQL one under another key runs meanwhile; on SQLite it waits too
// (one writer).
func TestLockedTxExcludesPerKey(t *testing.T) {
	ctx := context.Background()
	d, _, _ := openDB(t, 10*time.Second, 4)
	inside, release := make(chan struct{}), make(chan struct{})
	var order []string
	var mu sync.Mutex
	note := func(s string) { mu.Lock(); order = append(order, s); mu.Unlock() }
	bump := func(tx *sql.Tx, k string) error {
		_, err := tx.ExecContext(ctx, `UPDATE counters SET n = n + 1 WHERE k = ?`, k)
		return err
	}
	errs := make(chan error, 3)
	go func() {
		errs <- d.InLockedTx(ctx, []string{"a", "a"}, func(tx *sql.Tx) error {
			close(inside)
			<-release
			note("first done")
			return bump(tx, "a")
		})
	}()
	<-inside
	var seen int64 = -1
	go func() {
		errs <- d.InLockedTx(ctx, []string{"x", "a"}, func(tx *sql.Tx) error {
			note("second in")
			if err := tx.QueryRowContext(ctx, `SELECT n FROM counters WHERE k = 'a'`).Scan(&seen); err != nil {
				return err
			}
			return bump(tx, "a")
		})
	}()
	// The second waits: for the key's lock on PostgreSQL, for the writer
	// connection on SQLite.
	waiting := func() bool {
		if testdb.Postgres() {
			var n int
			err := d.Primary().QueryRowContext(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&n)
			return err == nil && n > 0
		}
		return d.W().Stats().WaitCount > 0
	}
	if !poll(10*time.Second, waiting) {
		t.Fatal("the second transaction under the key never waited")
	}
	if testdb.Postgres() {
		// Another key is not held up.
		if err := d.InLockedTx(ctx, []string{"b"}, func(tx *sql.Tx) error { return bump(tx, "b") }); err != nil {
			t.Fatal(err)
		}
		if b := count(t, d, "b"); b != 1 {
			t.Fatalf("b=%d while a was locked, want 1", b)
		}
	}
	close(release)
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if len(order) != 2 || order[0] != "first done" || order[1] != "second in" {
		t.Fatalf("order %q, want the second inside only after the first", order)
	}
	if seen != 1 {
		t.Fatalf("the second saw a=%d, want the first's write (1)", seen)
	}
	if a := count(t, d, "a"); a != 2 {
		t.Fatalf("a=%d, want 2", a)
	}
}

// TestWriterQueueGivesUp: a write that cannot have the writer (SQLite's
// one connection, or the PostgreSQL pool's last) within twice the lock
// wait fails with ErrWriterQueue, noted as a write error.
func TestWriterQueueGivesUp(t *testing.T) {
	ctx := context.Background()
	d, c, _ := openDB(t, 50*time.Millisecond, 1)
	held, err := d.Writer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	err = d.InTx(ctx, func(tx *sql.Tx) error { return nil })
	if !errors.Is(err, db.ErrWriterQueue) {
		t.Fatalf("InTx returned %v, want ErrWriterQueue", err)
	}
	if n := c.noted.Load(); n != 1 {
		t.Fatalf("%d write errors noted, want 1", n)
	}
}

func poll(limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return cond()
}

// TestBulkTxAndRouting: a bulk transaction has its connection on
// PostgreSQL (for COPY) and none on SQLite, and commits like InTx; with no
// replica every read goes to the primary, whatever the context allows.
func TestBulkTxAndRouting(t *testing.T) {
	ctx := context.Background()
	d, c, _ := openDB(t, 5*time.Second, 4)
	err := d.InBulkTx(ctx, func(conn *sql.Conn, tx *sql.Tx) error {
		if (conn != nil) != (d.Engine() == db.Postgres) {
			t.Errorf("%s: bulk connection %v", d.Engine(), conn)
		}
		_, err := tx.ExecContext(ctx, `UPDATE counters SET n = n + 5 WHERE k = 'a'`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if a := count(t, d, "a"); a != 5 {
		t.Fatalf("a=%d after the bulk transaction, want 5", a)
	}
	if n := c.committed.Load(); n != 1 {
		t.Fatalf("commits reported: %d, want 1", n)
	}
	for _, rctx := range []context.Context{ctx, db.WithReplicaReads(ctx), db.WithRecentWrite(ctx)} {
		if d.Reader(rctx) != d.Primary() {
			t.Fatal("a read went elsewhere than the primary with no replica")
		}
	}
	if !db.RecentWrite(db.WithRecentWrite(ctx)) || db.RecentWrite(db.WithReplicaReads(ctx)) {
		t.Fatal("RecentWrite does not tell a recent writer's context")
	}
	if _, ok := d.ReplicaHealth(); ok {
		t.Fatal("ReplicaHealth reports a replica that was never opened")
	}
}
