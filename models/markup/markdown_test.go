package markup

import (
	"strings"
	"testing"
)

// The scheme is decided on the address the HTML carries: after character
// references, backslash escapes and percent-encoding are resolved.
func TestOnlyWebMailAndRelativeLinksStayLive(t *testing.T) {
	md := New()
	for _, src := range []string{
		"[x](&#x73;earch-ms:query=a)", "[x](ms-officecmd&#58;{})", "[x](steam&#x3A;//run/1)", "[x](ftp://example.com/a)",
		"[x](ftp&#x3A;//example.com/a)", "[x](javascript&colon;alert(1))", "[x](java&#x09;script:alert(1))",
		"[x](%6Aavascript:alert(1))", "[x](\\javascript:alert(1))", "![i](&#x73;earch-ms:x)", "[x][r]\n\n[r]: &#x73;earch-ms:x",
		"<ftp://example.com/a>", "ftp://example.com/a", "[x](tel:123)", "[x](JAVASCRIPT:alert(1))", "[x](&#0;javascript:alert(1))",
	} {
		r, err := md.Render(src)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(r.HTML, "href=") || strings.Contains(r.HTML, "src=") || strings.Contains(r.HTML, "<a") {
			t.Errorf("%q renders a live link: %q", src, r.HTML)
		}
	}
	for src, want := range map[string]string{
		"[x](https://example.com/a)": `href="https://example.com/a"`, "[x](HTTP://example.com)": `href="HTTP://example.com"`,
		"[x](mailto:a@example.com)": `href="mailto:a@example.com"`, "[x](/t/1/router)": `href="/t/1/router"`,
		"[x](#answers)": `href="#answers"`, "[x](?page=2)": `href="?page=2"`, "[x](//example.com/a)": `href="//example.com/a"`,
		"[x](a:b/c)": "", "![i](/static/a.png)": `src="/static/a.png"`, "[x](docs/a:b)": `href="docs/a:b"`,
		"www.example.com": `href="http://www.example.com"`, "a@example.com": `href="mailto:a@example.com"`,
	} {
		r, err := md.Render(src)
		if err != nil {
			t.Fatal(err)
		}
		if want == "" {
			if strings.Contains(r.HTML, "href=") {
				t.Errorf("%q renders a live link: %q", src, r.HTML)
			}
		} else if !strings.Contains(r.HTML, want) {
			t.Errorf("%q: %q lacks %q", src, r.HTML, want)
		}
	}
}

func TestMarkdownNeutralisesUnsafeLinks(t *testing.T) {
	md := New()
	cases := map[string]struct{ in, mustNot, must string }{
		"raw html":        {"hi <script>alert(1)</script>", "<script>", "hi"},
		"js link":         {"[click](javascript:alert(1))", "javascript:", "click"},
		"js link tab":     {"[click](java\tscript:alert(1))", "href", "click"},
		"data link":       {"[x](data:text/html;base64,PHNjcmlwdD4=)", "data:", "x"},
		"data image":      {"![pic](data:image/png;base64,AAAA)", "data:", "pic"},
		"js autolink":     {"<javascript:alert(1)>", "href=\"javascript", "javascript:alert(1)"},
		"event attr":      {`<img src=x onerror=alert(1)>`, "<img", ""},
		"https link":      {"[ok](https://example.com)", "javascript", `href="https://example.com" rel="nofollow ugc noopener noreferrer"`},
		"gfm table":       {"| a | b |\n|---|---|\n| 1 | 2 |", "<script", "<table>"},
		"gfm strike":      {"~~old~~", "<script", "<del>old</del>"},
		"gfm tasks":       {"- [x] done", "<script", `type="checkbox"`},
		"gfm autolink":    {"see www.example.com", "<script", `href="http://www.example.com"`},
		"fenced code":     {"```\n<b>x</b>\n```", "<b>", "&lt;b&gt;"},
		"emphasis in bad": {"[**bold**](javascript:x)", "href", "<strong>bold</strong>"},
	}
	for name, c := range cases {
		r, err := md.Render(c.in)
		out := r.HTML
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if strings.Contains(out, c.mustNot) {
			t.Errorf("%s: output %q contains %q", name, out, c.mustNot)
		}
		if !strings.Contains(out, c.must) {
			t.Errorf("%s: output %q lacks %q", name, out, c.must)
		}
	}
}

func TestTweetMarkdownShowsTextLiterally(t *testing.T) {
	md := New()
	r, err := md.Render(TweetMarkdown("*not bold* <script>alert(1)</script> # no heading\n1. not a list [x](javascript:y) https://example.com/a_b"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"*not bold*", "&lt;script&gt;", "# no heading", "<br", "1. not a list", `href="https://example.com/a_b"`} {
		if !strings.Contains(r.HTML, want) {
			t.Errorf("%q missing from %s", want, r.HTML)
		}
	}
	// The plain text (snippets, the search index) reads as the page does, without the escapes.
	if want := "*not bold* <script>alert(1)</script> # no heading 1. not a list [x](javascript:y) https://example.com/a_b"; r.Text != want {
		t.Errorf("text:\n%s\nwant\n%s", r.Text, want)
	}
	for _, bad := range []string{"<em>", "<script>", "<h1>", "<ol>", `href="javascript`} {
		if strings.Contains(r.HTML, bad) {
			t.Errorf("%q in %s", bad, r.HTML)
		}
	}
}
