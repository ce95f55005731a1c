package db_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models/db"
)

// TestCommitReportedOnceVisible: a write outside a transaction that
// returns rows (INSERT … RETURNING) is reported (OnCommit: the page caches
// here and, through NOTIFY, on the other servers) only once it is
// committed, which PostgreSQL does after sending the last row: reported
// before, a page rendered in between would be cached as current without it.
func TestCommitReportedOnceVisible(t *testing.T) {
	if !testdb.Postgres() {
		t.Skip("PostgreSQL's driver only: on SQLite a commit hook reports each commit (db.DB.WatchCommits)")
	}
	ctx := context.Background()
	loc := testdb.Location(t, "commits.db")
	raw := testdb.Raw(t, loc)
	if _, err := raw.ExecContext(ctx, `CREATE TABLE commit_probe (x BIGINT)`); err != nil {
		t.Fatal(err)
	}
	const n = 200000 // more than the socket buffers hold: the statement waits for the rows to be read
	var watching atomic.Bool
	seen := make(chan int64, 8)
	pool, err := db.OpenPostgres(ctx, loc, db.PostgresOptions{MaxConns: 2, OnCommit: func() {
		if !watching.Load() {
			return
		}
		var visible int64
		if err := raw.QueryRowContext(ctx, `SELECT count(*) FROM commit_probe`).Scan(&visible); err != nil {
			t.Error(err)
		}
		seen <- visible
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	watching.Store(true)
	rows, err := pool.QueryContext(ctx, `INSERT INTO commit_probe SELECT g FROM generate_series(1, ?) g RETURNING x`, n)
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for rows.Next() {
		got++
	}
	if err := rows.Close(); err != nil || got != n {
		t.Fatalf("%d rows returned (%v), want %d", got, err, n)
	}
	watching.Store(false)
	close(seen)
	reports := 0
	for visible := range seen {
		reports++
		if visible != n {
			t.Errorf("commit reported while %d of the %d rows were visible", visible, n)
		}
	}
	if reports != 1 {
		t.Errorf("commit reported %d times, want once", reports)
	}
}

// TestNoChangeNoCommitReported: a plain INSERT, UPDATE or DELETE that
// changes no row (a queue's claim that found no job, polled every few
// seconds) reports no commit, so it makes no cached page out of date on
// any server; one that changes a row does, through Exec, Query and a
// prepared statement alike, and so does a WITH query whatever it returns.
func TestNoChangeNoCommitReported(t *testing.T) {
	if !testdb.Postgres() {
		t.Skip("PostgreSQL's driver only: on SQLite a commit hook reports each commit (db.DB.WatchCommits)")
	}
	ctx := context.Background()
	loc := testdb.Location(t, "nochange.db")
	raw := testdb.Raw(t, loc)
	if _, err := raw.ExecContext(ctx, `CREATE TABLE queue_probe (id BIGINT PRIMARY KEY, status TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	var reports atomic.Int64
	pool, err := db.OpenPostgres(ctx, loc, db.PostgresOptions{MaxConns: 2, OnCommit: func() { reports.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	claim := `UPDATE queue_probe SET status = 'running' WHERE id = (SELECT id FROM queue_probe WHERE status = 'queued' LIMIT 1) RETURNING id`
	expect := func(what string, want int64) {
		t.Helper()
		if got := reports.Swap(0); got != want {
			t.Errorf("%s: %d commits reported, want %d", what, got, want)
		}
	}
	var id int64
	if err := pool.QueryRowContext(ctx, claim).Scan(&id); err == nil {
		t.Fatal("claimed from an empty queue")
	}
	expect("a claim that found nothing (Query)", 0)
	if _, err := pool.ExecContext(ctx, `DELETE FROM queue_probe WHERE id = ?`, 7); err != nil {
		t.Fatal(err)
	}
	expect("a delete of nothing (Exec)", 0)
	st, err := pool.PrepareContext(ctx, `UPDATE queue_probe SET status = 'done' WHERE id = ?`)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.ExecContext(ctx, 7); err != nil {
		t.Fatal(err)
	}
	expect("an update of nothing (prepared)", 0)

	if _, err := pool.ExecContext(ctx, `INSERT INTO queue_probe (id, status) VALUES (7, 'queued')`); err != nil {
		t.Fatal(err)
	}
	expect("an insert (Exec)", 1)
	if err := pool.QueryRowContext(ctx, claim).Scan(&id); err != nil || id != 7 {
		t.Fatalf("claim: %d %v", id, err)
	}
	expect("a claim that took a job (Query)", 1)
	if _, err := st.ExecContext(ctx, 7); err != nil {
		t.Fatal(err)
	}
	expect("an update of a row (prepared)", 1)
	var n int64
	if err := pool.QueryRowContext(ctx, `WITH d AS (DELETE FROM queue_probe WHERE id = 99 RETURNING id) SELECT count(*) FROM d`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	expect("a WITH query (counted as a change whatever it returns)", 1)
}
