package models

import (
	"context"
	"fmt"
)

// fts5Index is the search index on SQLite: the FTS5 table search_index
// (migrations/sqlite/0021), tokenized by unicode61 with diacritics removed,
// ranked by bm25 with the column weights set there (title 10, body 1,
// answers 0.4, joined 2, tstems 6, stems 0.6, facets 0). Match expressions
// are FTS5 queries as they are.
type fts5Index struct{ s *Store }

var fts5Columns = []string{"rowid", "title", "body", "answers", "joined", "tstems", "stems", "facets"}

const insertIndexSQL = `INSERT INTO search_index (rowid, title, body, answers, joined, tstems, stems, facets) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

func (x fts5Index) write(ctx context.Context, tx dbtx, row indexRow) error {
	_, err := tx.ExecContext(ctx, insertIndexSQL, x.values(row)...)
	return err
}

func (fts5Index) remove(ctx context.Context, tx dbtx, rowid int64) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM search_index WHERE rowid = ?`, rowid)
	return err
}

func (fts5Index) columns() []string { return fts5Columns }

func (fts5Index) values(row indexRow) []any {
	return append(append([]any{row.rowid}, row.cols...), row.facets)
}

func (x fts5Index) count(ctx context.Context, match string, limit int) (int, error) {
	var n int
	err := x.s.reader(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM search_index WHERE search_index MATCH ? LIMIT ?)`,
		match, limit).Scan(&n)
	return n, err
}

func (x fts5Index) newest(ctx context.Context, match string, n int) ([]int64, error) {
	return x.s.ids(ctx, `SELECT rowid FROM search_index WHERE search_index MATCH ? ORDER BY rowid DESC LIMIT ?`, match, n)
}

// rank reads no column (snippets, facets) of the matches: that would load
// each matching document; the window function counts in the same pass.
func (x fts5Index) rank(ctx context.Context, match string, limit, window int) ([]SearchHit, int, error) {
	rows, err := x.s.reader(ctx).QueryContext(ctx, `SELECT rowid, rank, COUNT(*) OVER () FROM (
		SELECT rowid, rank FROM search_index WHERE search_index MATCH ? ORDER BY rowid DESC LIMIT ?
	) ORDER BY rank LIMIT ?`, match, limit+1, window)
	if err != nil {
		return nil, 0, err
	}
	return scanRanked(rows)
}

func (x fts5Index) clear(ctx context.Context) error {
	_, err := x.s.exec(ctx, `DELETE FROM search_index`)
	return err
}

// optimize merges the index into one segment: written in batches, it is
// many small segments that every search would merge (half a multi-word
// search's time on a million posts; about ten seconds to merge).
func (x fts5Index) optimize(ctx context.Context) error {
	if _, err := x.s.exec(ctx, `INSERT INTO search_index (search_index) VALUES ('optimize')`); err != nil {
		return fmt.Errorf("optimize the index: %w", err)
	}
	return nil
}
