package search_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"testing"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/models/search"
)

// The back-end of the pass's engine (FTS5 on SQLite, the tsvector index on
// PostgreSQL, see search.Backend), on its own: documents are written in
// the caller's transaction (a *sql.Tx or a statement cache over one) and
// go with it, and what the back-end finds, counts, lists newest first and
// ranks is what was committed.
func TestBackendWritesInTheCallersTransaction(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	d := s.DB()
	b := search.NewBackend(d)
	if got, want := len(b.Columns()), len(b.Values(search.Row{Cols: make([]any, 6)})); got != want {
		t.Fatalf("columns %d, values %d", got, want)
	}
	row := func(id int64, title, body string, facets ...string) search.Row {
		f := search.FacetCategory(1) + " " + search.FacetOpen
		for _, x := range facets {
			f += " " + x
		}
		return search.Row{RowID: id, Cols: search.Columns(search.Doc{Title: title, Body: body}, nil), Facets: f}
	}
	count := func(match string) int {
		t.Helper()
		n, err := b.Count(ctx, match, 1001)
		if err != nil {
			t.Fatalf("count %s: %v", match, err)
		}
		return n
	}
	// Rolled back with the change that wrote it: nothing is found.
	rollback := errors.New("roll back")
	err := d.InTx(ctx, func(tx *sql.Tx) error {
		if err := b.Write(ctx, tx, row(9001, "Okapi router blinks", "The okapi light blinks.")); err != nil {
			return err
		}
		return rollback
	})
	if !errors.Is(err, rollback) {
		t.Fatalf("transaction: %v", err)
	}
	if n := count(`"okapi"`); n != 0 {
		t.Fatalf("rolled back document found %d times", n)
	}
	// Committed, through a *sql.Tx and through a statement cache over one.
	err = d.InTx(ctx, func(tx *sql.Tx) error {
		if err := b.Write(ctx, tx, row(9001, "Okapi router blinks", "The okapi light blinks.")); err != nil {
			return err
		}
		c := db.NewStmtCache(tx)
		defer c.Close()
		if err := b.Write(ctx, c, row(9002, "Okapi remote pairing", "Pair the okapi remote again.", search.FacetSolved)); err != nil {
			return err
		}
		return b.Write(ctx, c, row(9003, "Hub okapi okapi okapi", "Okapi okapi okapi everywhere, okapi.", search.FacetKB))
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(`"okapi"`); n != 3 {
		t.Errorf("okapi: %d", n)
	}
	if n := count(`("okapi") AND facets : ` + search.FacetSolved); n != 1 {
		t.Errorf("solved okapi: %d", n)
	}
	if n := count(`("okapi") NOT facets : (` + search.FacetSolved + ` OR ` + search.FacetKB + `)`); n != 1 {
		t.Errorf("okapi without the solved and KB: %d", n)
	}
	if n := count(`"okapi remote"`); n != 1 {
		t.Errorf("phrase: %d", n)
	}
	if n := count(`"oka"*`); n != 3 {
		t.Errorf("prefix: %d", n)
	}
	newest, err := b.Newest(ctx, `"okapi"`, 2)
	if err != nil || !slices.Equal(newest, []int64{9003, 9002}) {
		t.Errorf("newest: %v %v", newest, err)
	}
	ranked, total, err := b.Rank(ctx, `"okapi"`, 10, 2)
	if err != nil || total != 3 || len(ranked) != 2 || ranked[0].RowID != 9003 {
		t.Errorf("rank: %+v %d %v", ranked, total, err)
	}
	// Removed in a transaction, also when there is nothing to remove.
	err = d.InTx(ctx, func(tx *sql.Tx) error {
		if err := b.Remove(ctx, tx, 9002); err != nil {
			return err
		}
		return b.Remove(ctx, tx, 424242)
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(`"okapi"`); n != 2 {
		t.Errorf("after remove: %d", n)
	}
	if err := b.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(`"okapi"`); n != 0 {
		t.Errorf("after clear (%s): %d", testdb.Engine(), n)
	}
}
