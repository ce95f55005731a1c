package search

import (
	"context"
	"fmt"
	"html/template"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/crowdcare/crowdcare/models/db"
)

// Searcher runs searches: it plans a query (plan.go), ranks the index's
// candidates (rank.go), highlights the page of hits (snippet.go) and
// suggests corrections (suggest.go), over a Backend. It reads the index
// and the title words itself, on the pool a request's reads go to
// (db.DB.Reader), and asks the forum (Forum) for what is the forum's.
type Searcher struct {
	db      *db.DB
	backend Backend
	forum   Forum
	now     func() time.Time
	counts  formCounts     // how common search forms are, for a few minutes
	synonym parsedSynonyms // the synonym list last read, parsed
}

// Forum is what search needs of the forum, the KB and the site settings,
// whose tables it does not read: models hands it down.
type Forum struct {
	// Langs lists the languages of the forum's questions (as threads
	// store them), for stemming a query in each.
	Langs func(ctx context.Context) ([]string, error)
	// Activity reads, for the threads ids, their last activity and the
	// helpful votes of their accepted answer and published article.
	Activity func(ctx context.Context, ids []int64) (map[int64]Activity, error)
	// Fill sets what a page of hits shows (title, addresses, category,
	// date, solved, language, IsArticle and the article's ID) from each
	// hit's ThreadID, in one query.
	Fill func(ctx context.Context, hits []Hit) error
	// Synonyms is the synonym list in force, as an admin wrote it (the
	// defaults until one did), read for each search.
	Synonyms func(ctx context.Context) (string, error)
}

// Activity is what ranking weighs of a question beside its text.
type Activity struct {
	LastActivity int64 // Unix seconds: recency breaks ties
	Helpful      int   // helpful votes on the accepted answer and its article
}

// New is the searcher over the database d (the back-end of its engine),
// with what it needs of the forum and the store's clock.
func New(d *db.DB, forum Forum, now func() time.Time) *Searcher {
	return &Searcher{db: d, backend: NewBackend(d), forum: forum, now: now}
}

// Backend is the index the searcher reads, for the writers of documents.
func (x *Searcher) Backend() Backend { return x.backend }

// ClearIndex empties the index and the title words before a rebuild.
func (x *Searcher) ClearIndex(ctx context.Context) error {
	if err := x.backend.Clear(ctx); err != nil {
		return fmt.Errorf("clear search_index: %w", err)
	}
	if _, err := x.db.Exec(ctx, `DELETE FROM search_words`); err != nil {
		return fmt.Errorf("clear search_words: %w", err)
	}
	return nil
}

// Category is a hit's category as a result shows it.
type Category struct {
	ID         int64
	Slug, Name string
	URL        string // the category's page
}

// Hit is one question found: a thread, or when it is solved and has a
// published KB article, that article (IsArticle), which stands for both.
type Hit struct {
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

// Filter is what a search is narrowed to: solved questions, a category, a
// tag (0: any), and the categories the viewer may not see.
type Filter struct {
	Solved   bool
	Category int64
	Tag      int64
	// Unknown is set when the category or tag asked for does not exist:
	// nothing matches, rather than the filter being ignored.
	Unknown bool
	Hidden  []int64
}

// Results is what a search found: a page of hits and what the page says
// about the rest.
type Results struct {
	Hits []Hit
	// Matches is how many questions match, up to MaxHits+1.
	Matches int
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
	// how many questions match without them (up to MaxHits+1).
	Elsewhere int
	// Languages are the languages other than English of the hits on the
	// page, when known.
	Languages []string
	// Suggestion is, when the query found little, the query with its rare
	// words replaced by close ones that find more ("Did you mean …?").
	Suggestion string
}

// Search limits (PerPage and MaxHits are the pager's). Results pages are 20 hits and only the best 1,000 hits are
// paged through; past 1,000 the count says "1,000+". FTS5 computes bm25 for
// every match it sorts, about 2 µs each, so a word found in most of 100,000
// threads would cost ~100 ms: relevance ranking runs over the newest
// searchCandidates matches, which bounds a search to a few milliseconds and
// favours current answers (firmware, prices and menus change). The best
// rerankMin (or more, for later pages) by bm25, and up to twice
// rerankExtra more (see search), are then ranked again with the signals
// bm25 does not see (scoreWindow, searchScore in rank.go).
const (
	PerPage          = 20
	MaxHits          = 1000
	searchCandidates = 1000
	rerankMin        = 40
	rerankExtra      = 20
)

// Find finds questions: the page (from 1) of PerPage hits. It never
// fails on what a person typed.
func (x *Searcher) Find(ctx context.Context, text string, f Filter, page int) (*Results, error) {
	plan, err := x.planQuery(ctx, text)
	if err != nil {
		return nil, err
	}
	res := &Results{Searchable: len(plan.groups) > 0, Ignored: plan.ignored}
	if !res.Searchable {
		return res, nil
	}
	filter, ok := f.facets()
	exclude := hiddenFacets(f.Hidden)
	page = max(1, page)
	var run searchRun
	if ok {
		run, err = x.search(ctx, plan, filter, exclude, (page-1)*PerPage, PerPage)
		if err != nil {
			return nil, err
		}
	}
	res.Matches = run.total
	res.Hits = run.hits
	res.Broadened = len(run.hits) > 0 && !run.complete
	for _, h := range run.hits {
		if h.Lang != "" && !slices.Contains(res.Languages, h.Lang) {
			res.Languages = append(res.Languages, h.Lang)
		}
	}
	if run.total == 0 && (filter != "" || !ok) {
		// Say what the filters hid.
		if res.Elsewhere, err = x.countMatches(ctx, plan.matchAny(), "", exclude); err != nil {
			return nil, err
		}
	}
	if ok && run.total < suggestBelow {
		if res.Suggestion, err = x.suggest(ctx, text, filter, exclude); err != nil {
			return nil, err
		}
	}
	if run.total == 0 || res.Broadened {
		for i, g := range plan.groups {
			if i < len(run.covered) && run.covered[i] {
				continue
			}
			n, err := x.countMatches(ctx, g.expr(), filter, exclude)
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
	hits  []Hit // the page asked for
	total int   // matches, up to MaxHits+1
	// complete is set when a ranked candidate has every group (on this
	// page or an earlier one); covered says which groups some candidate has.
	complete bool
	covered  []bool
}

// facets turns the filters into facet terms. An unknown category or tag
// matches nothing (ok false) rather than being ignored.
func (f Filter) facets() (string, bool) {
	if f.Unknown {
		return "", false
	}
	var parts []string
	if f.Solved {
		parts = append(parts, "facets : "+FacetSolved)
	}
	if f.Category != 0 {
		parts = append(parts, "facets : "+FacetCategory(f.Category))
	}
	if f.Tag != 0 {
		parts = append(parts, "facets : "+FacetTag(f.Tag))
	}
	return strings.Join(parts, " AND "), true
}

// hiddenFacets is the facet term of the categories a viewer may not see
// ("" for none).
func hiddenFacets(hidden []int64) string {
	if len(hidden) == 0 {
		return ""
	}
	facets := make([]string, len(hidden))
	for i, id := range hidden {
		facets[i] = FacetCategory(id)
	}
	return "facets : (" + strings.Join(facets, " OR ") + ")"
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
// MaxHits+1.
func (x *Searcher) countMatches(ctx context.Context, expr, filter, exclude string) (int, error) {
	n, err := x.backend.Count(ctx, fullMatch(expr, filter, exclude), MaxHits+1)
	if err != nil {
		return 0, fmt.Errorf("count matches: %w", err)
	}
	return n, nil
}

// search ranks the union of the plan's matches: questions with any of its
// words. When a common word makes that union larger than the candidates
// ranked, the questions with every word are ranked too, so they are never
// crowded out by newer partial matches.
func (x *Searcher) search(ctx context.Context, plan *searchPlan, filter, exclude string, offset, n int) (searchRun, error) {
	var run searchRun
	window := min(max(rerankMin, offset+2*n), MaxHits)
	limit := max(candidates(plan), window)
	cands, total, err := x.rankCandidates(ctx, fullMatch(plan.matchCore(), filter, exclude), limit, window)
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
		ids, err := x.backend.Newest(ctx, fullMatch(expr, filter, exclude), rerankExtra)
		for _, id := range ids {
			if !have[id] {
				have[id] = true
				cands = append(cands, Hit{ID: id, ThreadID: id, rowid: id})
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
			if run.total, err = x.countMatches(ctx, plan.matchAny(), filter, exclude); err != nil {
				return run, err
			}
		}
	}
	if run.total > limit {
		// More matches than candidates: the exact number is not worth counting.
		run.total = MaxHits + 1
	}
	if len(cands) == 0 {
		return run, nil
	}
	full, err := x.scoreWindow(ctx, plan, cands)
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
	if err := x.fillHits(ctx, hits); err != nil {
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
			if err := x.readAnswers(ctx, h); err != nil {
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
	if !HasCJK(s) {
		return s
	}
	r := []rune(s)
	var b strings.Builder
	for i, c := range r {
		if c == ' ' && ((i > 0 && IsCJK(r[i-1])) || (i+1 < len(r) && IsCJK(r[i+1]))) {
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// fillHits has the forum fill a page of hits; each keeps its rowid.
func (x *Searcher) fillHits(ctx context.Context, hits []Hit) error {
	if len(hits) == 0 {
		return nil
	}
	if err := x.forum.Fill(ctx, hits); err != nil {
		return fmt.Errorf("load hits: %w", err)
	}
	return nil
}

// FindSimilar finds up to 5 solved questions (each once: the article when
// it has one) that share words with a title being typed, outside the
// hidden categories.
func (x *Searcher) FindSimilar(ctx context.Context, title string, hidden []int64) ([]Hit, error) {
	plan, err := x.planQuery(ctx, title)
	if err != nil || len(plan.groups) == 0 {
		return nil, err
	}
	plan.negs = nil
	run, err := x.search(ctx, plan, "facets : "+FacetSolved, hiddenFacets(hidden), 0, 5)
	if err != nil {
		return nil, err
	}
	return run.hits, nil
}
