package search

import (
	"context"
	"sync"
	"time"
)

// formCounts remembers, for formCountTTL, in how many questions a search
// form is found (up to MaxHits+1): how much a word of a query weighs,
// and whether bm25 may rank a form cheaply. An approximation kept in
// memory: stale counts only shift rankings a little.
type formCounts struct {
	mu sync.Mutex
	m  map[string]formCount
}

type formCount struct {
	n  int
	at time.Time
}

const (
	formCountTTL = 5 * time.Minute
	formCountMax = 20000 // entries; past that the map starts over
)

// formCount counts the questions expr matches, up to MaxHits+1.
func (x *Searcher) formCount(ctx context.Context, expr string) (int, error) {
	now := x.now()
	c := &x.counts
	c.mu.Lock()
	fc, ok := c.m[expr]
	c.mu.Unlock()
	if ok && now.Sub(fc.at) < formCountTTL {
		return fc.n, nil
	}
	n, err := x.countMatches(ctx, expr, "", "")
	if err != nil {
		return 0, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= formCountMax {
		c.m = map[string]formCount{}
	}
	c.m[expr] = formCount{n, now}
	c.mu.Unlock()
	return n, nil
}

// searchSynonyms is the synonym list in force, read for each search: a
// change applies to the next search, in every process, without a restart
// or a rebuild of the index (synonyms are expanded in the query).
func (x *Searcher) searchSynonyms(ctx context.Context) (*SynonymSet, error) {
	text, err := x.forum.Synonyms(ctx)
	if err != nil {
		return nil, err
	}
	// The list read is parsed once for as long as it stays the same.
	c := &x.synonym
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.set == nil || c.text != text {
		c.text = text
		c.set, _ = ParseSynonyms(text)
	}
	return c.set, nil
}

// parsedSynonyms is the last synonym list read, parsed (read-only once made).
type parsedSynonyms struct {
	mu   sync.Mutex
	text string
	set  *SynonymSet
}
