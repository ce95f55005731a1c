package tweets

import (
	"os"
	"path/filepath"
	"testing"
)

// sampleDir is the shared real-data folder, relative to this package.
const sampleDir = "../../shared/data/tweets"

// samplePath locates a real sample in place (never copied), skipping the test
// when the shared data is absent, which only happens outside CI.
func samplePath(t testing.TB, rel string) string {
	t.Helper()
	if _, err := os.Stat("../../shared/data"); err != nil {
		t.Skip("shared data not found at ../../shared/data: skipping real-sample tests")
	}
	return filepath.Join(sampleDir, filepath.FromSlash(rel))
}

// readSample reads a real sample with ReadFile and returns what it got.
func readSample(t testing.TB, rel string) (*Result, []Tweet) {
	t.Helper()
	var got []Tweet
	res, err := ReadFile(samplePath(t, rel), func(tw Tweet) error {
		got = append(got, tw)
		return nil
	})
	if err != nil {
		t.Fatalf("ReadFile(%s): %v", rel, err)
	}
	if res.Read != len(got) {
		t.Fatalf("%s: Result.Read = %d, callback saw %d", rel, res.Read, len(got))
	}
	return res, got
}

func byID(tweets []Tweet) map[string]Tweet {
	m := make(map[string]Tweet, len(tweets))
	for _, tw := range tweets {
		m[tw.ID] = tw
	}
	return m
}

// mustFind returns the tweet with the id or fails the test.
func mustFind(t testing.TB, tweets []Tweet, id string) Tweet {
	t.Helper()
	for _, tw := range tweets {
		if tw.ID == id {
			return tw
		}
	}
	t.Fatalf("tweet %s not found", id)
	return Tweet{}
}

func countIf(tweets []Tweet, pred func(Tweet) bool) int {
	n := 0
	for _, tw := range tweets {
		if pred(tw) {
			n++
		}
	}
	return n
}

func wantFormat(t testing.TB, res *Result, want Format) {
	t.Helper()
	if res.Format != want {
		t.Errorf("Format = %q, want %q", res.Format, want)
	}
}

func wantNoSkips(t testing.TB, res *Result) {
	t.Helper()
	if len(res.Skipped) != 0 {
		t.Errorf("unexpected skips: %+v", res.Skipped[:min(len(res.Skipped), 5)])
	}
}
