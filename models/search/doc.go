// Package search is Crowdcare's search: the text side, the index behind
// it and the running of a query.
//
// The text side: how a query is read (ParseQuery: words, "phrases",
// -exclusions, prefix*, capped, never a syntax error), how words are
// compared (FoldWord: lower case, accents folded; SplitWords,
// CompoundWords, CJK segmentation), stemming in 18 languages (Stemmer,
// Snowball), stop words, and the synonym list's format and defaults
// (ParseSynonyms, DefaultSynonyms).
//
// The index is a Backend (backend.go): one document per question, written
// in the transaction of the change that made it (a *sql.Tx, or a
// db.StmtCache over one, passed in), with two implementations over the
// same search_index table's columns: FTS5 on SQLite (fts5.go) and a
// weighted tsvector with a GIN index on PostgreSQL (pg.go), which compiles
// the planner's FTS5 match expressions to tsqueries. NewBackend picks the
// one of a *db.DB's engine. A document's text columns and facet tokens are
// made here (Doc, Columns, Facet*), and a title's words for suggestions
// (AddTitleWords).
//
// A Searcher runs queries over the back-end: the plan (plan.go: each word
// with its stems and synonyms, which forms bm25 ranks), candidates ranked
// by the index and then again with the signals it does not see (rank.go,
// match.go), the page's titles and snippets highlighted (snippet.go),
// counts of how common a form is, kept a few minutes (counts.go), "Did you
// mean" from the title words (suggest.go). Find and FindSimilar return
// Results and Hits, this package's own types.
//
// It owns the search_index and search_words tables' SQL, and nothing
// else's. It takes the database layer (a *db.DB: its replica-aware reads,
// its writer) and the store's clock, and what it needs of the forum as a
// small Forum of functions that models hands down: the questions'
// languages, the candidates' activity and helpful votes, a page of hits'
// titles, addresses and categories, the synonym list in force. So it
// imports nothing of models; models.Store embeds a *Searcher.
//
// What stayed in models, and why: what a question's document holds (the
// thread, its visible posts, its published article) is read there
// (searchindex.go, indexThread), in the transaction of the change that
// calls it (a post, an edit, an acceptance, a moderator's action, an
// import), then written here; a rebuild of the index (Reindex) walks the
// threads. Search and Similar there turn a viewer and the filters' slugs
// into a Filter (private categories, categories and tags are the
// forum's) and add the pager; saving the synonym list is an audited admin
// action (permission, validation, the audit log).
package search
