package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html/template"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Facet tokens live in the index's facets column. They are made of letters
// and digits only, so the tokenizer keeps each one whole.
func facetCategory(id int64) string { return "zc" + strconv.FormatInt(id, 10) }
func facetTag(id int64) string      { return "zt" + strconv.FormatInt(id, 10) }

const (
	facetSolved = "zsolved"
	facetOpen   = "zopen"
	facetKB     = "zkb"
)

// Row ids in the index follow the thread: 2*thread id for the thread and
// 2*thread id + 1 for its article, so newer content has higher row ids.
func threadRowID(threadID int64) int64  { return 2 * threadID }
func articleRowID(threadID int64) int64 { return 2*threadID + 1 }

// compoundWords finds the words joined by hyphens, dots or apostrophes in a
// text (Wi-Fi, e-mail, hub-3): runs of letters and digits with one joiner
// between each, as the pattern [\p{L}\p{N}]+(?:[-.'’][\p{L}\p{N}]+)+ finds
// them (TestCompoundWordsMatchThePattern), without its backtracking, which
// took a quarter of an import's text work.
func compoundWords(t string, fn func(string)) {
	isWord := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }
	isJoiner := func(r rune) bool { return r == '-' || r == '.' || r == '\'' || r == '’' }
	// run returns the end of the letters and digits starting at i.
	run := func(i int) int {
		for i < len(t) {
			r, n := utf8.DecodeRuneInString(t[i:])
			if !isWord(r) {
				break
			}
			i += n
		}
		return i
	}
	for i := 0; i < len(t); {
		r, n := utf8.DecodeRuneInString(t[i:])
		if !isWord(r) {
			i += n
			continue
		}
		end, joined := run(i), false
		for end < len(t) {
			j, jn := utf8.DecodeRuneInString(t[end:])
			if !isJoiner(j) {
				break
			}
			next := run(end + jn)
			if next == end+jn {
				break
			}
			end, joined = next, true
		}
		if joined {
			fn(t[i:end])
		}
		i = end
	}
}

// joinedForms lists each compound written as one word, once.
func joinedForms(texts ...string) string {
	seen := map[string]bool{}
	var out []string
	for _, t := range texts {
		compoundWords(t, func(m string) {
			w := strings.ToLower(strings.Map(func(r rune) rune {
				if strings.ContainsRune("-.'’", r) {
					return -1
				}
				return r
			}, m))
			if !seen[w] {
				seen[w] = true
				out = append(out, w)
			}
		})
	}
	return strings.Join(out, " ")
}

func indexText(s string) string { return segmentCJK(cleanText(s)) }

// indexThread writes the thread's row in the search index, or removes it when
// the thread is no longer visible. It runs in the transaction of the change.
func (s *Store) indexThread(ctx context.Context, tx dbtx, threadID int64) error {
	rowid := threadRowID(threadID)
	if _, err := tx.ExecContext(ctx, `DELETE FROM search_index WHERE rowid = ?`, rowid); err != nil {
		return fmt.Errorf("unindex thread %d: %w", threadID, err)
	}
	var title string
	var catID int64
	var solved, visible bool
	err := tx.QueryRowContext(ctx, `SELECT t.title, t.category_id, t.accepted_id IS NOT NULL, `+visibleThread+`
		FROM threads t WHERE t.id = ?`, threadID).Scan(&title, &catID, &solved, &visible)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !visible) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("load thread %d for index: %w", threadID, err)
	}
	// The question first, then the accepted answer, then the others.
	rows, err := tx.QueryContext(ctx, `SELECT p.body_text FROM posts p JOIN threads t ON t.id = p.thread_id
		WHERE p.thread_id = ? AND `+visiblePost+`
		ORDER BY p.is_question DESC, p.id = COALESCE(t.accepted_id, 0) DESC, p.id`, threadID)
	if err != nil {
		return fmt.Errorf("load posts for index: %w", err)
	}
	var body []string
	for rows.Next() {
		var text string
		if err := rows.Scan(&text); err != nil {
			rows.Close()
			return err
		}
		body = append(body, text)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	facets := []string{facetCategory(catID), facetOpen}
	if solved {
		facets[1] = facetSolved
	}
	tagFacets, err := threadTagFacets(ctx, tx, threadID)
	if err != nil {
		return err
	}
	facets = append(facets, tagFacets...)
	if err := insertIndexRow(ctx, tx, rowid, title, strings.Join(body, "\n"), facets); err != nil {
		return fmt.Errorf("index thread %d: %w", threadID, err)
	}
	return nil
}

// insertIndexRow adds one document to the search index.
func insertIndexRow(ctx context.Context, tx dbtx, rowid int64, title, text string, facets []string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO search_index (rowid, title, body, joined, facets) VALUES (?, ?, ?, ?, ?)`,
		rowid, indexText(title), indexText(text), joinedForms(title, text), strings.Join(facets, " "))
	return err
}

func threadTagFacets(ctx context.Context, tx dbtx, threadID int64) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT tag_id FROM thread_tags WHERE thread_id = ?`, threadID)
	if err != nil {
		return nil, fmt.Errorf("load tags for index: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, facetTag(id))
	}
	return out, rows.Err()
}

// indexArticle writes a KB article's row, or removes it when unpublished.
func (s *Store) indexArticle(ctx context.Context, tx dbtx, articleID int64) error {
	var title, problem, solution string
	var threadID, catID int64
	var published bool
	err := tx.QueryRowContext(ctx, `SELECT k.title, k.problem_md, k.solution_md, k.thread_id, t.category_id,
		k.published AND `+visibleThread+`
		FROM kb_articles k JOIN threads t ON t.id = k.thread_id WHERE k.id = ?`, articleID).
		Scan(&title, &problem, &solution, &threadID, &catID, &published)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("load article %d for index: %w", articleID, err)
	}
	rowid := articleRowID(threadID)
	if _, err := tx.ExecContext(ctx, `DELETE FROM search_index WHERE rowid = ?`, rowid); err != nil {
		return fmt.Errorf("unindex article %d: %w", articleID, err)
	}
	if !published {
		return nil
	}
	p, err := s.md.render(problem)
	if err != nil {
		return err
	}
	sol, err := s.md.render(solution)
	if err != nil {
		return err
	}
	tagFacets, err := threadTagFacets(ctx, tx, threadID)
	if err != nil {
		return err
	}
	facets := append([]string{facetCategory(catID), facetKB}, tagFacets...)
	if err := insertIndexRow(ctx, tx, rowid, title, p.Text+"\n"+sol.Text, facets); err != nil {
		return fmt.Errorf("index article %d: %w", articleID, err)
	}
	return nil
}

// Reindex rebuilds the whole search index from the content, in batches.
func (s *Store) Reindex(ctx context.Context) (int, error) {
	if _, err := s.exec(ctx, `DELETE FROM search_index`); err != nil {
		return 0, fmt.Errorf("clear index: %w", err)
	}
	n := 0
	for _, q := range []struct {
		sql   string
		index func(context.Context, dbtx, int64) error
	}{
		{`SELECT id FROM threads WHERE id > ? ORDER BY id LIMIT 500`, s.indexThread},
		{`SELECT id FROM kb_articles WHERE id > ? ORDER BY id LIMIT 500`, s.indexArticle},
	} {
		var last int64
		for {
			ids, err := s.ids(ctx, q.sql, last)
			if err != nil {
				return n, err
			}
			if len(ids) == 0 {
				break
			}
			err = s.inTx(ctx, func(tx *sql.Tx) error {
				for _, id := range ids {
					if err := q.index(ctx, tx, id); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return n, err
			}
			n += len(ids)
			last = ids[len(ids)-1]
		}
	}
	return n, nil
}

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

// SearchHit is one thread or article found.
type SearchHit struct {
	IsArticle bool
	ID        int64
	Title     string
	TitleHTML template.HTML // escaped, with <mark> around matched words
	Snippet   template.HTML // escaped, with <mark> around matched words
	URL       string
	Solved    bool
	Category  Category
	Date      time.Time
	score     float64
	rowid     int64
	// The stored text, until it is highlighted.
	title, body string
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
		hits = append(hits, SearchHit{IsArticle: rowid%2 == 1, ID: rowid / 2, score: rank, rowid: rowid})
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
	hl := newHighlighter(terms)
	for i := range hits {
		hits[i].TitleHTML = hl.mark(hits[i].title, 0)
		hits[i].Snippet = hl.mark(truncateRunes(hits[i].body, 20000), snippetWords)
		hits[i].title, hits[i].body = "", ""
	}
	if err := s.fillHits(ctx, hits); err != nil {
		return nil, 0, err
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
// the solved boost, and title and body for highlighted snippets. FTS5's own
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
	rows, err := s.r.QueryContext(ctx, `SELECT rowid, title, body, facets FROM search_index WHERE rowid IN (`+placeholders(len(args))+`)`, args...)
	if err != nil {
		return fmt.Errorf("read search window: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var rowid int64
		var title, body, facets string
		if err := rows.Scan(&rowid, &title, &body, &facets); err != nil {
			return err
		}
		h := &hits[pos[rowid]]
		if strings.Contains(facets, facetSolved) || strings.Contains(facets, facetKB) {
			h.score *= solvedBoost
		}
		h.title, h.body = title, body
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

// fillHits adds titles, addresses, categories and dates to hits in two queries.
func (s *Store) fillHits(ctx context.Context, hits []SearchHit) error {
	var threadIDs, articleIDs []any
	for _, h := range hits {
		if h.IsArticle {
			articleIDs = append(articleIDs, h.ID)
		} else {
			threadIDs = append(threadIDs, h.ID)
		}
	}
	type info struct {
		title, slug string
		solved      bool
		cat         Category
		at          int64
	}
	found := map[string]info{}
	// load reads hits' details; for articles the third column is the
	// article id (recorded in articleIDs), for threads whether it is solved.
	load := func(kind, q string, ids []any, articleIDs map[int64]int64) error {
		if len(ids) == 0 {
			return nil
		}
		rows, err := s.r.QueryContext(ctx, fmt.Sprintf(q, placeholders(len(ids))), ids...)
		if err != nil {
			return fmt.Errorf("load hits: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id, third int64
			var in info
			if err := rows.Scan(&id, &in.title, &in.slug, &third, &in.at, &in.cat.ID, &in.cat.Slug, &in.cat.Name); err != nil {
				return err
			}
			if articleIDs != nil {
				articleIDs[id], in.solved = third, true
			} else {
				in.solved = third == 1
			}
			found[kind+strconv.FormatInt(id, 10)] = in
		}
		return rows.Err()
	}
	if err := load("t", `SELECT t.id, t.title, t.slug, t.accepted_id IS NOT NULL, t.last_activity_at, c.id, c.slug, c.name
		FROM threads t JOIN categories c ON c.id = t.category_id WHERE t.id IN (%s)`, threadIDs, nil); err != nil {
		return err
	}
	articleOf := map[int64]int64{} // thread id -> article id
	if err := load("k", `SELECT k.thread_id, k.title, k.slug, k.id, k.updated_at, c.id, c.slug, c.name
		FROM kb_articles k JOIN threads t ON t.id = k.thread_id JOIN categories c ON c.id = t.category_id
		WHERE k.thread_id IN (%s)`, articleIDs, articleOf); err != nil {
		return err
	}
	for i := range hits {
		h := &hits[i]
		kind, url := "t", ThreadURL
		if h.IsArticle {
			kind, url = "k", ArticleURL
		}
		in := found[kind+strconv.FormatInt(h.ID, 10)]
		if h.IsArticle {
			h.ID = articleOf[h.ID]
		}
		h.Title, h.Solved, h.Category, h.Date = in.title, in.solved, in.cat, time.Unix(in.at, 0)
		h.URL = url(h.ID, in.slug)
	}
	return nil
}

// Similar finds up to 5 solved threads or articles that share words with a
// title being typed, among those the viewer may see.
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
