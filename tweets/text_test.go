package tweets

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestCleanText(t *testing.T) {
	cases := []struct {
		name, in string
		links    []link
		want     string
	}{
		{"entities once", "a &amp; b &lt;3 &amp;lt; &gt;", nil, "a & b <3 &lt; >"},
		{"trim, keep newlines", "  \n line one\n\nline two \t\n", nil, "line one\n\nline two"},
		{"line endings", "a\r\nb\rc", nil, "a\nb\nc"},
		{"emoji before link", "😀👍🏽 look https://t.co/abc123 ok",
			[]link{{URL: "https://t.co/abc123", Expanded: "https://example.com/ä?q=1&x=2"}},
			"😀👍🏽 look https://example.com/ä?q=1&x=2 ok"},
		{"link twice and prefix-sharing links", "http://t.co/ab http://t.co/abc http://t.co/ab",
			[]link{{URL: "http://t.co/ab", Expanded: "https://one.example"}, {URL: "http://t.co/abc", Expanded: "https://two.example"}},
			"https://one.example https://two.example https://one.example"},
		{"no expansion known", "see https://t.co/x", []link{{URL: "https://t.co/x"}}, "see https://t.co/x"},
		{"ZWJ family and flags", "👨‍👩‍👧 🤦🏾‍♂️ 🇦🇷 🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f", nil, "👨‍👩‍👧 🤦🏾‍♂️ 🇦🇷 🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"},
		{"combining marks kept decomposed", "Cafe\u0301 n\u0303", nil, "Cafe\u0301 n\u0303"},
		{"RTL", "שלום עולם مرحبا", nil, "שלום עולם مرحبا"},
	}
	for _, c := range cases {
		if got := cleanText(c.in, c.links); got != c.want {
			t.Errorf("%s: cleanText = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestLinksFromExpandedList(t *testing.T) {
	text := "at http://t.co/KbrW20Mv or http://t.co/qec5llS9"
	got := cleanText(text, linksFromExpandedList(text, []string{"http://mlkshk.com", "http://itunes.apple.com/x"}))
	if got != "at http://mlkshk.com or http://itunes.apple.com/x" {
		t.Errorf("got %q", got)
	}
	if l := linksFromExpandedList(text, []string{"http://only-one.example"}); l != nil {
		t.Errorf("mismatched counts paired: %v", l)
	}
}

func TestParseTime(t *testing.T) {
	want := time.Date(2012, 7, 1, 2, 47, 5, 0, time.UTC)
	for _, in := range []string{
		"Sun Jul 01 02:47:05 +0000 2012",
		"Sat Jun 30 21:47:05 -0500 2012",
		"2012-07-01T02:47:05.000Z",
		"2012-07-01T02:47:05Z",
		"2012-07-01T04:47:05+02:00",
		"2012-07-01 02:47:05 +0000",
		"2012-07-01T02:47:05",
	} {
		got, err := parseTime(in)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("parseTime(%q) = %v, %v", in, got, err)
		}
	}
	if got, err := parseTime(""); err != nil || !got.IsZero() {
		t.Errorf("empty: %v, %v", got, err)
	}
	if _, err := parseTime("yesterday"); err == nil {
		t.Error("parseTime accepted garbage")
	}
}

func TestCSVID(t *testing.T) {
	for in, want := range map[string]string{"3": "3", "3.0": "3", " 12.00 ": "12", "119237.0": "119237"} {
		if got, ok := csvID(in); !ok || got != want {
			t.Errorf("csvID(%q) = %q, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "1.2E+17", "3.5", "-1", "abc", "."} {
		if got, ok := csvID(in); ok {
			t.Errorf("csvID(%q) accepted as %q", in, got)
		}
	}
}

func TestRepairMojibake(t *testing.T) {
	cases := map[string]string{
		"Just click ‚ÄòMessage‚Äô at the top": "Just click ‘Message’ at the top",
		"family ? \uf8ffü§• \uf8ffüíØ":        "family ? 🤥 💯",
		"caf√©":                               "café",
		// Correct text, even with characters Mac Roman has, is left alone.
		"café naïve – “quoted” …": "café naïve – “quoted” …",
		"日本語のテキスト":                "日本語のテキスト",
		"plain ascii":             "plain ascii",
		"שלום":                    "שלום",
		// Damaged and intact parts in one text: only the damage is mended.
		"🤥 already fine, ‚Äòbroken‚Äô": "🤥 already fine, ‘broken’",
	}
	for in, want := range cases {
		if got := repairMojibake(in); got != want {
			t.Errorf("repairMojibake(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMentionsAndHashtagsFromText(t *testing.T) {
	text := "@AskPayPal hi @115712, mail me a@b.c #café #123 #ok_2 &#39;"
	if got := mentionsIn(text); len(got) != 2 || got[0] != "AskPayPal" || got[1] != "115712" {
		t.Errorf("mentions = %q", got)
	}
	if got := hashtagsIn(text); len(got) != 2 || got[0] != "café" || got[1] != "ok_2" {
		t.Errorf("hashtags = %q", got)
	}
}

// TestEntitiesOrTextDecideMentions: a record with entities takes its
// mentions, tags and links from them (a handle only written in the text is
// not one); a record without them has its text parsed instead. Both API
// versions, whose missing entities are nil pointers of their own types.
func TestEntitiesOrTextDecideMentions(t *testing.T) {
	const text = "@ExampleCare help #outage https://example.com/x"
	cases := []struct {
		name, body string
		mentions   int
	}{
		{"v1 without entities", `[{"id_str": "11", "full_text": "` + text + `", "created_at": "Wed Oct 10 20:19:24 +0000 2018", "user": {"screen_name": "ann"}}]`, 1},
		{"v1 with empty entities", `[{"id_str": "12", "full_text": "` + text + `", "created_at": "Wed Oct 10 20:19:24 +0000 2018", "user": {"screen_name": "ann"},
			"entities": {"user_mentions": [], "hashtags": [], "urls": []}}]`, 0},
		{"v2 without entities", `{"data": [{"id": "21", "text": "` + text + `", "author_id": "5", "created_at": "2022-10-10T20:19:24.000Z"}]}`, 1},
		{"v2 with empty entities", `{"data": [{"id": "22", "text": "` + text + `", "author_id": "5", "created_at": "2022-10-10T20:19:24.000Z",
			"entities": {"annotations": []}}]}`, 0},
	}
	for _, c := range cases {
		path := filepath.Join(t.TempDir(), "in.json")
		if err := os.WriteFile(path, []byte(c.body), 0o600); err != nil {
			t.Fatal(err)
		}
		var got []Tweet
		if _, err := ReadFile(path, func(tw Tweet) error { got = append(got, tw); return nil }); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(got) != 1 {
			t.Fatalf("%s: read %d tweets", c.name, len(got))
		}
		tw := got[0]
		if len(tw.Mentions) != c.mentions || len(tw.Hashtags) != c.mentions || len(tw.URLs) != c.mentions {
			t.Errorf("%s: mentions %q, hashtags %q, links %q; want %d of each", c.name, tw.Mentions, tw.Hashtags, tw.URLs, c.mentions)
		}
	}
}
