package models

import (
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/crowdcare/crowdcare/tweets"
)

// realTweetTexts reads the text of every tweet in the shared real samples
// (in place), as an import cleans it; none, said in the log, when the
// samples are absent (only outside CI).
func realTweetTexts(t *testing.T) []string {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "data", "tweets")
	if _, err := os.Stat(dir); err != nil {
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
			texts = append(texts, cleanText(tw.Text))
			return nil
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return texts
}

// randomTexts makes n texts of up to max+1 pieces from alphabet, the same
// ones for the same seed.
func randomTexts(seed uint64, n, max int, alphabet []string) []string {
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

// TestTweetShortcutMatchesGoldmark: the HTML and plain text renderTweet
// writes itself are byte for byte what goldmark makes of the same Markdown,
// for every real tweet in the samples, the benchmark's lines and random
// texts built from the characters Markdown cares about; and the shortcut is
// taken for most real tweets, or it would not be worth having.
func TestTweetShortcutMatchesGoldmark(t *testing.T) {
	m := newMarkdown()
	texts := realTweetTexts(t)
	real := len(texts)
	if real > 0 && real < 1000 {
		t.Fatalf("only %d tweets in the samples", real)
	}
	texts = append(texts, "my broadband keeps dropping every evening since the update", "tried restarting twice, still nothing 😩",
		"@Jo_K Sorry! Please DM us your postcode. ^AB", "hello\n===", "hello\n---", "1. first\n2) second", "> quoted", "    code",
		"a  b", "trailing ", " leading", "tab\there", "line\n\nparagraph", "x www.example.com y", "mail a@b.com now",
		"https://t.co/abc?x=1&y=2", "https://x.y/?a&amp;b=1&#39;c", "(https://t.co/x)", "http://", "https://example.com/a_b*c", "https://example.com/%7E",
		"caf\u0301e", "שלום עולם", "nbsp\u00a0here", "zero\u200bwidth", "&amp; &lt;b&gt;", `"quoted" it's`, "`code`", "a|b|c",
		"~~strike~~", "**bold** _em_", "[link](https://x.y)", "<b>html</b>", "<https://x.y>", "\\back\\slash", "#tag", "@user's")
	alphabet := []string{"a", "Z", "9", " ", "  ", "\n", "\r", "\t", "@", "#", "*", "_", "-", "=", "+", ".", "!", "?", "&", "<", ">",
		"\"", "'", "`", "~", "|", "(", ")", "[", "]", "\\", "/", ":", "%", "é", "😩", "\u0301", "\u00a0", "www.", "http://", "https://t.co/",
		"x.com", "1.", "&amp;", "&#39;", "\x00", "\u2028"}
	texts = append(texts, randomTexts(11, 20000, 12, alphabet)...)
	fast, fastReal := 0, 0
	for i, text := range texts {
		src, got, err := m.renderTweet(text)
		if err != nil {
			t.Fatal(err)
		}
		if src != tweetMarkdown(text) {
			t.Fatalf("%q: source %q", text, src)
		}
		want, err := m.render(src)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%q:\nshortcut %q / %q\ngoldmark %q / %q", text, got.HTML, got.Text, want.HTML, want.Text)
		}
		if _, ok := simpleTweetHTML(text); ok {
			fast++
			if i < real {
				fastReal++
			}
		}
	}
	t.Logf("%d texts (%d real): the shortcut took %d (%d real)", len(texts), real, fast, fastReal)
	// A tweet is shown as written: a line of "=" or "-" under a line is not
	// a heading, a "1." is not a list.
	for _, text := range []string{"hello\n===", "hello\n---", "1. first\n2. second", "# tag"} {
		_, r, _ := m.renderTweet(text)
		if !strings.HasPrefix(r.HTML, "<p>") || strings.Count(r.HTML, "<p>") != 1 {
			t.Errorf("%q: %q", text, r.HTML)
		}
	}
	if fast-fastReal < 1000 || fastReal*2 < real {
		t.Errorf("the shortcut took %d listed and random texts and %d of %d real tweets: too few to say much", fast-fastReal, fastReal, real)
	}
}

// TestCompoundWordsMatchThePattern: the hand-written scanner finds what the
// pattern it replaced finds, on real tweets and on random texts.
func TestCompoundWordsMatchThePattern(t *testing.T) {
	pattern := regexp.MustCompile(`[\p{L}\p{N}]+(?:[-.'’][\p{L}\p{N}]+)+`)
	texts := append(realTweetTexts(t), "Wi-Fi e-mail hub-3", "a--b a-b- -a-b 'x'y’z. 3.5.1 naïve-café ĳ-x", "a\u0301-b", "日本-語")
	alphabet := []string{"a", "Z", "9", "é", "日", "\u0301", "٣", "-", ".", "'", "’", " ", "_", "!", "😩"}
	texts = append(texts, randomTexts(13, 20000, 14, alphabet)...)
	found := 0
	for _, text := range texts {
		var got []string
		compoundWords(text, func(m string) { got = append(got, m) })
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
