package insights

import (
	"crypto/rand"
	"crypto/sha256"
	"hash/fnv"
	"sync"
	"time"
)

// Search sessions: did a visitor who searched end on a solved thread or a
// KB article without asking a question? A visitor is known only by a hash
// of their address and browser with a salt that is random, kept in memory
// and replaced every UTC day, so nothing identifies anyone: the hash cannot
// be reversed, cannot be linked across days, and is never written down.
// Only the two totals below reach the database.
const (
	MetricSearchSession       = "search_session"        // a session with at least one search
	MetricSearchSessionSolved = "search_session_solved" // …whose last counted page was a solved thread or article, with no question asked
)

// sessionIdle ends a session: after this long without a page it is counted.
const sessionIdle = 30 * time.Minute

// maxVisits bounds the sessions followed at once; past it, new visitors'
// events are still counted, just not as sessions.
const maxVisits = 20000

// maxVisitQueries bounds the searches remembered per session for de-duplication.
const maxVisitQueries = 50

type visit struct {
	last     time.Time
	searched bool
	found    bool // the last event after searching was a solved thread or article
	asked    bool
	queries  map[uint64]bool // hashes of the searches made: no search text is kept per visitor
}

type visitTracker struct {
	mu     sync.Mutex
	day    int64 // the UTC day the salt is for, in days since 1970
	salt   [32]byte
	visits map[[sha256.Size]byte]*visit
}

// CountVisit records events for one visitor (a string identifying the
// request's address and browser, never stored): like Count, but a search
// repeated within a session is counted once, and the events feed the search
// session figures. An empty visitor counts the events as Count does.
func (in *Insights) CountVisit(visitor string, evs ...Event) {
	if visitor == "" {
		in.Count(evs...)
		return
	}
	var counted []Event
	ended := in.onVisit(visitor, func(v *visit) {
		if v == nil { // not followed: the tracker is full
			counted = evs
			return
		}
		for _, e := range evs {
			switch e.Metric {
			case MetricSearch, MetricSearchNone:
				h := fnv.New64a()
				h.Write([]byte(e.Metric + "\x00" + e.query))
				id := h.Sum64()
				if v.queries[id] {
					continue // the same search again (a reload, a cached page): once a session
				}
				if len(v.queries) < maxVisitQueries {
					v.queries[id] = true
				}
				v.searched, v.found = true, false
			case MetricViewSolved, MetricViewArticle:
				if v.searched {
					v.found = true
				}
			}
			counted = append(counted, e)
		}
	})
	in.Count(append(counted, sessionEvents(ended)...)...)
}

// MarkAsked notes that the visitor asked a question: their search session,
// if any, did not end on an answer.
func (in *Insights) MarkAsked(visitor string) {
	if visitor == "" {
		return
	}
	ended := in.onVisit(visitor, func(v *visit) {
		if v != nil {
			v.asked = true
		}
	})
	in.Count(sessionEvents(ended)...)
}

// utcDay is the UTC day of t, counted from 1970-01-01 (day 0).
func utcDay(t time.Time) int64 {
	sec := t.Unix()
	day := sec / 86400
	if sec < 0 && sec%86400 != 0 {
		day-- // floor, for times before 1970
	}
	return day
}

// onVisit runs fn on the visitor's current session (nil when the tracker is
// full) under the tracker's lock, and returns the sessions that ended on
// the way: at a new day's salt, or the visitor's own after a pause.
func (in *Insights) onVisit(visitor string, fn func(*visit)) (ended []*visit) {
	now := in.now()
	t := in.visits
	t.mu.Lock()
	defer t.mu.Unlock()
	if day := utcDay(now); day != t.day {
		// A new salt: yesterday's hashes can never be matched again.
		for k, v := range t.visits {
			ended = append(ended, v)
			delete(t.visits, k)
		}
		t.day = day
		if _, err := rand.Read(t.salt[:]); err != nil {
			panic("crypto/rand: " + err.Error()) // never fails on Linux; no salt would mean no privacy
		}
	}
	h := sha256.New()
	h.Write(t.salt[:])
	h.Write([]byte(visitor))
	var key [sha256.Size]byte
	h.Sum(key[:0])
	v := t.visits[key]
	if v != nil && now.Sub(v.last) >= sessionIdle {
		ended = append(ended, v)
		delete(t.visits, key) // else, with the tracker full, it would be counted again later
		v = nil
	}
	if v == nil && len(t.visits) < maxVisits {
		v = &visit{queries: map[uint64]bool{}}
		t.visits[key] = v
	}
	if v != nil {
		v.last = now
	}
	fn(v)
	return ended
}

// endIdleVisits counts the sessions idle for sessionIdle, or all with all.
func (in *Insights) endIdleVisits(all bool) {
	now := in.now()
	var ended []*visit
	t := in.visits
	t.mu.Lock()
	for k, v := range t.visits {
		if all || now.Sub(v.last) >= sessionIdle {
			ended = append(ended, v)
			delete(t.visits, k)
		}
	}
	t.mu.Unlock()
	in.Count(sessionEvents(ended)...)
}

func sessionEvents(ended []*visit) []Event {
	var evs []Event
	for _, v := range ended {
		if !v.searched {
			continue
		}
		evs = append(evs, Event{Metric: MetricSearchSession})
		if v.found && !v.asked {
			evs = append(evs, Event{Metric: MetricSearchSessionSolved})
		}
	}
	return evs
}
