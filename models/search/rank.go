package search

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/crowdcare/crowdcare/models/db"
)

// rankCandidates ranks the newest limit matches by the index's relevance
// alone (bm25 on SQLite) and returns the best window of them, with the
// number of matches (up to limit+1).
func (x *Searcher) rankCandidates(ctx context.Context, match string, limit, window int) ([]Hit, int, error) {
	ranked, total, err := x.backend.Rank(ctx, match, limit, window)
	if err != nil {
		return nil, 0, fmt.Errorf("search %q: %w", match, err)
	}
	hits := make([]Hit, len(ranked))
	for i, r := range ranked {
		hits[i] = Hit{ID: r.RowID, ThreadID: r.RowID, score: r.Score, rowid: r.RowID}
	}
	return hits, total, nil
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

// scoreWindow reads the candidates' stored text and, from the forum
// (Forum.Activity), their details, and scores each. FTS5's own snippet()
// re-reads each document's positions and costs ~1 ms on a long thread;
// looking for the query's words here costs microseconds. It reports whether any candidate has every group.
func (x *Searcher) scoreWindow(ctx context.Context, plan *searchPlan, hits []Hit) (bool, error) {
	args := make([]any, len(hits))
	pos := make(map[int64]int, len(hits))
	for i, h := range hits {
		args[i], pos[h.rowid] = h.rowid, i
	}
	in := db.Placeholders(len(args))
	rows, err := x.db.Reader(ctx).QueryContext(ctx, `SELECT rowid, title, body, facets FROM search_index WHERE rowid IN (`+in+`)`, args...)
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
		t.solved = strings.Contains(facets, FacetSolved) || strings.Contains(facets, FacetKB)
		texts[pos[rowid]] = t
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, err
	}
	helpful := make([]int, len(hits))
	ids := make([]int64, len(hits))
	for i, h := range hits {
		ids[i] = h.rowid
	}
	act, err := x.forum.Activity(ctx, ids)
	if err != nil {
		return false, fmt.Errorf("read search window details: %w", err)
	}
	for id, a := range act {
		if i, ok := pos[id]; ok {
			hits[i].at, helpful[i] = a.LastActivity, a.Helpful
		}
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
func (x *Searcher) readAnswers(ctx context.Context, h *Hit) error {
	err := x.db.Reader(ctx).QueryRowContext(ctx, `SELECT answers FROM search_index WHERE rowid = ?`, h.rowid).Scan(&h.answers)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read answers of %d: %w", h.rowid, err)
	}
	return nil
}
