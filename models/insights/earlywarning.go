package insights

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// mentionsPerWindow bounds the texts read for terms and keywords per
// earlier week's window, mentionsCharted those of the charted hours.
const (
	mentionsPerWindow = 20000
	mentionsCharted   = 100000
)

// SpikeThread and SpikeMention are what lies behind a spiking term.
type SpikeThread struct {
	ID                     int64
	Title, Slug            string
	CategoryID             int64
	Category, CategorySlug string
	url                    string
}

// URL is the thread page.
func (t SpikeThread) URL() string { return t.url }

type SpikeMention struct {
	TweetID, Handle, Text string
	Format                string // the tweets.Format it was read from
	url                   string
}

// URL is the post on X, or "" when its source's ids are not X's.
func (m SpikeMention) URL() string { return m.url }

// SpikingTerm is a word used far more in the last hours than usual.
type SpikingTerm struct {
	Term string
	Spike
	Threads  []SpikeThread
	Mentions []SpikeMention
}

// EarlyWarning is the state of the last hours against previous weeks.
type EarlyWarning struct {
	Now        time.Time
	ChartStart time.Time // the first charted hour
	Questions  Series
	Mentions   Series
	Categories []Series // those with questions in the chart or the windows, spiking first
	Keywords   []Series
	Terms      []SpikingTerm
}

// Spikes lists every spiking series, for the page's summary.
func (w EarlyWarning) Spikes() []Series {
	var out []Series
	for _, s := range append(append([]Series{w.Questions, w.Mentions}, w.Categories...), w.Keywords...) {
		if s.Spiking {
			out = append(out, s)
		}
	}
	return out
}

type ewThread struct {
	SpikeThread
	ewPlace
}

type ewMention struct {
	SpikeMention
	ewPlace
}

// ewPlace is where a question or mention falls, worked out once when it is
// read rather than by every series that counts it.
type ewPlace struct {
	win        int // the spike window k weeks back, or -1 outside every window
	week, hour int // the charted hour k weeks back; week is -1 outside the charts
	// The text's terms and lower-case form, where they are compared: terms
	// inside a window, keywords there and in the last hours.
	terms []string
	lower string
}

// ewClock places times in the spike windows and the charted hours of now
// and of each previous week.
type ewClock struct {
	chartStart time.Time
	ends       [SpikeWeeks + 1]int64 // the end of the spike window k weeks back
}

func newEWClock(now, chartStart time.Time) ewClock {
	c := ewClock{chartStart: chartStart}
	for k := range c.ends {
		c.ends[k] = now.Add(-time.Duration(k) * Week).Unix()
	}
	return c
}

// place says where a text written at a time falls.
func (c ewClock) place(at int64, text string) ewPlace {
	p := ewPlace{win: -1}
	for k, end := range c.ends {
		if at >= end-int64(SpikeWindow/time.Second) && at < end {
			p.win = k
			break
		}
	}
	p.week, p.hour = ChartSlot(at, c.chartStart)
	if p.win >= 0 {
		p.terms = Terms(text)
	}
	if p.win >= 0 || p.week == 0 {
		p.lower = strings.ToLower(text)
	}
	return p
}

// EarlyWarningFigures reads the last hours and the same hours of previous
// weeks. It ignores the dashboard's period (it is about now) but keeps its
// category and language.
func (in *Insights) EarlyWarningFigures(ctx context.Context, f Filter) (EarlyWarning, error) {
	// Times are stored in whole seconds: include the current one.
	now := in.now().Truncate(time.Second).Add(time.Second)
	w := EarlyWarning{Now: now, ChartStart: now.Truncate(time.Hour).Add(-(ChartHours - 1) * time.Hour)}
	clock := newEWClock(now, w.ChartStart)
	threads, err := in.ewThreads(ctx, f, clock)
	if err != nil {
		return w, err
	}
	mentions, err := in.ewMentions(ctx, f, clock)
	if err != nil {
		return w, err
	}
	rules, err := in.dom.WatchKeywords(ctx, f.CategoryID)
	if err != nil {
		return w, err
	}

	// Questions, by category and overall.
	type tally struct {
		label, key string
		hourly     [SpikeWeeks + 1][ChartHours]int
		windows    [SpikeWeeks + 1]int
	}
	all := &tally{label: "All new questions"}
	cats := map[int64]*tally{}
	for _, t := range threads {
		c := cats[t.CategoryID]
		if c == nil {
			c = &tally{label: t.Category, key: t.CategorySlug}
			cats[t.CategoryID] = c
		}
		for _, x := range []*tally{all, c} {
			if t.week >= 0 {
				x.hourly[t.week][t.hour]++
			}
			if t.win >= 0 {
				x.windows[t.win]++
			}
		}
	}
	series := func(x *tally, min int) Series {
		sr := Series{Kind: "category", Label: x.label, Key: x.key, Hourly: x.hourly[0][:], Usual: make([]float64, ChartHours)}
		for h := range sr.Usual {
			for k := 1; k <= SpikeWeeks; k++ {
				sr.Usual[h] += float64(x.hourly[k][h])
			}
			sr.Usual[h] /= SpikeWeeks
		}
		sr.Spike = SpikeScore(x.windows[0], x.windows[1:], min)
		return sr
	}
	w.Questions = series(all, SpikeMin)
	w.Questions.Kind = "questions"
	for _, c := range cats {
		w.Categories = append(w.Categories, series(c, SpikeMin))
	}
	sort.Slice(w.Categories, func(i, j int) bool {
		a, b := w.Categories[i], w.Categories[j]
		if a.Spiking != b.Spiking {
			return a.Spiking
		}
		if a.Z != b.Z {
			return a.Z > b.Z
		}
		return a.Label < b.Label
	})

	// Mentions: counted per hour in SQL (there can be many), texts only for the windows.
	if w.Mentions, err = in.ewMentionSeries(ctx, f, clock); err != nil {
		return w, err
	}

	// Watch-rule keywords, in questions' titles and mentions' texts; charted
	// for the last hours only (mentions' texts of earlier weeks are read for
	// the spike windows alone).
	for _, kw := range rules {
		var windows [SpikeWeeks + 1]int
		hourly := make([]int, ChartHours)
		needle := strings.ToLower(kw)
		count := func(p ewPlace) {
			if (p.week == 0 || p.win >= 0) && in.dom.ContainsWord(p.lower, needle) {
				if p.week == 0 {
					hourly[p.hour]++
				}
				if p.win >= 0 {
					windows[p.win]++
				}
			}
		}
		for _, t := range threads {
			count(t.ewPlace)
		}
		for _, m := range mentions {
			count(m.ewPlace)
		}
		w.Keywords = append(w.Keywords, Series{Kind: "keyword", Label: kw, Key: kw, Hourly: hourly, Spike: SpikeScore(windows[0], windows[1:], SpikeMin)})
	}
	sort.SliceStable(w.Keywords, func(i, j int) bool { return w.Keywords[i].Z > w.Keywords[j].Z })

	w.Terms = spikingTerms(threads, mentions)
	return w, nil
}

// ewThreads reads the visible questions of the charted hours, now and in
// each previous week (the spike windows fall inside them).
func (in *Insights) ewThreads(ctx context.Context, f Filter, clock ewClock) ([]ewThread, error) {
	var out []ewThread
	for k, end := range clock.ends {
		back := time.Duration(k) * Week
		rows, err := in.db.Reader(ctx).QueryContext(ctx, `SELECT t.id, t.title, t.slug, t.category_id, c.name, c.slug, t.created_at
			FROM threads t JOIN categories c ON c.id = t.category_id
			WHERE `+in.dom.VisibleThread+` AND t.created_at >= ?1 AND t.created_at < ?2 AND (?3 = 0 OR t.category_id = ?3) AND (?4 = '' OR t.lang = ?4)
			ORDER BY t.created_at DESC, t.id`, // a spiking term's examples: the latest, in an order SQLite's plan cannot change
			clock.chartStart.Add(-back).Unix(), end, f.CategoryID, f.Lang)
		if err != nil {
			return nil, fmt.Errorf("early warning: questions: %w", err)
		}
		for rows.Next() {
			var t ewThread
			var at int64
			if err := rows.Scan(&t.ID, &t.Title, &t.Slug, &t.CategoryID, &t.Category, &t.CategorySlug, &at); err != nil {
				rows.Close()
				return nil, err
			}
			t.ewPlace, t.url = clock.place(at, t.Title), in.dom.ThreadURL(t.ID, t.Slug)
			out = append(out, t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// mentionScope is the WHERE clause of the mentions counted: posts by
// customers that no filter kept out, in the category's rules when one is chosen.
const mentionScope = ` is_brand = 0 AND status NOT IN ('filtered', 'spam') AND (?3 = 0 OR rule_id IN (SELECT id FROM social_rules WHERE category_id = ?3)) AND (?4 = '' OR lang = ?4)`

// ewMentions reads the texts of the mentions of the charted hours and of
// each earlier week's spike window, the latest first up to a bound each.
func (in *Insights) ewMentions(ctx context.Context, f Filter, clock ewClock) ([]ewMention, error) {
	var out []ewMention
	for k, endAt := range clock.ends {
		end := time.Unix(endAt, 0)
		start, limit := end.Add(-SpikeWindow), mentionsPerWindow
		if k == 0 {
			start, limit = clock.chartStart, mentionsCharted
		}
		rows, err := in.db.Reader(ctx).QueryContext(ctx, `SELECT tweet_id, author_handle, text, created_at, source_format FROM social_items`+in.db.IndexedBy("social_items_created")+`
			WHERE created_at >= ?1 AND created_at < ?2 AND`+mentionScope+` ORDER BY created_at DESC LIMIT ?5`,
			start.Unix(), end.Unix(), f.CategoryID, f.Lang, limit)
		if err != nil {
			return nil, fmt.Errorf("early warning: mentions: %w", err)
		}
		for rows.Next() {
			var m ewMention
			var at int64
			if err := rows.Scan(&m.TweetID, &m.Handle, &m.Text, &at, &m.Format); err != nil {
				rows.Close()
				return nil, err
			}
			m.ewPlace, m.url = clock.place(at, m.Text), in.dom.TweetURL(m.Handle, m.TweetID, m.Format)
			out = append(out, m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ewMentionSeries counts mentions per charted hour and per spike window.
// The window ends the charted hours, so one pass over them per week counts
// both: each hour's mentions, and those of the hour inside the window.
func (in *Insights) ewMentionSeries(ctx context.Context, f Filter, clock ewClock) (Series, error) {
	// Compiles only while the window fits in the charted hours (the first may be short of an hour).
	const _ = uint(ChartHours - 1 - SpikeWindow/time.Hour)
	sr := Series{Kind: "mentions", Label: "Imported mentions", Hourly: make([]int, ChartHours), Usual: make([]float64, ChartHours)}
	var windows [SpikeWeeks + 1]int
	for k, end := range clock.ends {
		// Up to now, k weeks back, as for questions.
		rows, err := in.db.Reader(ctx).QueryContext(ctx, `SELECT (created_at - ?1) / 3600, COUNT(*), SUM(created_at >= ?5) FROM social_items`+in.db.IndexedBy("social_items_created")+`
			WHERE created_at >= ?1 AND created_at < ?2 AND`+mentionScope+` GROUP BY 1`,
			clock.chartStart.Add(-time.Duration(k)*Week).Unix(), end, f.CategoryID, f.Lang, end-int64(SpikeWindow/time.Second))
		if err != nil {
			return sr, fmt.Errorf("early warning: mentions per hour: %w", err)
		}
		for rows.Next() {
			var h, n, inWindow int
			if err := rows.Scan(&h, &n, &inWindow); err != nil {
				rows.Close()
				return sr, err
			}
			if k == 0 {
				sr.Hourly[h] = n
			} else {
				sr.Usual[h] += float64(n) / SpikeWeeks
			}
			windows[k] += inWindow
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return sr, err
		}
	}
	sr.Spike = SpikeScore(windows[0], windows[1:], SpikeMin)
	return sr, nil
}
