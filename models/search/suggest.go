package search

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Did you mean: when a query finds little, each word of it that the index
// (nearly) never saw is compared with the words of questions' titles
// (search_words); a close one that finds something the reader may see is
// offered as a corrected query, one click away. The query itself is never
// replaced.

// Suggestions are looked for when a search finds fewer than suggestBelow
// results, for words found in at most suggestRare questions.
const (
	suggestBelow = 3
	suggestRare  = 1
)

// suggest returns the query with its rare words replaced by close, more
// common ones that find something under the filters, or "".
func (x *Searcher) suggest(ctx context.Context, text, filter, exclude string) (string, error) {
	terms := ParseQuery(text)
	changed := false
	out := make([]string, 0, len(terms))
	for _, t := range terms {
		word := t.Raw
		if !t.Negate && !t.Quoted && !t.Prefix && !strings.Contains(t.Text, " ") && !IsStopWord(FoldWord(t.Text)) {
			fixed, err := x.correct(ctx, FoldWord(t.Text), filter, exclude)
			if err != nil {
				return "", err
			}
			if fixed != "" {
				word, changed = fixed, true
			}
		}
		out = append(out, word)
	}
	if !changed {
		return "", nil
	}
	return strings.Join(out, " "), nil
}

// correct returns a title word close to w (one edit for short words, two
// for longer ones, the first letter kept) that is more common than w and
// finds something under the filters, or "".
func (x *Searcher) correct(ctx context.Context, w, filter, exclude string) (string, error) {
	n := utf8.RuneCountInString(w)
	if n < 3 || !Stemmable(w) {
		return "", nil
	}
	seen, err := x.formCount(ctx, FTSString(w))
	if err != nil || seen > suggestRare {
		return "", err
	}
	limit := 1
	if n > 5 {
		limit = 2
	}
	first, size := utf8.DecodeRuneInString(w)
	next := string(first + 1) // the end of the range of words starting with first
	rows, err := x.db.Reader(ctx).QueryContext(ctx, `SELECT word FROM search_words WHERE word >= ? AND word < ?
		AND length(word) BETWEEN ? AND ?`, w[:size], next, n-limit, n+limit)
	if err != nil {
		return "", fmt.Errorf("suggestion candidates: %w", err)
	}
	type cand struct {
		word string
		dist int
	}
	var cands []cand
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return "", err
		}
		if c == w {
			continue
		}
		if d := editDistance(w, c, limit); d <= limit {
			cands = append(cands, cand{c, d})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", err
	}
	best, bestDist, bestCount := "", limit+1, 0
	for _, c := range cands {
		if c.dist > bestDist {
			continue
		}
		count, err := x.countMatches(ctx, FTSString(c.word), filter, exclude)
		if err != nil {
			return "", err
		}
		if count > seen && (c.dist < bestDist || count > bestCount) {
			best, bestDist, bestCount = c.word, c.dist, count
		}
	}
	return best, nil
}

// editDistance is the optimal string alignment distance between a and b
// (insertions, deletions, substitutions and swaps of neighbours), or
// limit+1 once it is sure to exceed limit.
func editDistance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > limit || -d > limit {
		return limit + 1
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	prevMin := 0
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			rowMin = min(rowMin, cur[j])
		}
		// A swap reaches back two rows: both must be past the limit.
		if rowMin > limit && prevMin > limit {
			return limit + 1
		}
		prevMin = rowMin
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
