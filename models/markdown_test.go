package models

import (
	"context"
	"fmt"
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

// A new member's post is queued when its HTML holds any link or image,
// however it was written; a URL in code or an unsafe link is not a link.
func TestApprovalQueueSeesEveryLink(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	asker := mustUser(t, s, "asker")
	th := mustThread(t, s, asker, "Router reboots itself every night")
	for i, c := range []struct {
		body   string
		queued bool
	}{
		{"Have a look at [this fix](//evil.example) for it.", true},
		{"Have a look at <https://example.com/fix> for it.", true},
		{"Have a look at this picture: ![router](/static/router.png)", true},
		{"Have a look at [the fix][r] for it.\n\n[r]: /docs/fix", true},
		{"Have a look at www.example.com for the fix.", true},
		{"Write to help@example.com about the fix.", true},
		{"Have a look at [the fix](HTTPS://EXAMPLE.COM/fix).", true},
		{"Have a look at [the fix](docs/fix) in the wiki.", true},
		{"The log says `GET https://example.com/fix 404` every time.", false},
		{"```\ncurl http://192.168.1.1/reboot\n```\nreturns nothing at all.", false},
		{"Do not click [this](javascript:alert(1)) please.", false},
		{"Nothing here but words about the nightly reboot.", false},
	} {
		u := mustUser(t, s, fmt.Sprintf("newbie%d", i))
		p, err := s.CreateAnswer(ctx, u, th.ID, c.body)
		if err != nil {
			t.Fatalf("%q: %v", c.body, err)
		}
		if p.Pending != c.queued {
			t.Errorf("%q: queued %v, want %v", c.body, p.Pending, c.queued)
		}
	}
}
