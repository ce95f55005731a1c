package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html/template"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/crowdcare/crowdcare/models/search"
)

func (s *Store) ids(ctx context.Context, q string, args ...any) ([]int64, error) {
	return column[int64](s.reader(ctx).QueryContext(ctx, q, args...))
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
	// Broadened is set when no result has every word of the query (in some
	// form): results with some of them are shown, best first.
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
// rerankExtra more (see search), are then ranked again with the signals
// bm25 does not see (scoreWindow, searchScore in searchrank.go).
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
				res.Missing = append(res.Missing, g.term.Text)
			}
		}
	}
	return res, nil
}

// searchRun is what one search found.
type searchRun struct {
	hits  []SearchHit // the page asked for
	total int         // matches, up to searchMaxHits+1
	// complete is set when a ranked candidate has every group (on this
	// page or an earlier one); covered says which groups some candidate has.
	complete bool
	covered  []bool
}

// searchFilter turns the filters into facet terms. An unknown category or
// tag matches nothing (ok false) rather than being ignored.
func (s *Store) searchFilter(ctx context.Context, q SearchQuery) (string, bool, error) {
	var parts []string
	if q.SolvedOnly {
		parts = append(parts, "facets : "+search.FacetSolved)
	}
	if q.Category != "" {
		c, err := s.CategoryBySlug(ctx, q.Category)
		if errors.Is(err, ErrNotFound) {
			return "", false, nil
		}
		if err != nil {
			return "", false, err
		}
		parts = append(parts, "facets : "+search.FacetCategory(c.ID))
	}
	if q.Tag != "" {
		var id int64
		err := s.reader(ctx).QueryRowContext(ctx, `SELECT id FROM tags WHERE name = ?`, strings.ToLower(q.Tag)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return "", false, nil
		}
		if err != nil {
			return "", false, fmt.Errorf("look up tag: %w", err)
		}
		parts = append(parts, "facets : "+search.FacetTag(id))
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
	n, err := s.index().Count(ctx, fullMatch(expr, filter, exclude), searchMaxHits+1)
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
		ids, err := s.index().Newest(ctx, fullMatch(expr, filter, exclude), rerankExtra)
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
	run.complete = full
	if offset >= len(cands) {
		return run, nil
	}
	hits := cands[offset:min(offset+n, len(cands))]
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

// unsegmentCJK removes the spaces segmentCJK put around CJK characters.
func unsegmentCJK(s string) string {
	if !search.HasCJK(s) {
		return s
	}
	r := []rune(s)
	var b strings.Builder
	for i, c := range r {
		if c == ' ' && ((i > 0 && search.IsCJK(r[i-1])) || (i+1 < len(r) && search.IsCJK(r[i+1]))) {
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
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT t.id, t.title, t.slug, t.accepted_id IS NOT NULL, t.last_activity_at,
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
	run, err := s.search(ctx, plan, "facets : "+search.FacetSolved, exclude, 0, 5)
	if err != nil {
		return nil, err
	}
	return run.hits, nil
}
