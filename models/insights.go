package models

import (
	"context"
	"strings"

	"github.com/crowdcare/crowdcare/models/insights"
	"github.com/crowdcare/crowdcare/models/social"
)

// The dashboard's queries, event counting, search sessions, the early
// warning and the incidents' statements live in models/insights; Store
// embeds an *insights.Insights, so handlers call store.Responsiveness,
// store.Count, store.EarlyWarningFigures… as before. These aliases keep the
// names the handlers, templates and the demo use.

// InsightsFilter picks the questions a dashboard figure covers (insights.Filter).
type InsightsFilter = insights.Filter // alias: moved to models/insights

// Sources a question can come from.
const (
	SourceWeb   = insights.SourceWeb   // alias: moved to models/insights
	SourceTweet = insights.SourceTweet // alias: moved to models/insights
)

// Timing sums up how fast one source's questions were answered (insights.Timing).
type Timing = insights.Timing // alias: moved to models/insights

// Answerers says who wrote the accepted answers (insights.Answerers).
type Answerers = insights.Answerers // alias: moved to models/insights

// Contributor is one member with accepted answers in the period (insights.Contributor).
type Contributor = insights.Contributor // alias: moved to models/insights

// OpenQuestion is one entry of the unanswered work queue (insights.OpenQuestion).
type OpenQuestion = insights.OpenQuestion // alias: moved to models/insights

// Metrics counted per hour for the self-service part of the dashboard.
const (
	MetricSearch              = insights.MetricSearch              // alias: moved to models/insights
	MetricSearchNone          = insights.MetricSearchNone          // alias: moved to models/insights
	MetricViewSolved          = insights.MetricViewSolved          // alias: moved to models/insights
	MetricViewArticle         = insights.MetricViewArticle         // alias: moved to models/insights
	MetricSearchSession       = insights.MetricSearchSession       // alias: moved to models/insights
	MetricSearchSessionSolved = insights.MetricSearchSessionSolved // alias: moved to models/insights
)

// OtherQueries is the key no-result searches fall under past the buffer's bound.
const OtherQueries = insights.OtherQueries // alias: moved to models/insights

// Event is one thing that happened, counted in the current hour (insights.Event).
type Event = insights.Event // alias: moved to models/insights

// SearchEvents are the events of one search (insights.SearchEvents).
func SearchEvents(query string, hits int) []Event { return insights.SearchEvents(query, hits) }

// SelfService is what visitors found on their own in the period (insights.SelfService).
type SelfService = insights.SelfService // alias: moved to models/insights

// QueryCount is a search text and how often it found nothing (insights.QueryCount).
type QueryCount = insights.QueryCount // alias: moved to models/insights

// The early-warning statistic and its figures.
const (
	SpikeWindow = insights.SpikeWindow // alias: moved to models/insights
	SpikeWeeks  = insights.SpikeWeeks  // alias: moved to models/insights
	ChartHours  = insights.ChartHours  // alias: moved to models/insights
)

// Spike compares a recent count with the same hours of previous weeks (insights.Spike).
type Spike = insights.Spike // alias: moved to models/insights

// Series is one volume watched for spikes (insights.Series).
type Series = insights.Series // alias: moved to models/insights

// SpikeThread, SpikeMention and SpikingTerm are what lies behind a spiking term.
type (
	SpikeThread  = insights.SpikeThread  // alias: moved to models/insights
	SpikeMention = insights.SpikeMention // alias: moved to models/insights
	SpikingTerm  = insights.SpikingTerm  // alias: moved to models/insights
)

// EarlyWarning is the state of the last hours against previous weeks (insights.EarlyWarning).
type EarlyWarning = insights.EarlyWarning // alias: moved to models/insights

// newInsights is the dashboard over the database layer and the store's
// clock, with the forum's visibility rule and addresses, X's addresses and
// the watch rules' keywords and matching.
func (s *Store) newInsights() *insights.Insights {
	return insights.New(s.db, s.now, insights.Domains{VisibleThread: visibleThread, ThreadURL: ThreadURL,
		TweetURL: social.TweetURL, WatchKeywords: s.watchKeywords, ContainsWord: social.ContainsWord})
}

// startEventFlusher starts writing the counted events every few seconds.
func (s *Store) startEventFlusher() { s.Insights.Start() }

// stopEventFlusher ends the flusher and writes what is left.
func (s *Store) stopEventFlusher() error {
	if s.Insights == nil {
		return nil
	}
	return s.Insights.Stop()
}

// watchKeywords are the keywords of the active watch rules, once each:
// the early warning's keyword series (the rules are social listening's).
func (s *Store) watchKeywords(ctx context.Context, categoryID int64) ([]string, error) {
	rules, err := s.SocialRules(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	for _, r := range rules {
		if !r.Active || categoryID != 0 && r.CategoryID != categoryID {
			continue
		}
		for _, kw := range r.Keywords {
			if k := strings.ToLower(kw); !seen[k] {
				seen[k] = true
				out = append(out, kw)
			}
		}
	}
	return out, nil
}
