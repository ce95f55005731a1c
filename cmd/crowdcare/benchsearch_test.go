package main

import (
	"strings"
	"testing"

	"github.com/crowdcare/crowdcare/internal/testdb"
)

// TestBenchSearchPrintsLatencyAndRelevance: `bench search` times each kind
// of query and measures the ranking on the relevance set, on the engine the
// pass runs on (the relevance set in a scratch database beside --db).
func TestBenchSearchPrintsLatencyAndRelevance(t *testing.T) {
	db := testdb.Location(t, "cc.db")
	if code, _, errOut := runCmd(t, "corpus", "--db", db, "--threads", "100", "--posts", "400"); code != 0 {
		t.Fatalf("corpus: %s", errOut)
	}
	code, out, errOut := runCmd(t, "bench", "search", "--db", db, "--n", "3")
	if code != 0 {
		t.Fatalf("bench search: exit %d %s", code, errOut)
	}
	for _, want := range []string{"single-word", "multi-word", "phrase", "p99", "relevance: 159 queries, recall@1 0.9",
		"recall@3 1.000", "0 with a question twice in the first five"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
