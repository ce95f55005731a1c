package demo

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/crowdcare/crowdcare/models"
)

// WeightedQuery is a search and how often, relatively, it is made.
type WeightedQuery struct {
	Query  string
	Weight int
}

// selfServiceHistory gives the insights' self-service figures a history:
// searches each hour of the last days up to the seeder's time, busier by
// day than by night (UTC), some of them finding nothing (noResult, picked
// by weight), views of solved threads and articles, and search sessions.
// Counts are added up as the server would, through the event buffer.
func selfServiceHistory(ctx context.Context, s *models.Store, sd *models.Seeder, days int, noResult []WeightedQuery, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	now := s.Now()
	start := now.Truncate(time.Hour).Add(-time.Duration(days) * 24 * time.Hour)
	weights := 0
	for _, q := range noResult {
		weights += q.Weight
	}
	for h := start; h.Before(now.Truncate(time.Hour)); h = h.Add(time.Hour) {
		busy := 2
		if h.UTC().Hour() >= 8 && h.UTC().Hour() < 23 {
			busy = 10
		}
		searches := busy + r.IntN(busy+1)
		for i := 0; i < searches && weights > 0; i++ {
			if r.IntN(100) < 14 {
				pick := r.IntN(weights)
				for _, q := range noResult {
					if pick -= q.Weight; pick < 0 {
						sd.CountAt(h, models.MetricSearchNone, q.Query, 1)
						break
					}
				}
			}
		}
		sessions := searches * 7 / 10
		for _, c := range []struct {
			metric string
			n      int
		}{
			{models.MetricSearch, searches},
			{models.MetricViewSolved, busy*2 + r.IntN(busy*2+1)},
			{models.MetricViewArticle, busy + r.IntN(busy+1)},
			{models.MetricSearchSession, sessions},
			{models.MetricSearchSessionSolved, sessions * (55 + r.IntN(15)) / 100},
		} {
			sd.CountAt(h, c.metric, "", c.n)
		}
	}
	return s.FlushEvents(ctx)
}
