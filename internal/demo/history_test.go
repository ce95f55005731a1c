package demo

import (
	"context"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/models"
)

// TestSeededSelfServiceHistory: the demo's two weeks of searches reach the
// insights' self-service figures: searches every day, some finding nothing,
// the most frequent no-result query first, sessions no more than searches.
func TestSeededSelfServiceHistory(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	s := seeded(t, now)
	f, err := s.SelfServiceFigures(context.Background(), models.InsightsFilter{From: now.AddDate(0, 0, -14), To: now}, 5)
	if err != nil {
		t.Fatal(err)
	}
	// 14 days of at least 2 searches an hour (10 by day).
	if f.Searches < 14*24*2 || f.SearchesNone == 0 || f.SearchesNone >= f.Searches {
		t.Errorf("searches %d, none %d", f.Searches, f.SearchesNone)
	}
	if f.SearchSessions == 0 || f.SearchSessions > f.Searches || f.SolvedSessions == 0 || f.SolvedSessions > f.SearchSessions {
		t.Errorf("sessions %d, solved %d, of %d searches", f.SearchSessions, f.SolvedSessions, f.Searches)
	}
	if f.SolvedViews == 0 || f.ArticleViews == 0 {
		t.Errorf("views: solved %d, articles %d", f.SolvedViews, f.ArticleViews)
	}
	if len(f.TopNoResult) == 0 || f.TopNoResult[0].Query != "esim transfer android" {
		t.Errorf("top no-result queries %+v, want the heaviest first", f.TopNoResult)
	}
}
