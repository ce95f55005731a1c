// Package textsamples gives tests texts to try pure text code on: the real
// tweets of the shared samples, and random texts from an alphabet. For
// tests only (the markup and search packages' comparisons of a fast path
// with the slow one it stands for).
package textsamples

import (
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crowdcare/crowdcare/tweets"
)

// sharedTweets is the folder of real samples: shared/data/tweets beside the
// module's folder, found from the test's working directory.
func sharedTweets() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "data", "tweets"), true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// RealTweets reads the text of every tweet in the shared real samples (in
// place), as an import stores it (NUL bytes and invalid UTF-8 dropped, as
// models' cleanText does); none, said in the log, when the samples are
// absent (only outside CI).
func RealTweets(t testing.TB) []string {
	t.Helper()
	dir, ok := sharedTweets()
	if _, err := os.Stat(dir); !ok || err != nil {
		t.Logf("shared data not found at %s: SKIPPING the real tweets; random and listed texts only", dir)
		return nil
	}
	var texts []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		// Files in no known format (licences, indexes) are refused; that is
		// what the readers' own tests check.
		_, _ = tweets.ReadFile(path, func(tw tweets.Tweet) error {
			texts = append(texts, strings.ToValidUTF8(strings.ReplaceAll(tw.Text, "\x00", ""), ""))
			return nil
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return texts
}

// Random makes n texts of up to max+1 pieces from alphabet, the same ones
// for the same seed.
func Random(seed uint64, n, max int, alphabet []string) []string {
	r := rand.New(rand.NewPCG(seed, seed+1))
	out := make([]string, n)
	for i := range out {
		var b strings.Builder
		for k := r.IntN(max); k >= 0; k-- {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		out[i] = b.String()
	}
	return out
}
