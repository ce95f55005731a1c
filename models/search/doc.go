// Package search is Crowdcare's search: the text side (how a query is
// read, ParseQuery: words, "phrases", -exclusions, prefix*, capped, never a
// syntax error; how words are compared, FoldWord: lower case, accents
// folded; SplitWords, CompoundWords, CJK segmentation; stemming in 18
// languages, Stemmer, Snowball; stop words; the synonym list's format and
// defaults, ParseSynonyms, DefaultSynonyms) and the index behind it.
//
// The index is a Backend (backend.go): one document per question, written
// in the transaction of the change that made it (a *sql.Tx or a
// db.StmtCache over one, passed in), with two implementations over the
// same search_index table's columns: FTS5 on SQLite (fts5.go) and a
// weighted tsvector with a GIN index on PostgreSQL (pg.go), which compiles
// the planner's FTS5 match expressions to tsqueries. NewBackend picks the
// one of a *db.DB's engine. It owns the search_index and search_words
// (the title words "Did you mean" reads) tables' SQL; a document's text
// columns and facet tokens are made here (Columns, Facet*).
//
// What a question's document holds (the thread, its visible posts, its
// published article: forum and KB rows) is read in models (searchindex.go,
// indexThread), in the transaction of the change, which then writes it
// here. The query plan, ranking, snippets and suggestions still live in
// models (search*.go, snippet.go), calling the back-end.
package search
