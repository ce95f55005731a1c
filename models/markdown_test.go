package models

import (
	"strings"
	"testing"
)

// The scheme is decided on the address the HTML carries: after character
// references, backslash escapes and percent-encoding are resolved.
func TestOnlyWebMailAndRelativeLinksStayLive(t *testing.T) {
	md := newMarkdown()
	for _, src := range []string{
		"[x](&#x73;earch-ms:query=a)", "[x](ms-officecmd&#58;{})", "[x](steam&#x3A;//run/1)", "[x](ftp://example.com/a)",
		"[x](ftp&#x3A;//example.com/a)", "[x](javascript&colon;alert(1))", "[x](java&#x09;script:alert(1))",
		"[x](%6Aavascript:alert(1))", "[x](\\javascript:alert(1))", "![i](&#x73;earch-ms:x)", "[x][r]\n\n[r]: &#x73;earch-ms:x",
		"<ftp://example.com/a>", "ftp://example.com/a", "[x](tel:123)", "[x](JAVASCRIPT:alert(1))", "[x](&#0;javascript:alert(1))",
	} {
		r, err := md.render(src)
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
		r, err := md.render(src)
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
