// Package search is the text side of search, with no database behind it:
// how a query is read (ParseQuery: words, "phrases", -exclusions, prefix*,
// capped, never a syntax error), how words are compared (FoldWord: lower
// case, accents folded; SplitWords, CompoundWords, CJK segmentation),
// stemming in 18 languages (Stemmer, Snowball), stop words, and the synonym
// list's format and defaults (ParseSynonyms, DefaultSynonyms).
//
// The index and its two back-ends (FTS5 on SQLite, tsvector on PostgreSQL),
// the query plan that turns Terms into each engine's match expressions, the
// ranking and the snippets still live in models (search*.go, snippet.go),
// calling this package.
package search
