package models

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// demoNoResult are searches that found nothing in the demo: the KB's to-do list.
var demoNoResult = []struct {
	query  string
	weight int
}{
	{"esim transfer android", 9}, {"wifi 6e hub 4", 7}, {"cancel contract fee", 6}, {"router admin password", 5},
	{"5g coverage map", 4}, {"parental controls stream box", 3}, {"static ip business", 2}, {"ipv6", 2},
}

// seedDemoSelfService gives the demo's self-service figures two weeks of
// history: searches with a daily rhythm, some finding nothing, views of
// solved threads and articles, search sessions, and votes on the articles.
// Counts are added up as the server would, through the event buffer.
func (s *Store) seedDemoSelfService(ctx context.Context) error {
	r := rand.New(rand.NewPCG(7, 11))
	now := s.now()
	start := now.Truncate(time.Hour).Add(-14 * 24 * time.Hour)
	weights := 0
	for _, q := range demoNoResult {
		weights += q.weight
	}
	b := s.events
	b.mu.Lock()
	for h := start; h.Before(now.Truncate(time.Hour)); h = h.Add(time.Hour) {
		// Busier in the day and evening than at night (UTC, for a UK audience).
		busy := map[bool]int{true: 10, false: 2}[h.UTC().Hour() >= 8 && h.UTC().Hour() < 23]
		searches := busy + r.IntN(busy+1)
		for i := 0; i < searches; i++ {
			if r.IntN(100) < 14 {
				pick := r.IntN(weights)
				for _, q := range demoNoResult {
					if pick -= q.weight; pick < 0 {
						b.add(h.Unix(), MetricSearchNone, q.query, 1)
						break
					}
				}
			}
		}
		sessions := searches * 7 / 10
		for metric, n := range map[string]int{
			MetricSearch:              searches,
			MetricViewSolved:          busy*2 + r.IntN(busy*2+1),
			MetricViewArticle:         busy + r.IntN(busy+1),
			MetricSearchSession:       sessions,
			MetricSearchSessionSolved: sessions * (55 + r.IntN(15)) / 100,
		} {
			if n > 0 {
				b.add(h.Unix(), metric, "", n)
			}
		}
	}
	b.mu.Unlock()
	if err := s.FlushEvents(ctx); err != nil {
		return err
	}
	list, err := s.Articles(ctx, ArticleQuery{PerPage: 50})
	if err != nil {
		return fmt.Errorf("demo articles: %w", err)
	}
	for i, a := range list.Articles {
		for v := 0; v < 3+r.IntN(9); v++ {
			if err := s.VoteArticle(ctx, a.ID, fmt.Sprintf("demo-visitor-%d-%d", i, v), r.IntN(100) < 85); err != nil {
				return fmt.Errorf("demo article vote: %w", err)
			}
		}
	}
	return nil
}
