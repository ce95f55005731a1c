package models

import (
	"context"
)

// searchIndex is the full-text index of questions behind search: one
// document per question, keyed by its rowid (threadRowID), with the text
// columns indexColumns makes and the facet tokens the filters use. The
// planner (searchplan.go) writes what to look for as a match expression in
// FTS5's query syntax, and only the part of it that it writes: quoted
// strings (a word or a phrase of folded words), "word"* prefixes, AND, OR,
// NOT, parentheses and "facets : token" filters. Each back-end runs those:
// FTS5 on SQLite as they are, PostgreSQL compiled to a tsquery over a
// weighted tsvector (searchpg.go). Both hold the same text columns in a
// table called search_index with a rowid column, so the store reads stored
// text (scoreWindow, readAnswers) with one query text.
type searchIndex interface {
	// write stores a question's document, in the transaction of the change
	// that made it; remove deletes one (no error when there is none).
	write(ctx context.Context, tx dbtx, row indexRow) error
	remove(ctx context.Context, tx dbtx, rowid int64) error
	// columns and values are an INSERT's columns and one document's values,
	// for writers that insert many rows a statement (imports).
	columns() []string
	values(row indexRow) []any
	// count counts the documents match finds, up to limit.
	count(ctx context.Context, match string, limit int) (int, error)
	// newest lists the newest n documents match finds, newest first.
	newest(ctx context.Context, match string, n int) ([]int64, error)
	// rank ranks the newest limit documents match finds by the index's own
	// relevance (lower score first, as FTS5's rank) and returns the best
	// window of them, with how many it found (up to limit+1).
	rank(ctx context.Context, match string, limit, window int) ([]SearchHit, int, error)
	// clear empties the index before a rebuild; optimize tidies it after.
	clear(ctx context.Context) error
	optimize(ctx context.Context) error
}

// indexRow is one question's document.
type indexRow struct {
	rowid  int64
	cols   []any  // title, body, answers, joined, tstems, stems (indexColumns)
	facets string // facet tokens, space-separated
}

// index is the store's search back-end, by engine.
func (s *Store) index() searchIndex {
	return fts5Index{s}
}
