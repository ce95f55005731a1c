package handlers

import "time"

// stamp says which rendering an entry of the page, thread or article cache
// is: an entry is current while the store's version is unchanged (any
// commit in this process) and for at most pageCacheTTL (changes made by
// other processes, and "2 minutes ago").
type stamp struct {
	version uint64
	at      time.Time
}

func (s stamp) current(version uint64) bool {
	return s.version == version && time.Since(s.at) < pageCacheTTL
}

func (s stamp) stampedAt() time.Time { return s.at }

// cacheEntry is what boundedMap needs of an entry: when it was made and the
// bytes it holds.
type cacheEntry interface {
	stampedAt() time.Time
	cacheSize() int
}

// boundedMap is the entries of one cache within a byte budget. Over budget it
// drops the oldest of a few entries looked at (map order is random, so this
// approximates the oldest cheaply), never the one just stored or grown. The
// caller holds the cache's lock.
type boundedMap[K comparable, E cacheEntry] struct {
	entries map[K]E
	bytes   int
	budget  int
}

func newBoundedMap[K comparable, E cacheEntry](budget int) boundedMap[K, E] {
	return boundedMap[K, E]{entries: map[K]E{}, budget: budget}
}

// put stores e under k, in place of what k held.
func (m *boundedMap[K, E]) put(k K, e E) {
	if old, ok := m.entries[k]; ok {
		m.remove(k, old)
	}
	m.entries[k] = e
	m.bytes += e.cacheSize()
	m.trim(k)
}

// grew counts n more bytes held by the entry under k.
func (m *boundedMap[K, E]) grew(k K, n int) {
	m.bytes += n
	m.trim(k)
}

func (m *boundedMap[K, E]) remove(k K, e E) {
	m.bytes -= e.cacheSize()
	delete(m.entries, k)
}

func (m *boundedMap[K, E]) trim(spare K) {
	for m.bytes > m.budget && len(m.entries) > 1 {
		var victim K
		var oldest time.Time
		found, n := false, 0
		for k, v := range m.entries {
			if k == spare {
				continue
			}
			if at := v.stampedAt(); !found || at.Before(oldest) {
				victim, oldest, found = k, at, true
			}
			if n++; n == 8 {
				break
			}
		}
		m.remove(victim, m.entries[victim])
	}
}
