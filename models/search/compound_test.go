package search

import (
	"regexp"
	"strings"
	"testing"

	"github.com/crowdcare/crowdcare/internal/textsamples"
)

// TestCompoundWordsMatchThePattern: the hand-written scanner finds what the
// pattern it replaced finds, on real tweets and on random texts.
func TestCompoundWordsMatchThePattern(t *testing.T) {
	pattern := regexp.MustCompile(`[\p{L}\p{N}]+(?:[-.'’][\p{L}\p{N}]+)+`)
	texts := append(textsamples.RealTweets(t), "Wi-Fi e-mail hub-3", "a--b a-b- -a-b 'x'y’z. 3.5.1 naïve-café ĳ-x", "a\u0301-b", "日本-語")
	alphabet := []string{"a", "Z", "9", "é", "日", "\u0301", "٣", "-", ".", "'", "’", " ", "_", "!", "😩"}
	texts = append(texts, textsamples.Random(13, 20000, 14, alphabet)...)
	found := 0
	for _, text := range texts {
		var got []string
		CompoundWords(text, func(m string) { got = append(got, m) })
		want := pattern.FindAllString(text, -1)
		if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
			t.Errorf("%q: scanner %q, pattern %q", text, got, want)
		}
		found += len(want)
	}
	if found < 1000 {
		t.Errorf("only %d compounds in %d texts: the comparison says little", found, len(texts))
	}
}
