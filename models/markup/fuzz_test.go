package markup

import (
	"errors"
	"html"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
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
	md := New()
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 20000 {
			return
		}
		// What a member's form does first: a body the limits refuse is never
		// rendered, so the raw render (which such a body can keep busy for
		// seconds) is only compared for bodies they accept.
		b, err := md.RenderBody(src)
		if le := (*LimitError)(nil); errors.As(err, &le) {
			if le.Reason == "" || b.Rendered != (Rendered{}) || b.HasLink || b.Uploads != nil {
				t.Fatalf("%q refused as %q, rendered %q", src, le.Reason, b.HTML)
			}
			return
		}
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		r, err := md.Render(src)
		if err != nil {
			t.Fatalf("%q accepted but fails to render: %v", src, err)
		}
		if b.Rendered != r || len(b.HTML) > MaxBodyHTML {
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
	md := New()
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 2000 {
			return
		}
		src, got, err := md.RenderTweet(text)
		if err != nil {
			return
		}
		want, err := md.Render(src)
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
