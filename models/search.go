package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html/template"
	"math"
	"slices"
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
	Lang      string // the question's language when known and not English
	Category  Category
	Date      time.Time
	score     float64 // bm25, then the final score (searchScore)
	rowid     int64
	at        int64 // last activity, breaking ties
	matched   []bool
	coverage  float64
	// The title, or the question or accepted answer, has a word of the query.
	inTitle, inBody bool
	// The stored text, until it is highlighted.
	body, answers string
}

// SearchResults is a page of hits.
type SearchResults struct {
	Hits []SearchHit
	Paging
	// Broadened is set when no hit on the page has every word of the query
	// (in some form): hits with some of them are shown, best first.
	Broadened bool
	// Searchable is false when the query had no words to look for.
	Searchable bool
	// Ignored are common words left out of the query ("how", "my", "nothing").
	Ignored []string
	// Missing are words of the query that nothing the viewer may see
	// contains, under the filters, in any form.
	Missing []string
	// Elsewhere is, when the filters (solved, category, tag) left nothing,
	// how many questions match without them (up to searchMaxHits+1).
	Elsewhere int
	// Languages are the languages other than English of the hits on the
	// page, when known.
	Languages []string
	// Suggestion is, when the query found little, the query with its rare
	// words replaced by close ones that find more ("Did you mean …?").
	Suggestion string
}

// Search limits. Results pages are 20 hits and only the best 1,000 hits are
// paged through; past 1,000 the count says "1,000+". FTS5 computes bm25 for
// every match it sorts, about 2 µs each, so a word found in most of 100,000
// threads would cost ~100 ms: relevance ranking runs over the newest
// searchCandidates matches, which bounds a search to a few milliseconds and
// favours current answers (firmware, prices and menus change). The best
// rerankMin (or more, for later pages) by bm25, and up to twice
// rerankExtra more (see search), are then ranked again with the signals bm25 does not
// see (scoreWindow, searchScore).
const (
	SearchPerPage    = 20
	searchMaxHits    = 1000
	searchCandidates = 1000
	rerankMin        = 40
	rerankExtra      = 20
)

// Search finds questions. It never fails on what a person typed.
func (s *Store) Search(ctx context.Context, q SearchQuery) (*SearchResults, error) {
	plan, err := s.planQuery(ctx, q.Text)
	if err != nil {
		return nil, err
	}
	res := &SearchResults{Searchable: len(plan.groups) > 0, Paging: paging(1, 0, SearchPerPage), Ignored: plan.ignored}
	if !res.Searchable {
		return res, nil
	}
	filter, ok, err := s.searchFilter(ctx, q)
	if err != nil {
		return nil, err
	}
	exclude, err := s.searchCategoryFilter(ctx, q.Viewer)
	if err != nil {
		return nil, err
	}
	page := max(1, q.Page)
	var run searchRun
	if ok {
		run, err = s.search(ctx, plan, filter, exclude, (page-1)*SearchPerPage, SearchPerPage)
		if err != nil {
			return nil, err
		}
	}
	res.Paging = paging(page, min(run.total, searchMaxHits), SearchPerPage)
	res.More = run.total > searchMaxHits
	res.Hits = run.hits
	res.Broadened = len(run.hits) > 0 && !run.complete
	for _, h := range run.hits {
		if h.Lang != "" && !slices.Contains(res.Languages, h.Lang) {
			res.Languages = append(res.Languages, h.Lang)
		}
	}
	if run.total == 0 && (filter != "" || !ok) {
		// Say what the filters hid.
		if res.Elsewhere, err = s.countMatches(ctx, plan.matchAny(), "", exclude); err != nil {
			return nil, err
		}
	}
	if ok && run.total < suggestBelow {
		if res.Suggestion, err = s.suggest(ctx, q.Text, filter, exclude); err != nil {
			return nil, err
		}
	}
	if run.total == 0 || res.Broadened {
		for i, g := range plan.groups {
			if i < len(run.covered) && run.covered[i] {
				continue
			}
			n, err := s.countMatches(ctx, g.expr(), filter, exclude)
			if err != nil {
				return nil, err
			}
			if n == 0 {
				res.Missing = append(res.Missing, g.term.text)
			}
		}
	}
	return res, nil
}

// searchRun is what one search found.
type searchRun struct {
	hits  []SearchHit // the page asked for
	total int         // matches, up to searchMaxHits+1
	// complete is set when a hit on the page has every group; covered says
	// which groups some ranked candidate has.
	complete bool
	covered  []bool
}

// searchFilter turns the filters into facet terms. An unknown category or
// tag matches nothing (ok false) rather than being ignored.
func (s *Store) searchFilter(ctx context.Context, q SearchQuery) (string, bool, error) {
	var parts []string
	if q.SolvedOnly {
		parts = append(parts, "facets : "+facetSolved)
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

// fullMatch is an FTS5 expression with facet filters that must match and
// facets (private categories) that must not. No column filter on the
// user's words: it doubles FTS5's ranking cost, and facet tokens ("zc12")
// are not words anyone searches for.
func fullMatch(expr, filter, exclude string) string {
	match := "(" + expr + ")"
	if filter != "" {
		match = "(" + match + ") AND " + filter
	}
	if exclude != "" {
		match = "(" + match + ") NOT " + exclude
	}
	return match
}

// countMatches counts documents matching expr under the filters, up to
// searchMaxHits+1.
func (s *Store) countMatches(ctx context.Context, expr, filter, exclude string) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM search_index WHERE search_index MATCH ? LIMIT ?)`,
		fullMatch(expr, filter, exclude), searchMaxHits+1).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count matches: %w", err)
	}
	return n, nil
}

// search ranks the union of the plan's matches: questions with any of its
// words. When a common word makes that union larger than the candidates
// ranked, the questions with every word are ranked too, so they are never
// crowded out by newer partial matches.
func (s *Store) search(ctx context.Context, plan *searchPlan, filter, exclude string, offset, n int) (searchRun, error) {
	var run searchRun
	window := min(max(rerankMin, offset+2*n), searchMaxHits)
	limit := max(candidates(plan), window)
	cands, total, err := s.rankCandidates(ctx, fullMatch(plan.matchCore(), filter, exclude), limit, window)
	if err != nil {
		return run, err
	}
	// Beside the best by bm25: the newest questions with every word, when
	// a common word floods the union, and the newest with a common stem or
	// synonym or a phrase form (forms bm25 would rank slowly). The final
	// ranking reads them all.
	have := make(map[int64]bool, len(cands))
	for _, h := range cands {
		have[h.rowid] = true
	}
	add := func(expr string) error {
		ids, err := s.ids(ctx, `SELECT rowid FROM search_index WHERE search_index MATCH ? ORDER BY rowid DESC LIMIT ?`,
			fullMatch(expr, filter, exclude), rerankExtra)
		for _, id := range ids {
			if !have[id] {
				have[id] = true
				cands = append(cands, SearchHit{ID: id, ThreadID: id, rowid: id})
			}
		}
		return err
	}
	if total > limit && len(plan.groups) > 1 {
		if err := add(plan.matchAllWords()); err != nil {
			return run, err
		}
	}
	run.total = total
	if plan.hasSyn() {
		if err := add(plan.matchSyn()); err != nil {
			return run, err
		}
		if total <= limit {
			if run.total, err = s.countMatches(ctx, plan.matchAny(), filter, exclude); err != nil {
				return run, err
			}
		}
	}
	if run.total > limit {
		// More matches than candidates: the exact number is not worth counting.
		run.total = searchMaxHits + 1
	}
	if len(cands) == 0 {
		return run, nil
	}
	full, err := s.scoreWindow(ctx, plan, cands)
	if err != nil {
		return run, err
	}
	run.covered = make([]bool, len(plan.groups))
	for _, h := range cands {
		for i, ok := range h.matched {
			run.covered[i] = run.covered[i] || ok
		}
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].score != cands[j].score {
			return cands[i].score > cands[j].score
		}
		return cands[i].at > cands[j].at
	})
	_ = full
	if offset >= len(cands) {
		return run, nil
	}
	hits := cands[offset:min(offset+n, len(cands))]
	for _, h := range hits {
		if !slices.Contains(h.matched, false) {
			run.complete = true
		}
	}
	if err := s.fillHits(ctx, hits); err != nil {
		return run, err
	}
	hl := newHighlighter(plan)
	for i := range hits {
		h := &hits[i]
		h.TitleHTML = hl.mark(h.Title, 0)
		// The question and accepted answer, unless the words are only in
		// the other answers.
		text := h.body
		if !h.inBody && !h.inTitle {
			if err := s.readAnswers(ctx, h); err != nil {
				return run, err
			}
			if answers := truncateRunes(h.answers, 20000); hl.found(answers) {
				text = answers
			}
		}
		h.Snippet = hl.mark(truncateRunes(text, 20000), snippetWords)
		h.body, h.answers = "", ""
	}
	run.hits = hits
	return run, nil
}

// rankCandidates ranks the newest limit matches by bm25 alone and returns
// the best window of them, with the number of matches (up to limit+1).
// Reading any column (snippets, facets) for every match would load each
// matching document; the window function counts in the same pass.
func (s *Store) rankCandidates(ctx context.Context, match string, limit, window int) ([]SearchHit, int, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT rowid, rank, COUNT(*) OVER () FROM (
		SELECT rowid, rank FROM search_index WHERE search_index MATCH ? ORDER BY rowid DESC LIMIT ?
	) ORDER BY rank LIMIT ?`, match, limit+1, window)
	if err != nil {
		return nil, 0, fmt.Errorf("search %q: %w", match, err)
	}
	defer rows.Close()
	var hits []SearchHit
	total := 0
	for rows.Next() {
		var rowid int64
		var rank float64
		if err := rows.Scan(&rowid, &rank, &total); err != nil {
			return nil, 0, err
		}
		hits = append(hits, SearchHit{ID: rowid, ThreadID: rowid, score: rank, rowid: rowid})
	}
	return hits, total, rows.Err()
}

// candidates is how many of the newest matches are ranked. bm25 costs
// about 2 µs per document and ranked form (a phrase of several words four
// times that: it reads positions, and its final ranking reads the text), so
// the candidates shrink as a query's ranked forms grow: rankBudget
// form-documents, 1,000 for a word, 250 for a phrase.
func candidates(plan *searchPlan) int {
	cost := 0
	for _, g := range plan.groups {
		for _, p := range g.core {
			if strings.Contains(p, " ") {
				cost += 4
			} else {
				cost++
			}
		}
	}
	return min(searchCandidates, max(rankFloor, rankBudget/max(1, cost)))
}

// rankBudget and rankFloor bound candidates (see there).
const (
	rankBudget = 1000
	rankFloor  = 150
)

// The final ranking (scoreWindow) is BM25F over each question's title and
// its question with the accepted answer, computed here per query word
// with all its forms together (the word, its stems, its synonyms: a
// question saying "drops" and "dropped" has one word twice, not two words)
// and weighed by the best form found, blended with the index's own bm25,
// which also reads the other answers.
const (
	weightTitle = 10.0 // a word in the title counts ten times one in the text
	weightBody  = 1.0
	stemShare   = 0.8 // a stemmed match counts 80% of the word itself
	bm25K1      = 1.2
	bm25B       = 0.75
	// indexShare is the index's bm25's part of the relevance.
	indexShare = 0.1
)

// Ranking signals beside relevance (searchScore).
const (
	// solvedBoost multiplies the score of a solved question (it has an
	// accepted answer, and usually a KB article).
	solvedBoost = 1.2
	// helpfulBoost is added per doubling of helpful votes on the accepted
	// answer and its article.
	helpfulBoost = 0.05
	// titleBoost is added for a title with every word of the query (a part
	// for a part, by rarity and form): the title is the question's summary.
	titleBoost = 0.5
)

// searchScore is a candidate's final score, higher first: relevance (0 to
// 1) times how much of the query it has (words weighted by rarity),
// whether it is solved and how helpful its answer was voted. Missing words
// cost much, so questions with every word come first unless a partial
// match is far stronger; recency breaks ties.
func searchScore(relevance, coverage, titleCoverage float64, solved bool, helpful int) float64 {
	f := 0.25 + 0.75*coverage
	score := relevance * f * f * (1 + titleBoost*titleCoverage)
	if solved {
		score *= solvedBoost
	}
	return score * (1 + helpfulBoost*math.Log2(1+float64(helpful)))
}

// scoreWindow reads the candidates' stored text and details in two
// queries and scores each. FTS5's own snippet() re-reads each document's
// positions and costs ~1 ms on a long thread; looking for the query's words
// here costs microseconds. It reports whether any candidate has every group.
func (s *Store) scoreWindow(ctx context.Context, plan *searchPlan, hits []SearchHit) (bool, error) {
	args := make([]any, len(hits))
	pos := make(map[int64]int, len(hits))
	for i, h := range hits {
		args[i], pos[h.rowid] = h.rowid, i
	}
	in := placeholders(len(args))
	rows, err := s.r.QueryContext(ctx, `SELECT rowid, title, body, facets FROM search_index WHERE rowid IN (`+in+`)`, args...)
	if err != nil {
		return false, fmt.Errorf("read search window: %w", err)
	}
	type text struct {
		title, body string
		solved      bool
	}
	texts := make([]text, len(hits))
	for rows.Next() {
		var rowid int64
		var t text
		var facets string
		if err := rows.Scan(&rowid, &t.title, &t.body, &facets); err != nil {
			rows.Close()
			return false, err
		}
		t.solved = strings.Contains(facets, facetSolved) || strings.Contains(facets, facetKB)
		texts[pos[rowid]] = t
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, err
	}
	helpful := make([]int, len(hits))
	rows, err = s.r.QueryContext(ctx, `SELECT t.id, t.last_activity_at, COALESCE(p.helpful_count, 0) + COALESCE(k.helpful_yes, 0)
		FROM threads t LEFT JOIN posts p ON p.id = t.accepted_id
		LEFT JOIN kb_articles k ON k.thread_id = t.id AND k.published = 1
		WHERE t.id IN (`+in+`)`, args...)
	if err != nil {
		return false, fmt.Errorf("read search window details: %w", err)
	}
	for rows.Next() {
		var id, at int64
		var n int
		if err := rows.Scan(&id, &at, &n); err != nil {
			rows.Close()
			return false, err
		}
		hits[pos[id]].at, helpful[pos[id]] = at, n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, err
	}
	var groups float64
	for _, g := range plan.groups {
		groups += g.weight
	}
	// How often each text has each group's forms, and its length.
	m := newMatcher(plan)
	titles, bodies := make([][]groupCount, len(hits)), make([][]groupCount, len(hits))
	lengths := make([]float64, len(hits))
	var avgLen float64
	for i, t := range texts {
		titles[i], bodies[i] = make([]groupCount, len(plan.groups)), make([]groupCount, len(plan.groups))
		lengths[i] = float64(m.scan(t.title, titles[i]) + m.scan(t.body, bodies[i]))
		avgLen += lengths[i]
	}
	avgLen = max(1, avgLen/float64(len(hits)))
	rel, titleCov := make([]float64, len(hits)), make([]float64, len(hits))
	var maxRel, maxIndex float64
	full := false
	for i := range hits {
		h := &hits[i]
		h.matched = make([]bool, len(plan.groups))
		norm := bm25K1 * (1 - bm25B + bm25B*lengths[i]/avgLen)
		var inDoc, inTitle float64
		for j, g := range plan.groups {
			t, b := titles[i][j], bodies[i][j]
			h.inTitle, h.inBody = h.inTitle || t.n > 0, h.inBody || b.n > 0
			if t.n > 0 {
				inTitle += g.weight * t.best
			}
			if tf := weightTitle*t.n + weightBody*b.n; tf > 0 {
				// The best form found weighs the word: exact above synonyms and stems.
				rel[i] += g.weight * tf * (bm25K1 + 1) / (tf + norm) * max(t.best, b.best)
				inDoc += g.weight
				h.matched[j] = true
			}
		}
		h.coverage, titleCov[i] = inDoc/groups, inTitle/groups
		if !slices.Contains(h.matched, false) {
			h.coverage, full = 1, true
		}
		maxRel, maxIndex = max(maxRel, rel[i]), max(maxIndex, -h.score)
		h.body = texts[i].body
	}
	for i := range hits {
		h := &hits[i]
		r := indexShare * -h.score / max(maxIndex, 1e-9)
		if maxRel > 0 {
			r += (1 - indexShare) * rel[i] / maxRel
		}
		h.score = searchScore(r, h.coverage, titleCov[i], texts[i].solved, helpful[i])
	}
	return full, nil
}

// readAnswers reads a hit's other answers, for a snippet when the query's
// words are only there.
func (s *Store) readAnswers(ctx context.Context, h *SearchHit) error {
	err := s.r.QueryRowContext(ctx, `SELECT answers FROM search_index WHERE rowid = ?`, h.rowid).Scan(&h.answers)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read answers of %d: %w", h.rowid, err)
	}
	return nil
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
		c.id, c.slug, c.name, k.id, k.title, k.slug, k.updated_at, t.lang
		FROM threads t JOIN categories c ON c.id = t.category_id
		LEFT JOIN kb_articles k ON k.thread_id = t.id AND k.published = 1
		WHERE t.id IN (`+placeholders(len(ids))+`)`, ids...)
	if err != nil {
		return fmt.Errorf("load hits: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, at int64
		var title, slug, lang string
		var solved bool
		var cat Category
		var kID, kAt sql.NullInt64
		var kTitle, kSlug sql.NullString
		if err := rows.Scan(&id, &title, &slug, &solved, &at, &cat.ID, &cat.Slug, &cat.Name, &kID, &kTitle, &kSlug, &kAt, &lang); err != nil {
			return err
		}
		h := &hits[pos[id]]
		h.ThreadID, h.ID, h.Title, h.Solved, h.Category, h.Date = id, id, title, solved, cat, time.Unix(at, 0)
		h.URL = ThreadURL(id, slug)
		h.ThreadURL = h.URL
		if lang != "en" {
			h.Lang = lang
		}
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
	plan, err := s.planQuery(ctx, title)
	if err != nil || len(plan.groups) == 0 {
		return nil, err
	}
	plan.negs = nil
	exclude, err := s.searchCategoryFilter(ctx, viewer)
	if err != nil {
		return nil, err
	}
	run, err := s.search(ctx, plan, "facets : "+facetSolved, exclude, 0, 5)
	if err != nil {
		return nil, err
	}
	return run.hits, nil
}
