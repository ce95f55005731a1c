package db_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/models/db"
)

// TestDialectFragments: the per-engine fragments give the same answers on
// the suite's engine: a JSON list as a subquery, a counter kept in a
// setting, a queue claim that skips locked rows.
func TestDialectFragments(t *testing.T) {
	ctx := context.Background()
	d, _, _ := openDB(t, 5*time.Second, 4)
	ints, err := db.Column[int64](d.Reader(ctx).QueryContext(ctx,
		`SELECT value FROM (`+d.JSONInts("?")+`) AS j ORDER BY value`, db.IDList([]int64{3, 1, 2})))
	if err != nil || len(ints) != 3 || ints[0] != 1 || ints[2] != 3 {
		t.Fatalf("JSONInts: %v, %v", ints, err)
	}
	texts, err := db.Column[string](d.Reader(ctx).QueryContext(ctx,
		`SELECT k FROM counters WHERE k IN (`+d.JSONTexts("?")+`) ORDER BY k`, db.StringList([]string{"b", "zz", "a"})))
	if err != nil || len(texts) != 2 || texts[0] != "a" || texts[1] != "b" {
		t.Fatalf("JSONTexts: %v, %v", texts, err)
	}
	if empty, err := db.Column[int64](d.Reader(ctx).QueryContext(ctx,
		`SELECT n FROM counters WHERE n IN (`+d.JSONInts("?")+`)`, db.IDList(nil))); err != nil || len(empty) != 0 {
		t.Fatalf("JSONInts of no ids: %v, %v", empty, err)
	}

	settings := `CREATE TABLE settings (key TEXT PRIMARY KEY, value BLOB NOT NULL)`
	if d.Engine() == db.Postgres {
		settings = `CREATE TABLE settings (key TEXT PRIMARY KEY, value BYTEA NOT NULL)`
	}
	if _, err := d.Exec(ctx, settings); err != nil {
		t.Fatal(err)
	}
	for want := int64(41); want <= 43; want++ {
		var got int64
		err := d.InTx(ctx, func(tx *sql.Tx) error {
			return tx.QueryRowContext(ctx, d.NextCounter("seq", "SELECT 41")).Scan(&got)
		})
		if err != nil || got != want {
			t.Fatalf("NextCounter: %d, %v; want %d", got, err, want)
		}
	}

	// A claim skips the row another transaction has claimed (PostgreSQL);
	// SQLite's one writer claims one at a time, so the fragment is empty.
	claim := `UPDATE counters SET n = n + 1000 WHERE k = (SELECT k FROM counters c WHERE n < 1000 ORDER BY k LIMIT 1` + d.SkipLocked("c") + `) RETURNING k`
	if d.Engine() == db.SQLite {
		if d.SkipLocked("c") != "" || d.IndexedBy("i") != " INDEXED BY i" {
			t.Fatalf("SQLite fragments: %q %q", d.SkipLocked("c"), d.IndexedBy("i"))
		}
		return
	}
	if d.IndexedBy("i") != "" {
		t.Fatalf("PostgreSQL IndexedBy: %q", d.IndexedBy("i"))
	}
	first, err := d.Primary().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Rollback()
	var k1, k2 string
	if err := first.QueryRowContext(ctx, claim).Scan(&k1); err != nil {
		t.Fatal(err)
	}
	if err := d.InTx(ctx, func(tx *sql.Tx) error { return tx.QueryRowContext(ctx, claim).Scan(&k2) }); err != nil {
		t.Fatal(err)
	}
	if k1 != "a" || k2 != "b" {
		t.Fatalf("claims %q and %q, want a and b", k1, k2)
	}
}
