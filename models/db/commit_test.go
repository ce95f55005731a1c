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
