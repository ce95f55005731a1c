package search

import (
	"context"
	"fmt"

	"github.com/crowdcare/crowdcare/models/db"
)

// fts5Index is the search index on SQLite: the FTS5 table search_index
// (migrations/sqlite/0021), tokenized by unicode61 with diacritics removed,
// ranked by bm25 with the column weights set there (title 10, body 1,
// answers 0.4, joined 2, tstems 6, stems 0.6, facets 0). Match expressions
// are FTS5 queries as they are.
type fts5Index struct{ d *db.DB }

var fts5Columns = []string{"rowid", "title", "body", "answers", "joined", "tstems", "stems", "facets"}

const insertIndexSQL = `INSERT INTO search_index (rowid, title, body, answers, joined, tstems, stems, facets) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

func (x fts5Index) Write(ctx context.Context, tx db.Querier, row Row) error {
	_, err := tx.ExecContext(ctx, insertIndexSQL, x.Values(row)...)
	return err
}

func (fts5Index) Remove(ctx context.Context, tx db.Querier, rowid int64) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM search_index WHERE rowid = ?`, rowid)
	return err
}

func (fts5Index) Columns() []string { return fts5Columns }

func (fts5Index) Values(row Row) []any {
	return append(append([]any{row.RowID}, row.Cols...), row.Facets)
}

func (x fts5Index) Count(ctx context.Context, match string, limit int) (int, error) {
	var n int
	err := x.d.Reader(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM search_index WHERE search_index MATCH ? LIMIT ?)`,
		match, limit).Scan(&n)
	return n, err
}

func (x fts5Index) Newest(ctx context.Context, match string, n int) ([]int64, error) {
	return db.Column[int64](x.d.Reader(ctx).QueryContext(ctx,
		`SELECT rowid FROM search_index WHERE search_index MATCH ? ORDER BY rowid DESC LIMIT ?`, match, n))
}

// Rank reads no column (snippets, facets) of the matches: that would load
// each matching document; the window function counts in the same pass.
func (x fts5Index) Rank(ctx context.Context, match string, limit, window int) ([]Ranked, int, error) {
	rows, err := x.d.Reader(ctx).QueryContext(ctx, `SELECT rowid, rank, COUNT(*) OVER () FROM (
		SELECT rowid, rank FROM search_index WHERE search_index MATCH ? ORDER BY rowid DESC LIMIT ?
	) ORDER BY rank LIMIT ?`, match, limit+1, window)
	if err != nil {
		return nil, 0, err
	}
	return scanRanked(rows)
}

func (x fts5Index) Clear(ctx context.Context) error {
	_, err := x.d.Exec(ctx, `DELETE FROM search_index`)
	return err
}

// Optimize merges the index into one segment: written in batches, it is
// many small segments that every search would merge (half a multi-word
// search's time on a million posts; about ten seconds to merge).
func (x fts5Index) Optimize(ctx context.Context) error {
	if _, err := x.d.Exec(ctx, `INSERT INTO search_index (search_index) VALUES ('optimize')`); err != nil {
		return fmt.Errorf("optimize the index: %w", err)
	}
	return nil
}
