package search_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/models/search"
)

// TestPgVectorsStoreAsTheirText: the PostgreSQL back-end hands its tsvectors
// to pgx as values, which an INSERT sends as text and a COPY (the imports)
// in PostgreSQL's binary form. Both must store what the text form says,
// quotes, backslashes, accents, CJK, facets and the answers' D positions
// included.
func TestPgVectorsStoreAsTheirText(t *testing.T) {
	if !testdb.Postgres() {
		t.Skip("the PostgreSQL back-end's tsvectors: this pass runs on SQLite (FTS5 stores text)")
	}
	s := newTestStore(t)
	ctx := context.Background()
	d := s.DB()
	b := search.NewBackend(d)
	row := func(id int64) search.Row {
		return search.Row{RowID: id, Cols: search.Columns(search.Doc{
			Title:   `It's the "O'Brien" router \ back-slash`,
			Body:    "Naïve café: l'été, 東京のルーター, x-ray x-ray",
			Answers: "Answered: reset it's fine",
		}, nil), Facets: search.FacetCategory(3) + " " + search.FacetSolved}
	}
	// Row 1 through an INSERT (the back-end's Write), row 2 through COPY.
	if err := s.DB().InTx(ctx, func(tx *sql.Tx) error { return b.Write(ctx, tx, row(1)) }); err != nil {
		t.Fatal(err)
	}
	conn, err := d.Writer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = db.PgxConn(ctx, conn, func(pc *pgx.Conn) error {
		_, err := pc.CopyFrom(ctx, pgx.Identifier{"search_index"}, b.Columns(), pgx.CopyFromRows([][]any{b.Values(row(2))}))
		return err
	})
	conn.Close()
	if err != nil {
		t.Fatalf("copy: %v", err)
	}
	values := b.Values(row(1))
	doc, head := fmt.Sprint(values[len(values)-2]), fmt.Sprint(values[len(values)-1])
	var wantDoc, wantHead string
	if err := d.Reader(ctx).QueryRowContext(ctx, `SELECT CAST(CAST(? AS tsvector) AS TEXT), CAST(CAST(? AS tsvector) AS TEXT)`, doc, head).Scan(&wantDoc, &wantHead); err != nil {
		t.Fatal(err)
	}
	for id := int64(1); id <= 2; id++ {
		var gotDoc, gotHead string
		if err := d.Reader(ctx).QueryRowContext(ctx, `SELECT CAST(doc AS TEXT), CAST(head AS TEXT) FROM search_index WHERE rowid = ?`, id).Scan(&gotDoc, &gotHead); err != nil {
			t.Fatal(err)
		}
		if gotDoc != wantDoc || gotHead != wantHead {
			t.Errorf("row %d stored\n doc  %s\n head %s\nwant\n doc  %s\n head %s", id, gotDoc, gotHead, wantDoc, wantHead)
		}
	}
	// And it is found by what it says.
	for _, q := range []string{`"brien"`, `"cafe" AND "ete"`, `"back" AND "slash"`, `"reset"`} {
		if n, err := b.Count(ctx, q, 10); err != nil || n == 0 {
			t.Errorf("%s: %d, %v", q, n, err)
		}
	}
}
