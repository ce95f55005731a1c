package models

import (
	"context"
	"sync"
	"time"
)

// formCounts remembers, for formCountTTL, in how many questions a search
// form is found (up to searchMaxHits+1): how much a word of a query weighs,
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

// formCount counts the questions expr matches, up to searchMaxHits+1.
func (s *Store) formCount(ctx context.Context, expr string) (int, error) {
	now := s.now()
	c := &s.formCounts
	c.mu.Lock()
	fc, ok := c.m[expr]
	c.mu.Unlock()
	if ok && now.Sub(fc.at) < formCountTTL {
		return fc.n, nil
	}
	n, err := s.countMatches(ctx, expr, "", "")
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
