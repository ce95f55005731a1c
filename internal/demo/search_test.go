package demo

import (
	"context"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/internal/bench"
	"github.com/crowdcare/crowdcare/models"
)

// TestSearchDemoWifiQuestionFirst is the search issue's own example: on the
// demo content, the way customers ask finds the Wi-Fi question first, once.
func TestSearchDemoWifiQuestionFirst(t *testing.T) {
	s := seeded(t, time.Now())
	ctx := context.Background()
	for _, q := range []string{"wifi keeps dropping", "wi-fi dropped", "my wifi drops out"} {
		res, err := s.Search(ctx, models.SearchQuery{Text: q})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		seen := map[int64]bool{}
		for _, h := range res.Hits {
			got = append(got, h.Title)
			if seen[h.ThreadID] {
				t.Errorf("%q lists %q twice", q, h.Title)
			}
			seen[h.ThreadID] = true
		}
		if len(got) == 0 || got[0] != "Hub 3 drops Wi-Fi every evening around 8pm" {
			t.Errorf("%q: %v", q, got[:min(3, len(got))])
		}
	}
}

// The thresholds are the figures the ranking reaches on the relevance set
// (rounded down): a change that makes search find fewer of the expected
// questions fails here. Raise them when the ranking improves.
const (
	minRecall1 = 0.91
	minRecall3 = 1.0
	minMRR     = 0.95
)

// TestSearchRelevance scores search on the relevance set: the demo and the
// fixture threads (internal/bench/relevance), with customers' queries.
func TestSearchRelevance(t *testing.T) {
	s := seeded(t, time.Now())
	ctx := context.Background()
	if err := bench.SeedRelevanceFixtures(ctx, s); err != nil {
		t.Fatal(err)
	}
	list, err := s.Threads(ctx, models.ThreadQuery{})
	if err != nil || list.Total < 200+len(northwind().Questions) {
		t.Fatalf("%d threads, %v", list.Total, err)
	}
	r, err := bench.MeasureRelevance(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if r.Queries < 60 {
		t.Fatalf("only %d queries", r.Queries)
	}
	for _, m := range r.Misses {
		t.Logf("rank %d for %q (want %q), got %q", m.Rank, m.Query, m.Want, m.Got)
	}
	t.Logf("%d queries: recall@1 %.3f, recall@3 %.3f, MRR %.3f, %d with a question twice in the first five",
		r.Queries, r.Recall1, r.Recall3, r.MRR, r.Duplicates)
	if r.Recall1 < minRecall1 || r.Recall3 < minRecall3 || r.MRR < minMRR || r.Duplicates > 0 {
		t.Errorf("relevance fell: recall@1 %.3f (min %.2f), recall@3 %.3f (min %.2f), MRR %.3f (min %.2f), %d duplicates",
			r.Recall1, minRecall1, r.Recall3, minRecall3, r.MRR, minMRR, r.Duplicates)
	}
}

// TestDemoContentFeedsTheDashboard: the demo shows every part of the
// insights page with something in it, with times that follow the posts.
func TestDemoContentFeedsTheDashboard(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	s := seeded(t, now)
	ctx := context.Background()
	f := models.InsightsFilter{From: now.Add(-90 * 24 * time.Hour), To: now.Add(time.Second)}
	timings, err := s.Responsiveness(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	web := timings[0]
	if web.Asked != len(northwind().Questions) || web.Answered == 0 || web.FirstAnswerMedian <= 0 || web.FirstAnswerMedian > 24*time.Hour || web.Accepted == 0 {
		t.Errorf("demo responsiveness: %+v", web)
	}
	self, err := s.SelfServiceFigures(ctx, f, 3)
	if err != nil {
		t.Fatal(err)
	}
	if self.Searches == 0 || self.SearchesNone == 0 || self.SolvedSessions == 0 || self.VotesHelpful == 0 ||
		len(self.TopNoResult) != 3 || self.TopNoResult[0].Query != "esim transfer android" {
		t.Errorf("demo self-service: %+v", self)
	}
	w, err := s.EarlyWarningFigures(ctx, models.InsightsFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if !w.Questions.Spiking || !w.Mentions.Spiking || len(w.Terms) == 0 || w.Terms[0].Term != "outage" {
		t.Errorf("demo early warning: questions %+v mentions %+v terms %+v", w.Questions.Spike, w.Mentions.Spike, w.Terms)
	}
}
