package models

import (
	"context"
	"github.com/crowdcare/crowdcare/internal/testdb"
	"html"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// eventAttr is an on…= attribute inside a tag.
var eventAttr = regexp.MustCompile(`(?i)<[a-z][^>]*\son[a-z]+\s*=`)

// FuzzMarkdown: any text renders without panicking, and the HTML never
// carries raw tags from the input or a script-capable link. What a member
// writes is either refused with a message and nothing rendered, or rendered
// as stored text is, within MaxBodyHTML, every address in it relative or
// http, https or mailto as a browser reads it, and HasLink set exactly when
// the HTML holds a link or an image.
func FuzzMarkdown(f *testing.F) {
	for _, s := range []string{"**bold** _it_", "<script>alert(1)</script>", "[x](javascript:alert(1))", "![i](data:image/png;base64,AA)",
		"<javascript:alert(1)>", "| a |\n|---|\n| b |", "```\n<b>\n```", "- [x] task", "[a](java\tscript:x)", "&lt;img src=x onerror=1&gt;",
		"[x](&#x73;earch-ms:a)", "[x](steam&#x3A;//run)", "[x](//evil.example)", "[x][r]\n\n[r]: ms-officecmd&#58;x", "www.example.com a@b.co",
		strings.Repeat("[](", 2000), strings.Repeat("> ", 100), "|a|b|\n|-|-|\n" + strings.Repeat("|\n", 3000), strings.Repeat("*a_", 1000)} {
		f.Add(s)
	}
	md := newMarkdown()
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 20000 {
			return
		}
		// What a member's form does first: a body the limits refuse is never
		// rendered, so the raw render (which such a body can keep busy for
		// seconds) is only compared for bodies they accept.
		v := validator{}
		b, err := md.renderBody(v, "body", src)
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		if len(v) != 0 {
			if v["body"] == "" || b.rendered != (rendered{}) || b.HasLink || b.Uploads != nil {
				t.Fatalf("%q refused as %v, rendered %q", src, v, b.HTML)
			}
			return
		}
		r, err := md.render(src)
		if err != nil {
			t.Fatalf("%q accepted but fails to render: %v", src, err)
		}
		if b.rendered != r || len(b.HTML) > MaxBodyHTML {
			t.Fatalf("%q: accepted as %d bytes %q, stored text renders %q", src, len(b.HTML), b.HTML, r.HTML)
		}
		low := strings.ToLower(r.HTML)
		for _, bad := range []string{"<script", "<iframe", "<svg", "href=\"javascript:", "href=\"data:", "src=\"javascript:", "src=\"data:text"} {
			if strings.Contains(low, bad) {
				t.Fatalf("%q rendered to %q", src, r.HTML)
			}
		}
		if eventAttr.MatchString(r.HTML) {
			t.Fatalf("%q rendered an event handler: %q", src, r.HTML)
		}
		if utf8.ValidString(src) && !utf8.ValidString(r.Text) {
			t.Fatalf("plain text of valid input is not valid UTF-8")
		}
		for _, m := range addressAttr.FindAllStringSubmatch(r.HTML, -1) {
			if s := browserScheme(html.UnescapeString(m[1])); s != "" && s != "http" && s != "https" && s != "mailto" {
				t.Fatalf("%q rendered a %s: link: %q", src, s, r.HTML)
			}
		}
		if live := strings.Contains(b.HTML, "<a ") || strings.Contains(b.HTML, "<img "); b.HasLink != live {
			t.Fatalf("%q: HasLink %v for %q", src, b.HasLink, b.HTML)
		}
	})
}

// addressAttr is an href or src attribute's value.
var addressAttr = regexp.MustCompile(`\s(?:href|src)="([^"]*)"`)

// browserScheme is the scheme a browser finds in an attribute's value (as
// the URL standard reads it), lower-cased, or "" for a relative address.
func browserScheme(u string) string {
	u = strings.TrimLeft(u, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"+
		"\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
	u = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(u)
	for i := 0; i < len(u); i++ {
		c := u[i] | 0x20
		switch {
		case c >= 'a' && c <= 'z':
		case i > 0 && (u[i] >= '0' && u[i] <= '9' || u[i] == '+' || u[i] == '-' || u[i] == '.'):
		case i > 0 && u[i] == ':':
			return strings.ToLower(u[:i])
		default:
			return ""
		}
	}
	return ""
}

// FuzzSearchQuery: whatever a person types, the translated query runs
// without an error, on the engine of the pass, and compiles for PostgreSQL.
func FuzzSearchQuery(f *testing.F) {
	for _, s := range []string{`"`, `*`, `-`, `OR`, `NEAR(`, `((a)`, `"a" -b c*`, `{title}:x`, `日本語`, `🙂`, "\x00", strings.Repeat("x ", 300)} {
		f.Add(s)
	}
	s, err := Open(context.Background(), testdb.Location(f, "fuzz.db"), Options{PasswordCost: bcrypt.MinCost})
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	u, err := s.CreateUser(context.Background(), NewUser{Username: "fuzzer", Email: "f@example.com", Password: "correct horse"})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := s.CreateThread(context.Background(), u, NewThread{Title: "Router reboots every night", CategorySlug: "general",
		Body: "The router reboots every night at 2am, Über schnell, ルーター."}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, q string) {
		if _, err := s.Search(context.Background(), SearchQuery{Text: q}); err != nil {
			t.Fatalf("query %q: %v", q, err)
		}
		if _, err := s.Similar(context.Background(), q, nil); err != nil {
			t.Fatalf("similar %q: %v", q, err)
		}
		// Every match expression the plan writes compiles to a tsquery (the
		// PostgreSQL back-end), whichever engine this pass runs on.
		plan, err := s.planQuery(context.Background(), q)
		if err != nil || len(plan.groups) == 0 {
			return
		}
		exprs := []string{plan.matchAny(), plan.matchCore(), plan.matchAllWords(),
			fullMatch(plan.matchCore(), "facets : zsolved AND facets : zc1", "facets : (zc2 OR zc3)")}
		if plan.hasSyn() {
			exprs = append(exprs, plan.matchSyn())
		}
		for _, g := range plan.groups {
			exprs = append(exprs, g.expr())
		}
		for _, e := range exprs {
			if _, err := compilePgQuery(e); err != nil {
				t.Fatalf("query %q: %v", q, err)
			}
		}
	})
}

// shortcutTags are the tags simpleTweetHTML writes.
var shortcutTags = regexp.MustCompile(`</?p>|<br>|<a href="[^"<>]*" rel="nofollow ugc noopener noreferrer">|</a>`)

// FuzzTweetShortcut: whatever a tweet says, the HTML and plain text
// renderTweet writes without goldmark are goldmark's own, with no tag but a
// paragraph, line breaks and links.
func FuzzTweetShortcut(f *testing.F) {
	for _, s := range []string{"@Brand my wifi drops https://t.co/x?a=1&b=2", "hello\n===", "<b>x</b> & \"q\"", "a  b\nc",
		"mail a@b.com", "https://x.y/?a&amp;b", "caf\u0301e 😩", "(https://t.co/x)", "www.example.com"} {
		f.Add(s)
	}
	md := newMarkdown()
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 2000 {
			return
		}
		src, got, err := md.renderTweet(text)
		if err != nil {
			return
		}
		want, err := md.render(src)
		if err != nil {
			return
		}
		if got != want {
			t.Fatalf("%q: shortcut %q / %q, goldmark %q / %q", text, got.HTML, got.Text, want.HTML, want.Text)
		}
		// Where the shortcut wrote it, the only tags are its own.
		if _, ok := simpleTweetHTML(strings.ReplaceAll(text, "\r", "")); ok {
			rest := shortcutTags.ReplaceAllString(got.HTML, "")
			if strings.Contains(rest, "<") {
				t.Fatalf("%q: unexpected tag in %q", text, got.HTML)
			}
		}
	})
}
