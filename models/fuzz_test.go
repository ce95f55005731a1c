package models

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// eventAttr is an on…= attribute inside a tag.
var eventAttr = regexp.MustCompile(`(?i)<[a-z][^>]*\son[a-z]+\s*=`)

// FuzzMarkdown: any text renders without panicking, and the HTML never
// carries raw tags from the input or a script-capable link.
func FuzzMarkdown(f *testing.F) {
	for _, s := range []string{"**bold** _it_", "<script>alert(1)</script>", "[x](javascript:alert(1))", "![i](data:image/png;base64,AA)",
		"<javascript:alert(1)>", "| a |\n|---|\n| b |", "```\n<b>\n```", "- [x] task", "[a](java\tscript:x)", "&lt;img src=x onerror=1&gt;"} {
		f.Add(s)
	}
	md := newMarkdown()
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 20000 {
			return
		}
		r, err := md.render(src)
		if err != nil {
			return
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
	})
}

// FuzzSearchQuery: whatever a person types, the translated FTS5 query runs
// without an error.
func FuzzSearchQuery(f *testing.F) {
	for _, s := range []string{`"`, `*`, `-`, `OR`, `NEAR(`, `((a)`, `"a" -b c*`, `{title}:x`, `日本語`, `🙂`, "\x00", strings.Repeat("x ", 300)} {
		f.Add(s)
	}
	s, err := Open(context.Background(), filepath.Join(f.TempDir(), "fuzz.db"), Options{PasswordCost: bcrypt.MinCost})
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
