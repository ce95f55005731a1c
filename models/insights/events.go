package insights

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Metrics counted per hour for the self-service part of the dashboard.
const (
	MetricSearch      = "search"
	MetricSearchNone  = "search_none" // keyed by the normalised query
	MetricViewSolved  = "view_solved"
	MetricViewArticle = "view_article"
)

// Event is one thing that happened, counted in the current hour.
type Event struct {
	Metric, Key string
	query       string // a search's normalised text, to count it once a session
}

// SearchEvents are the events of one search: every search counts, and one
// that found nothing also counts under its own text, so the top no-result
// queries can be listed.
func SearchEvents(query string, hits int) []Event {
	q := normaliseQuery(query)
	evs := []Event{{Metric: MetricSearch, query: q}}
	if hits == 0 {
		evs = append(evs, Event{Metric: MetricSearchNone, Key: q, query: q})
	}
	return evs
}

func normaliseQuery(q string) string {
	return truncateRunes(strings.Join(strings.Fields(strings.ToLower(q)), " "), 100)
}

// truncateRunes cuts s to at most n runes.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// maxEventKeys bounds the buffer between flushes: a flood of distinct
// nonsense searches is counted under one key rather than growing memory.
const maxEventKeys = 5000

// OtherQueries is the key that no-result searches fall under past that bound.
const OtherQueries = "(other queries)"

type eventKey struct {
	hour        int64
	metric, key string
}

// eventBuffer adds events up in memory so that counting costs a page a map
// update, not a write; the flusher (Start) writes it every few seconds and
// on Stop.
type eventBuffer struct {
	mu sync.Mutex
	m  map[eventKey]int
	// purgedDay is the day old search texts were last deleted on: once a
	// day is enough for a retention counted in days.
	purgedDay atomic.Int64
	// The flusher's lifecycle: life guards stop and done (nil until
	// Start); Start starts one flusher at most, never again after Stop.
	life sync.Mutex
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// Count records events in the current hour. It never blocks on the database.
func (in *Insights) Count(evs ...Event) {
	if len(evs) == 0 {
		return
	}
	hour := in.now().Truncate(time.Hour).Unix()
	in.events.mu.Lock()
	defer in.events.mu.Unlock()
	for _, e := range evs {
		in.events.add(hour, e.Metric, e.Key, 1)
	}
}

// CountAt counts n events of metric (keyed by key: a no-result search's
// text, else "") in the hour of at, added up as Count adds them: for a
// made-up history of the figures (the demo's seeding). FlushEvents writes
// them.
func (in *Insights) CountAt(at time.Time, metric, key string, n int) {
	if n <= 0 {
		return
	}
	in.events.mu.Lock()
	defer in.events.mu.Unlock()
	in.events.add(at.Truncate(time.Hour).Unix(), metric, key, n)
}

// add counts n events of an hour; the caller holds the lock. Past
// maxEventKeys keys, new query texts are counted together as OtherQueries.
func (b *eventBuffer) add(hour int64, metric, key string, n int) {
	k := eventKey{hour, metric, key}
	if _, ok := b.m[k]; !ok && len(b.m) >= maxEventKeys && key != "" {
		k.key = OtherQueries
	}
	b.m[k] += n
}

// FlushEvents ends the search sessions idle long enough and writes the
// counted events to the database in one transaction.
func (in *Insights) FlushEvents(ctx context.Context) error {
	in.endIdleVisits(false)
	b := in.events
	b.mu.Lock()
	pending := b.m
	b.m = map[eventKey]int{}
	b.mu.Unlock()
	if len(pending) == 0 {
		return nil
	}
	cutoff := in.now().Add(-searchTextRetention).Unix()
	err := in.db.InQuietTx(ctx, func(tx *sql.Tx) error {
		hourly, err := tx.PrepareContext(ctx, `INSERT INTO insight_counts (hour, metric, key, n) VALUES (?, ?, ?, ?)
			ON CONFLICT (metric, hour, key) DO UPDATE SET n = insight_counts.n + excluded.n`)
		if err != nil {
			return err
		}
		defer hourly.Close()
		daily, err := tx.PrepareContext(ctx, `INSERT INTO insight_daily (day, metric, key, n) VALUES (?, ?, ?, ?)
			ON CONFLICT (metric, day, key) DO UPDATE SET n = insight_daily.n + excluded.n`)
		if err != nil {
			return err
		}
		defer daily.Close()
		for k, n := range pending {
			if _, err := hourly.ExecContext(ctx, k.hour, k.metric, k.key, n); err != nil {
				return err
			}
			if _, err := daily.ExecContext(ctx, k.hour-k.hour%secondsPerDay, k.metric, k.key, n); err != nil {
				return err
			}
		}
		// Search texts are kept no longer than the longest range the dashboard shows.
		if b.purgedDay.Load() == cutoff/secondsPerDay {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM insight_counts WHERE metric = ? AND hour < ?`, MetricSearchNone, cutoff); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM insight_daily WHERE metric = ? AND day < ?`, MetricSearchNone, cutoff)
		return err
	})
	if err == nil {
		b.purgedDay.Store(cutoff / secondsPerDay)
	}
	if err != nil {
		// Put them back: a later flush may succeed.
		b.mu.Lock()
		for k, n := range pending {
			b.m[k] += n
		}
		b.mu.Unlock()
		return fmt.Errorf("flush insight counts: %w", err)
	}
	return nil
}

const eventFlushEvery = 10 * time.Second

const secondsPerDay = 24 * 3600

// countRanges splits [from, to) into the whole UTC days inside it, read
// from the daily totals, and the hours at either end, read from the hourly
// counts: a year is 365 rows a metric instead of 8,760.
func countRanges(from, to int64) []any {
	dayFrom := (from + secondsPerDay - 1) / secondsPerDay * secondsPerDay
	dayTo := to / secondsPerDay * secondsPerDay
	if dayFrom >= dayTo {
		return []any{from, to, 0, 0, 0, 0}
	}
	return []any{from, dayFrom, dayTo, to, dayFrom, dayTo}
}

// countsIn is the rows of insight_counts and insight_daily for a metric
// condition ?M over countRanges' arguments ?1..?6.
func countsIn(columns, metric string) string {
	return `SELECT ` + columns + ` FROM insight_counts WHERE ` + metric + ` AND hour >= ?1 AND hour < ?2
		UNION ALL SELECT ` + columns + ` FROM insight_counts WHERE ` + metric + ` AND hour >= ?3 AND hour < ?4
		UNION ALL SELECT ` + columns + ` FROM insight_daily WHERE ` + metric + ` AND day >= ?5 AND day < ?6`
}

// searchTextRetention is how long the text of a search that found nothing is kept.
const searchTextRetention = 400 * 24 * time.Hour

// Start starts the flusher: the counted events are written every few
// seconds (and kept in memory for the next try when that fails). It is
// called when the store has opened; another call (Start is promoted onto
// models.Store) does nothing, also after Stop: a second flusher would
// outlive Stop and flush into closed pools.
func (in *Insights) Start() {
	b := in.events
	b.life.Lock()
	defer b.life.Unlock()
	if b.stop != nil {
		return
	}
	stop, done := make(chan struct{}), make(chan struct{})
	b.stop, b.done = stop, done
	go func() {
		defer close(done)
		t := time.NewTicker(eventFlushEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				_ = in.FlushEvents(context.Background()) // kept in memory and retried on the next tick
			case <-stop:
				return
			}
		}
	}()
}

// Stop ends the flusher and writes what is left, once; nothing when the
// flusher never started (a store that failed to open).
func (in *Insights) Stop() error {
	b := in.events
	b.life.Lock()
	stop, done := b.stop, b.done
	b.life.Unlock()
	if stop == nil {
		return nil
	}
	var err error
	b.once.Do(func() {
		close(stop)
		<-done
		in.endIdleVisits(true) // a session cut short by a restart still counts
		err = in.FlushEvents(context.Background())
	})
	return err
}

// SelfService is what visitors found on their own in the period.
type SelfService struct {
	Searches, SearchesNone       int
	SolvedViews, ArticleViews    int
	VotesHelpful, VotesUnhelpful int
	// Sessions with a search, and those that ended on a solved thread or an
	// article without a question being asked.
	SearchSessions, SolvedSessions int
	TopNoResult                    []QueryCount
}

// QueryCount is a search text and how often it found nothing.
type QueryCount struct {
	Query string
	Count int
}

// NoResultShare is the share of searches that found nothing, 0..1.
func (s SelfService) NoResultShare() float64 { return Share(s.SearchesNone, s.Searches) }

// SolvedSessionShare is the share of search sessions that ended on an answer, 0..1.
func (s SelfService) SolvedSessionShare() float64 {
	return Share(s.SolvedSessions, s.SearchSessions)
}

// SelfServiceFigures reads the hourly counts and the KB votes for the period.
// The counts are site-wide: a search or a view has no category.
func (in *Insights) SelfServiceFigures(ctx context.Context, f Filter, top int) (SelfService, error) {
	var out SelfService
	from, to := f.From.Truncate(time.Hour).Unix(), f.To.Unix()
	ranges := countRanges(from, to)
	rows, err := in.db.Reader(ctx).QueryContext(ctx, `SELECT metric, SUM(n) FROM (`+countsIn("metric, n", "metric IN (?7, ?8, ?9, ?10, ?11, ?12)")+`) AS c GROUP BY metric`,
		append(ranges, MetricSearch, MetricSearchNone, MetricViewSolved, MetricViewArticle, MetricSearchSession, MetricSearchSessionSolved)...)
	if err != nil {
		return out, fmt.Errorf("self-service counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m string
		var n int
		if err := rows.Scan(&m, &n); err != nil {
			return out, err
		}
		switch m {
		case MetricSearch:
			out.Searches = n
		case MetricSearchNone:
			out.SearchesNone = n
		case MetricViewSolved:
			out.SolvedViews = n
		case MetricViewArticle:
			out.ArticleViews = n
		case MetricSearchSession:
			out.SearchSessions = n
		case MetricSearchSessionSolved:
			out.SolvedSessions = n
		}
	}
	if err := rows.Err(); err != nil {
		return out, err
	}
	q, err := in.db.Reader(ctx).QueryContext(ctx, `SELECT key, SUM(n) FROM (`+countsIn("key, n", "metric = ?7")+`) AS c
		GROUP BY key ORDER BY SUM(n) DESC, key LIMIT ?8`, append(ranges, MetricSearchNone, top)...)
	if err != nil {
		return out, fmt.Errorf("no-result queries: %w", err)
	}
	defer q.Close()
	for q.Next() {
		var c QueryCount
		if err := q.Scan(&c.Query, &c.Count); err != nil {
			return out, err
		}
		out.TopNoResult = append(out.TopNoResult, c)
	}
	if err := q.Err(); err != nil {
		return out, err
	}
	err = in.db.Reader(ctx).QueryRowContext(ctx, `SELECT COALESCE(SUM(helpful), 0), COALESCE(SUM(1 - helpful), 0) FROM kb_votes
		WHERE created_at >= ? AND created_at < ?`, f.From.Unix(), f.To.Unix()).Scan(&out.VotesHelpful, &out.VotesUnhelpful)
	if err != nil {
		return out, fmt.Errorf("kb votes: %w", err)
	}
	return out, nil
}
