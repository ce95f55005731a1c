package handlers

import (
	"testing"
	"time"
)

type testEntry struct {
	stamp
	size int
}

func (e *testEntry) cacheSize() int { return e.size }

// TestBoundedMapKeepsItsBudget: the bytes counted are the bytes held, the
// oldest entries go first (with eight or fewer to choose from, exactly the
// oldest), and the entry just stored or grown never goes.
func TestBoundedMapKeepsItsBudget(t *testing.T) {
	m := newBoundedMap[int, *testEntry](100)
	t0 := time.Now()
	entry := func(i, size int) *testEntry {
		return &testEntry{stamp: stamp{at: t0.Add(time.Duration(i) * time.Second)}, size: size}
	}
	held := func() int {
		n := 0
		for _, e := range m.entries {
			n += e.size
		}
		return n
	}
	for i := 1; i <= 5; i++ {
		m.put(i, entry(i, 20))
	}
	if len(m.entries) != 5 || m.bytes != 100 {
		t.Fatalf("at the budget: %d entries, %d bytes", len(m.entries), m.bytes)
	}
	m.put(6, entry(6, 30)) // the two oldest must go
	if _, ok := m.entries[1]; ok || m.bytes != held() || m.bytes > 100 {
		t.Fatalf("over budget: %d bytes counted, %d held, entries %v", m.bytes, held(), keys(m.entries))
	}
	if _, ok := m.entries[2]; ok {
		t.Fatalf("entry 2 kept, entries %v", keys(m.entries))
	}
	// Replacing an entry counts the old one off once, and drops nothing else.
	before := len(m.entries)
	m.put(6, entry(7, 10))
	if m.bytes != held() || len(m.entries) != before {
		t.Fatalf("replaced: %d bytes counted, %d held, entries %v", m.bytes, held(), keys(m.entries))
	}
	// The entry just stored or grown stays even when it is the oldest.
	m.put(3, entry(-1, 95)) // stamped before every other
	if m.entries[3] == nil || m.bytes != held() || m.bytes > 100 {
		t.Fatalf("an old entry just stored: entries %v, %d bytes", keys(m.entries), m.bytes)
	}
	// Grown past the budget, it pushes out a newer one, not itself.
	m.put(4, entry(10, 5))
	oldest := 3
	m.entries[oldest].size += 10
	m.grew(oldest, 10)
	if m.entries[oldest] == nil || m.entries[4] != nil || m.bytes != held() {
		t.Fatalf("the oldest entry grown: entries %v, %d bytes counted, %d held", keys(m.entries), m.bytes, held())
	}
	// So does a new entry bigger than the budget.
	m.put(9, entry(9, 500))
	if len(m.entries) != 1 || m.entries[9] == nil || m.bytes != 500 {
		t.Fatalf("big entry: entries %v, %d bytes", keys(m.entries), m.bytes)
	}
}

func keys(m map[int]*testEntry) []int {
	var out []int
	for k := range m {
		out = append(out, k)
	}
	return out
}
