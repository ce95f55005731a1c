package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html/template"
	"sort"
	"strings"
	"time"
)

func (s *Store) ids(ctx context.Context, q string, args ...any) ([]int64, error) {
	return column[int64](s.r.QueryContext(ctx, q, args...))
}

// column reads a one-column result into a slice.
func column[T any](rows *sql.Rows, err error) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// SearchQuery is what the search page asks for.
type SearchQuery struct {
	Text       string
	SolvedOnly bool
	Category   string // slug
	Tag        string
	Page       int
	Viewer     *User // private categories are left out unless the viewer may see them
}

// SearchHit is one question found: a thread, or when it is solved and has
// a published KB article, that article (IsArticle), which stands for both.
type SearchHit struct {
	IsArticle bool
	ID        int64 // the article's id when IsArticle, else the thread's
	ThreadID  int64
	Title     string
	TitleHTML template.HTML // escaped, with <mark> around matched words
	Snippet   template.HTML // escaped, with <mark> around matched words
	URL       string
	ThreadURL string // the discussion, also for an article
	Solved    bool
	Category  Category
	Date      time.Time
	score     float64
	rowid     int64
	// The stored text, until it is highlighted.
	body, answers string
}

// SearchResults is a page of hits.
type SearchResults struct {
	Hits []SearchHit
	Paging
	// Broadened is set when no hit had every word, so hits with any word are shown.
	Broadened bool
	// Searchable is false when the query had no words to look for.
	Searchable bool
}

// Search limits. Results pages are 20 hits and only the best 1,000 hits are
// paged through; past 1,000 the count says "1,000+". FTS5 computes bm25 for
// every match it sorts, about 2 µs each, so a word found in most of 100,000
// threads would cost ~100 ms: relevance ranking runs over the newest
// searchCandidates matches, which bounds a search to a few milliseconds and
// favours current answers (firmware, prices and menus change).
const (
	SearchPerPage    = 20
	searchMaxHits    = 1000
	searchCandidates = 1000
)

// solvedBoost multiplies the (negative, lower is better) bm25 score of solved
// threads and KB articles, so they come first among hits of equal relevance.
const solvedBoost = 1.25

// Search finds threads and articles. It never fails on what a person typed.
func (s *Store) Search(ctx context.Context, q SearchQuery) (*SearchResults, error) {
	terms := parseQuery(q.Text)
	expr, ok := matchExpr(terms, false)
	res := &SearchResults{Searchable: ok, Paging: paging(1, 0, SearchPerPage)}
	if !ok {
		return res, nil
	}
	filter, ok, err := s.searchFilter(ctx, q)
	if err != nil || !ok {
		return res, err
	}
	exclude, err := s.searchCategoryFilter(ctx, q.Viewer)
	if err != nil {
		return nil, err
	}
	page := max(1, q.Page)
	hits, total, err := s.searchRun(ctx, terms, expr, filter, exclude, page)
	if err != nil {
		return nil, err
	}
	if total == 0 && countPositive(terms) > 1 {
		anyExpr, _ := matchExpr(terms, true)
		if hits, total, err = s.searchRun(ctx, terms, anyExpr, filter, exclude, page); err != nil {
			return nil, err
		}
		res.Broadened = total > 0
	}
	res.Paging = paging(page, min(total, searchMaxHits), SearchPerPage)
	res.More = total > searchMaxHits
	res.Hits = hits
	return res, nil
}

func countPositive(terms []searchTerm) int {
	n := 0
	for _, t := range terms {
		if !t.negate {
			n++
		}
	}
	return n
}

// searchFilter turns the filters into facet terms. An unknown category or
// tag matches nothing (ok false) rather than being ignored.
func (s *Store) searchFilter(ctx context.Context, q SearchQuery) (string, bool, error) {
	var parts []string
	if q.SolvedOnly {
		parts = append(parts, "facets : ("+facetSolved+" OR "+facetKB+")")
	}
	if q.Category != "" {
		c, err := s.CategoryBySlug(ctx, q.Category)
		if errors.Is(err, ErrNotFound) {
			return "", false, nil
		}
		if err != nil {
			return "", false, err
		}
		parts = append(parts, "facets : "+facetCategory(c.ID))
	}
	if q.Tag != "" {
		var id int64
		err := s.r.QueryRowContext(ctx, `SELECT id FROM tags WHERE name = ?`, strings.ToLower(q.Tag)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return "", false, nil
		}
		if err != nil {
			return "", false, fmt.Errorf("look up tag: %w", err)
		}
		parts = append(parts, "facets : "+facetTag(id))
	}
	return strings.Join(parts, " AND "), true, nil
}

// searchRun runs one FTS5 query: the user's expression, facet filters that
// must match, and facets (private categories) that must not.
func (s *Store) searchRun(ctx context.Context, terms []searchTerm, expr, filter, exclude string, page int) ([]SearchHit, int, error) {
	// No column filter on the user's words: it doubles FTS5's ranking cost,
	// and facet tokens ("zc12") are not words anyone searches for.
	match := "(" + expr + ")"
	if filter != "" {
		match = "(" + match + ") AND " + filter
	}
	if exclude != "" {
		match = "(" + match + ") NOT " + exclude
	}
	offset := (page - 1) * SearchPerPage
	// Rank the best window by bm25 alone: reading any column (snippets,
	// facets) for every match would load each matching document. The window
	// function counts the candidates in the same pass.
	window := min(offset+2*SearchPerPage, searchMaxHits)
	limit := max(candidates(terms), window)
	rows, err := s.r.QueryContext(ctx, `SELECT rowid, rank, COUNT(*) OVER () FROM (
		SELECT rowid, rank FROM search_index WHERE search_index MATCH ? ORDER BY rowid DESC LIMIT ?
	) ORDER BY rank LIMIT ?`, match, limit+1, window)
	if err != nil {
		return nil, 0, fmt.Errorf("search %q: %w", match, err)
	}
	var hits []SearchHit
	total := 0
	for rows.Next() {
		var rowid int64
		var rank float64
		if err := rows.Scan(&rowid, &rank, &total); err != nil {
			rows.Close()
			return nil, 0, err
		}
		hits = append(hits, SearchHit{ID: rowid, score: rank, rowid: rowid})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if total > limit {
		// More matches than candidates: the exact number is not worth counting.
		total = searchMaxHits + 1
	}
	if offset >= len(hits) {
		return nil, total, nil
	}
	if err := s.readWindow(ctx, hits); err != nil {
		return nil, 0, err
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].score < hits[j].score })
	hits = hits[min(offset, len(hits)):min(offset+SearchPerPage, len(hits))]
	if err := s.fillHits(ctx, hits); err != nil {
		return nil, 0, err
	}
	hl := newHighlighter(terms)
	for i := range hits {
		h := &hits[i]
		h.TitleHTML = hl.mark(h.Title, 0)
		// The question and accepted answer, unless the words are only in
		// the other answers.
		text := h.body
		if !hl.found(text) && hl.found(h.answers) {
			text = h.answers
		}
		h.Snippet = hl.mark(truncateRunes(text, 20000), snippetWords)
		h.body, h.answers = "", ""
	}
	return hits, total, nil
}

// candidates is how many of the newest matches are ranked. bm25 over a
// phrase reads word positions and costs about three times a single word per
// document, so phrase queries rank a third as many in the same time.
func candidates(terms []searchTerm) int {
	for _, t := range terms {
		if !t.negate && strings.Contains(t.text, " ") {
			return searchCandidates / 3
		}
	}
	return searchCandidates
}

// readWindow reads the ranked window's stored text in one query: facets for
// the solved boost, and the text for highlighted snippets. FTS5's own
// snippet() re-reads each document's positions and costs ~1 ms on a long
// thread; marking the query's words here costs microseconds.
func (s *Store) readWindow(ctx context.Context, hits []SearchHit) error {
	if len(hits) == 0 {
		return nil
	}
	args := make([]any, len(hits))
	pos := make(map[int64]int, len(hits))
	for i, h := range hits {
		args[i], pos[h.rowid] = h.rowid, i
	}
	rows, err := s.r.QueryContext(ctx, `SELECT rowid, body, answers, facets FROM search_index WHERE rowid IN (`+placeholders(len(args))+`)`, args...)
	if err != nil {
		return fmt.Errorf("read search window: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var rowid int64
		var body, answers, facets string
		if err := rows.Scan(&rowid, &body, &answers, &facets); err != nil {
			return err
		}
		h := &hits[pos[rowid]]
		if strings.Contains(facets, facetSolved) || strings.Contains(facets, facetKB) {
			h.score *= solvedBoost
		}
		h.body, h.answers = body, answers
	}
	return rows.Err()
}

// unsegmentCJK removes the spaces segmentCJK put around CJK characters.
func unsegmentCJK(s string) string {
	if !hasCJK(s) {
		return s
	}
	r := []rune(s)
	var b strings.Builder
	for i, c := range r {
		if c == ' ' && ((i > 0 && isCJK(r[i-1])) || (i+1 < len(r) && isCJK(r[i+1]))) {
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// fillHits adds titles, addresses, categories and dates to hits in one
// query: a question with a published article links to the article.
func (s *Store) fillHits(ctx context.Context, hits []SearchHit) error {
	if len(hits) == 0 {
		return nil
	}
	ids := make([]any, len(hits))
	pos := make(map[int64]int, len(hits))
	for i, h := range hits {
		ids[i], pos[h.rowid] = h.rowid, i
	}
	rows, err := s.r.QueryContext(ctx, `SELECT t.id, t.title, t.slug, t.accepted_id IS NOT NULL, t.last_activity_at,
		c.id, c.slug, c.name, k.id, k.title, k.slug, k.updated_at
		FROM threads t JOIN categories c ON c.id = t.category_id
		LEFT JOIN kb_articles k ON k.thread_id = t.id AND k.published = 1
		WHERE t.id IN (`+placeholders(len(ids))+`)`, ids...)
	if err != nil {
		return fmt.Errorf("load hits: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, at int64
		var title, slug string
		var solved bool
		var cat Category
		var kID, kAt sql.NullInt64
		var kTitle, kSlug sql.NullString
		if err := rows.Scan(&id, &title, &slug, &solved, &at, &cat.ID, &cat.Slug, &cat.Name, &kID, &kTitle, &kSlug, &kAt); err != nil {
			return err
		}
		h := &hits[pos[id]]
		h.ThreadID, h.ID, h.Title, h.Solved, h.Category, h.Date = id, id, title, solved, cat, time.Unix(at, 0)
		h.URL = ThreadURL(id, slug)
		h.ThreadURL = h.URL
		if kID.Valid {
			h.IsArticle, h.ID, h.Title, h.Solved, h.Date = true, kID.Int64, kTitle.String, true, time.Unix(kAt.Int64, 0)
			h.URL = ArticleURL(kID.Int64, kSlug.String)
		}
	}
	return rows.Err()
}

// Similar finds up to 5 solved questions (each once: the article when it
// has one) that share words with a title being typed, among those the
// viewer may see.
func (s *Store) Similar(ctx context.Context, title string, viewer *User) ([]SearchHit, error) {
	var terms []searchTerm
	for _, t := range parseQuery(title) {
		if !t.negate && !isStopWord(strings.ToLower(t.text)) {
			t.prefix = false
			terms = append(terms, t)
		}
	}
	expr, ok := matchExpr(terms, true)
	if !ok {
		return nil, nil
	}
	exclude, err := s.searchCategoryFilter(ctx, viewer)
	if err != nil {
		return nil, err
	}
	hits, _, err := s.searchRun(ctx, terms, expr, "facets : ("+facetSolved+" OR "+facetKB+")", exclude, 1)
	if err != nil {
		return nil, err
	}
	return hits[:min(5, len(hits))], nil
}
