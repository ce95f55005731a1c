package search

import (
	"context"
	"database/sql"

	"github.com/crowdcare/crowdcare/models/db"
)

// Backend is the full-text index of questions behind search: one document
// per question, keyed by its rowid (ThreadRowID), with the text columns
// Columns makes and the facet tokens the filters use. The planner writes
// what to look for as a match expression in FTS5's query syntax, and only
// the part of it that it writes: quoted strings (a word or a phrase of
// folded words), "word"* prefixes, AND, OR, NOT, parentheses and
// "facets : token" filters. Each back-end runs those: FTS5 on SQLite as
// they are (fts5.go), PostgreSQL compiled to a tsquery over a weighted
// tsvector (pg.go). Both hold the same text columns in a table called
// search_index with a rowid column, so stored text is read back (the final
// ranking, snippets) with one query text.
//
// Writes take the transaction of the change that made them (a *sql.Tx, or
// a db.StmtCache over one), so a post and its search row commit together.
type Backend interface {
	// Write stores a question's document, in the transaction of the change
	// that made it; Remove deletes one (no error when there is none).
	Write(ctx context.Context, tx db.Querier, row Row) error
	Remove(ctx context.Context, tx db.Querier, rowid int64) error
	// Columns and Values are an INSERT's columns and one document's values,
	// for writers that insert many rows a statement (imports).
	Columns() []string
	Values(row Row) []any
	// Count counts the documents match finds, up to limit.
	Count(ctx context.Context, match string, limit int) (int, error)
	// Newest lists the newest n documents match finds, newest first.
	Newest(ctx context.Context, match string, n int) ([]int64, error)
	// Rank ranks the newest limit documents match finds by the index's own
	// relevance (lower score first, as FTS5's rank) and returns the best
	// window of them, with how many it found (up to limit+1).
	Rank(ctx context.Context, match string, limit, window int) ([]Ranked, int, error)
	// Clear empties the index before a rebuild; Optimize tidies it after.
	Clear(ctx context.Context) error
	Optimize(ctx context.Context) error
}

// Row is one question's document.
type Row struct {
	RowID  int64
	Cols   []any  // title, body, answers, joined, tstems, stems (Columns)
	Facets string // facet tokens, space-separated
}

// Ranked is a document the index ranked: its rowid and the index's own
// score (lower first).
type Ranked struct {
	RowID int64
	Score float64
}

// NewBackend is the search back-end of d's engine: reads go to the pool a
// request's reads go to (db.DB.Reader), whole-index writes (Clear,
// Optimize) to the writer (db.DB.Exec).
func NewBackend(d *db.DB) Backend {
	if d.Engine() == db.Postgres {
		return pgIndex{d}
	}
	return fts5Index{d}
}

// scanRanked reads rows of rowid, rank (lower first) and the number of
// matches.
func scanRanked(rows *sql.Rows) ([]Ranked, int, error) {
	defer rows.Close()
	var hits []Ranked
	total := 0
	for rows.Next() {
		var r Ranked
		if err := rows.Scan(&r.RowID, &r.Score, &total); err != nil {
			return nil, 0, err
		}
		hits = append(hits, r)
	}
	return hits, total, rows.Err()
}
