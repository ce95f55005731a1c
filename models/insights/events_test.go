package insights

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/internal/dbtest"
)

// openInsights is the insights over a fresh, migrated database of the
// suite's engine (its pools as the store opens them), at a clock the test
// moves: 2026-11-01 12:00 UTC to begin with.
func openInsights(t *testing.T) (*Insights, *time.Time) {
	t.Helper()
	d := dbtest.Open(t, "insights.db")
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	in := New(d, func() time.Time { return now }, Domains{})
	t.Cleanup(func() { in.Stop() })
	return in, &now
}

func TestSelfServiceCountsByHand(t *testing.T) {
	s, now := openInsights(t)
	ctx := context.Background()
	t0 := now.Truncate(time.Hour)
	*now = t0.Add(10 * time.Minute)
	s.Count(SearchEvents("router dropping", 4)...)
	s.Count(SearchEvents("  Voicemail   PIN ", 0)...)
	s.Count(SearchEvents("voicemail pin", 0)...) // the same query once normalised
	s.Count(Event{Metric: MetricViewSolved}, Event{Metric: MetricViewArticle})
	if err := s.FlushEvents(ctx); err != nil {
		t.Fatal(err)
	}
	*now = t0.Add(2*time.Hour + time.Minute) // another hour, added to the first
	s.Count(SearchEvents("esim", 0)...)
	s.Count(Event{Metric: MetricViewSolved})
	if err := s.FlushEvents(ctx); err != nil {
		t.Fatal(err)
	}
	*now = t0.Add(30 * 24 * time.Hour) // outside the period asked for below
	s.Count(SearchEvents("esim", 0)...)
	if err := s.FlushEvents(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() {
		// Over 400 days later, the texts are gone and the totals stay.
		*now = t0.Add(401 * 24 * time.Hour)
		s.Count(Event{Metric: MetricSearch})
		if err := s.FlushEvents(ctx); err != nil {
			t.Fatal(err)
		}
		old, _ := s.SelfServiceFigures(ctx, Filter{From: t0, To: t0.Add(24 * time.Hour)}, 10)
		if old.Searches != 4 || len(old.TopNoResult) != 0 || old.SearchesNone != 0 {
			t.Errorf("after retention: %+v", old)
		}
	}()

	got, err := s.SelfServiceFigures(ctx, Filter{From: t0, To: t0.Add(24 * time.Hour)}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got.Searches != 4 || got.SearchesNone != 3 || got.SolvedViews != 2 || got.ArticleViews != 1 || got.NoResultShare() != 0.75 {
		t.Errorf("figures: %+v", got)
	}
	if len(got.TopNoResult) != 2 || got.TopNoResult[0] != (QueryCount{"voicemail pin", 2}) || got.TopNoResult[1] != (QueryCount{"esim", 1}) {
		t.Errorf("top no-result queries: %+v", got.TopNoResult)
	}
}

// TestEventBufferIsBoundedAndFlushedOnStop: a flood of distinct searches
// is counted under one key past the bound, and what is still in memory
// when the flusher stops is written, not lost.
func TestEventBufferIsBoundedAndFlushedOnStop(t *testing.T) {
	s, _ := openInsights(t)
	ctx := context.Background()
	s.Start()
	for i := 0; i < maxEventKeys+50; i++ {
		s.Count(SearchEvents("nonsense "+strconv.Itoa(i), 0)...)
	}
	s.events.mu.Lock()
	n := len(s.events.m)
	s.events.mu.Unlock()
	if n > maxEventKeys+1 {
		t.Fatalf("buffer holds %d keys", n)
	}
	if err := s.FlushEvents(ctx); err != nil {
		t.Fatal(err)
	}
	var other int
	if err := s.db.Reader(ctx).QueryRowContext(ctx, `SELECT n FROM insight_counts WHERE metric = ? AND key = ?`, MetricSearchNone, OtherQueries).Scan(&other); err != nil {
		t.Fatal(err)
	}
	// The search counter takes one key, so 4,999 queries keep their own.
	if other != 51 {
		t.Errorf("other queries: %d", other)
	}

	s.Count(Event{Metric: MetricViewArticle})
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil { // once is enough; a second Stop does nothing
		t.Fatal(err)
	}
	var views int
	if err := s.db.Reader(ctx).QueryRowContext(ctx, `SELECT SUM(n) FROM insight_counts WHERE metric = ?`, MetricViewArticle).Scan(&views); err != nil || views != 1 {
		t.Errorf("views after stopping: %d %v", views, err)
	}
}

// TestCountsSplitIntoDaysAndHours: whole days inside a range are read from
// the daily totals and the hours at either end from the hourly counts; the
// figures must be those of the hours alone.
func TestCountsSplitIntoDaysAndHours(t *testing.T) {
	s, now := openInsights(t)
	ctx := context.Background()
	d0 := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	for _, at := range []time.Duration{22 * time.Hour, 27 * time.Hour, 27*time.Hour + 30*time.Minute, 36 * time.Hour, 60 * time.Hour} {
		*now = d0.Add(at)
		s.Count(Event{Metric: MetricSearch})
		if err := s.FlushEvents(ctx); err != nil { // flushed one by one: upserts add up
			t.Fatal(err)
		}
	}
	cases := []struct {
		from, to time.Duration
		want     int
	}{
		{0, 72 * time.Hour, 5},              // three whole days: daily totals only
		{23 * time.Hour, 61 * time.Hour, 4}, // 23:00 day 0 to 13:00 day 2: hours, a day, hours
		{22 * time.Hour, 23 * time.Hour, 1}, // one hour
		{27 * time.Hour, 28 * time.Hour, 2}, // one hour holding two events
		{24 * time.Hour, 48 * time.Hour, 3}, // exactly day 1
		{28 * time.Hour, 36 * time.Hour, 0}, // the end is exclusive
	}
	for _, c := range cases {
		got, err := s.SelfServiceFigures(ctx, Filter{From: d0.Add(c.from), To: d0.Add(c.to)}, 5)
		if err != nil {
			t.Fatal(err)
		}
		if got.Searches != c.want {
			t.Errorf("[%v, %v): %d searches, want %d", c.from, c.to, got.Searches, c.want)
		}
	}
}

// TestSearchSessionsRotateDaily: a session ends when its salt is replaced
// at midnight UTC, and the same visitor is a stranger the next day; the
// session still open when the flusher stops is counted then.
func TestSearchSessionsRotateDaily(t *testing.T) {
	s, now := openInsights(t)
	ctx := context.Background()
	s.Start()
	*now = time.Date(2026, 11, 1, 23, 50, 0, 0, time.UTC)
	s.CountVisit("10.0.0.1 browser", SearchEvents("Voicemail PIN", 0)...)
	s.CountVisit("10.0.0.1 browser", SearchEvents("voicemail  pin", 0)...) // the same search, normalised: once
	s.CountVisit("10.0.0.1 browser", Event{Metric: MetricViewSolved})
	*now = now.Add(20 * time.Minute) // past midnight: a new day, a new salt
	s.CountVisit("10.0.0.1 browser", SearchEvents("voicemail pin", 0)...)
	s.CountVisit("", SearchEvents("voicemail pin", 0)...) // no visitor: counted, no session
	if err := s.FlushEvents(ctx); err != nil {
		t.Fatal(err)
	}
	f := Filter{From: now.Add(-48 * time.Hour), To: now.Add(time.Hour)}
	got, err := s.SelfServiceFigures(ctx, f, 5)
	if err != nil {
		t.Fatal(err)
	}
	// Searches: the first day's once, the second day's again, the anonymous one.
	// Sessions: yesterday's (ended on the solved thread) counted at the change of day.
	if got.Searches != 3 || got.SearchesNone != 3 || got.SearchSessions != 1 || got.SolvedSessions != 1 || got.SolvedViews != 1 {
		t.Errorf("figures: %+v", got)
	}
	if err := s.Stop(); err != nil { // ends today's open session and writes it
		t.Fatal(err)
	}
	got, err = s.SelfServiceFigures(ctx, f, 5)
	if err != nil {
		t.Fatal(err)
	}
	// Today's session searched and found nothing yet: a session, not a solved one.
	if got.SearchSessions != 2 || got.SolvedSessions != 1 {
		t.Errorf("after stopping: %d sessions, %d solved, want 2 and 1", got.SearchSessions, got.SolvedSessions)
	}
}

// Regression: with the tracker full, a visitor returning after a pause
// had their first session counted twice.
func TestSearchSessionCountedOnceWhenTrackerIsFull(t *testing.T) {
	s, now := openInsights(t)
	ctx := context.Background()
	s.CountVisit("returning visitor", SearchEvents("router", 3)...)
	for i := 1; i < maxVisits; i++ {
		s.CountVisit(fmt.Sprint("filler ", i), Event{Metric: MetricViewSolved})
	}
	*now = now.Add(31 * time.Minute)
	s.CountVisit("returning visitor", SearchEvents("router", 3)...) // full: not followed as a session now
	*now = now.Add(time.Minute)
	if err := s.FlushEvents(ctx); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(time.Minute)
	if err := s.FlushEvents(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := s.SelfServiceFigures(ctx, Filter{From: now.Add(-2 * time.Hour), To: now.Add(time.Hour)}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got.SearchSessions != 1 || got.Searches != 2 {
		t.Errorf("%d sessions and %d searches, want 1 and 2", got.SearchSessions, got.Searches)
	}
}
