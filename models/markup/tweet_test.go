package markup

import (
	"strings"
	"testing"

	"github.com/crowdcare/crowdcare/internal/textsamples"
)

// TestTweetShortcutMatchesGoldmark: the HTML and plain text RenderTweet
// writes itself are byte for byte what goldmark makes of the same Markdown,
// for every real tweet in the samples, the benchmark's lines and random
// texts built from the characters Markdown cares about; and the shortcut is
// taken for most real tweets, or it would not be worth having.
func TestTweetShortcutMatchesGoldmark(t *testing.T) {
	m := New()
	texts := textsamples.RealTweets(t)
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
	texts = append(texts, textsamples.Random(11, 20000, 12, alphabet)...)
	fast, fastReal := 0, 0
	for i, text := range texts {
		src, got, err := m.RenderTweet(text)
		if err != nil {
			t.Fatal(err)
		}
		if src != TweetMarkdown(text) {
			t.Fatalf("%q: source %q", text, src)
		}
		want, err := m.Render(src)
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
		_, r, _ := m.RenderTweet(text)
		if !strings.HasPrefix(r.HTML, "<p>") || strings.Count(r.HTML, "<p>") != 1 {
			t.Errorf("%q: %q", text, r.HTML)
		}
	}
	if fast-fastReal < 1000 || fastReal*2 < real {
		t.Errorf("the shortcut took %d listed and random texts and %d of %d real tweets: too few to say much", fast-fastReal, fastReal, real)
	}
}
