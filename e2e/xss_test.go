package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/crowdcare/crowdcare/media/mediatest"
	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/tweets"
)

// xssCorpus is what attackers post: every item sets window.__xss or opens a
// dialog if it ever runs.
func xssCorpus() []string {
	return []string{
		`<script>window.__xss=1;alert(1)</script>`,
		`<img src=x onerror="window.__xss=1;alert(2)">`,
		`<svg onload="window.__xss=1;alert(3)"><script>alert(3)</script></svg>`,
		`<a href="javascript:window.__xss=1;alert(4)">click me</a>`,
		`[click me](javascript:window.__xss=1;alert(5))`,
		`[data](data:text/html;base64,PHNjcmlwdD5hbGVydCg2KTwvc2NyaXB0Pg==)`,
		`![img](javascript:alert(7))`,
		`![x" onerror="alert(8)](https://example.com/a.png)`,
		`<iframe src="javascript:alert(9)"></iframe>`,
		`"><script>alert(10)</script>`,
		`'-alert(11)-'`,
		`</textarea><script>alert(12)</script>`,
		`<details open ontoggle=alert(13)>`,
		`<<script>script>alert(14)<</script>/script>`,
		`<a href="&#106;avascript:alert(15)">entity</a>`,
		`<math><mtext><table><mglyph><style><img src=x onerror=alert(16)>`,
		`{{7*7}} ${alert(17)} </script><script>alert(17)</script>`,
	}
}

// injection is what a page shows of injected content.
type injection struct {
	Flag     bool `json:"flag"`
	Inline   int  `json:"inline"`
	Handlers int  `json:"handlers"`
	Frames   int  `json:"frames"`
	JSLinks  int  `json:"jsLinks"`
}

func (i injection) any() bool {
	return i.Flag || i.Inline > 0 || i.Handlers > 0 || i.Frames > 0 || i.JSLinks > 0
}

// probe loads a page and reports scripts that ran or injected elements.
func probe(b *tab, url string) injection {
	b.t.Helper()
	b.run(chromedp.Navigate(url), chromedp.Sleep(100*time.Millisecond))
	return get(b, chromedp.Evaluate[injection](`({
		flag: typeof window.__xss !== 'undefined',
		inline: [...document.scripts].filter(s => !s.src && s.type !== 'application/ld+json').length,
		handlers: [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
		// The page's own icons are svg.icon (templates/partials/icons.html); none is ever in a post's text.
		frames: document.querySelectorAll('iframe, object, embed, main svg:not(.icon), .post-body svg, main math').length,
		jsLinks: [...document.querySelectorAll('[href], [src]')].filter(e => /^\s*(javascript|data):/i.test(e.getAttribute('href') || e.getAttribute('src') || '')).length,
	})`))
}

func checkClean(t *testing.T, b *tab, url string) {
	t.Helper()
	if got := probe(b, url); got.any() {
		t.Errorf("%s: injected content %+v", url, got)
	}
}

// TestProbeSeesInjection is the control: on a deliberately vulnerable page
// the probe must see what the corpus would do.
func TestProbeSeesInjection(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<main><p>`+strings.Join(xssCorpus(), "</p><p>")+`</p></main>`)
	}))
	defer srv.Close()
	b := newTab(t, 1280, 900)
	got := probe(b, srv.URL)
	if !got.Flag || got.Inline == 0 || got.Handlers == 0 || got.JSLinks == 0 {
		t.Fatalf("the probe missed injected content: %+v", got)
	}
	if len(b.problems()) == 0 {
		t.Fatal("no dialog was recorded on a page that opens them")
	}
}

// TestXSSCorpusNeverRuns posts the corpus as questions, answers, titles,
// tags, usernames and tweet text, then opens every page in Chromium.
func TestXSSCorpusNeverRuns(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	// Staff are exempt from the hourly posting limit, so the whole corpus gets in.
	u := s.user("attacker", models.RoleModerator)
	for i, p := range xssCorpus() {
		th, err := s.store.CreateThread(ctx, u, models.NewThread{Title: "Title " + p, CategorySlug: "general", Body: "Body " + p + " " + p})
		if err != nil {
			t.Fatalf("payload %d: %v", i, err)
		}
		if _, err := s.store.CreateAnswer(ctx, u, th.ID, "Answer "+p+" padding padding"); err != nil {
			t.Fatal(err)
		}
	}
	// Tags and usernames cannot hold markup: the forms refuse it.
	if _, err := s.store.CreateThread(ctx, u, models.NewThread{Title: "A tag attack here", CategorySlug: "general", Body: "Body long enough for the form.", Tags: `<script>alert(1)</script>`}); err == nil {
		t.Error("a tag with markup was accepted")
	}
	if _, err := s.store.CreateUser(ctx, models.NewUser{Username: `<img src=x onerror=alert(1)>`, Email: "x@example.com", Password: "correct horse"}); err == nil {
		t.Error("a username with markup was accepted")
	}
	// Tweet text, imported as a thread.
	im, err := s.store.NewImporter(ctx, models.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range xssCorpus() {
		im.Add(ctx, tweets.Tweet{ID: "99" + strings.Repeat("0", i+1), AuthorHandle: "tweeter", Text: "@ExampleCare help " + p, CreatedAt: time.Now().UTC()})
	}
	if _, err := im.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	b := newTab(t, 1280, 900)
	pages := []string{"/", "/?page=2", "/u/attacker", "/u/tweeter", "/search?q=alert", "/search?q=" + "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "/feed.atom"}
	list, _ := s.store.Threads(ctx, models.ThreadQuery{})
	for p := 1; p <= list.Pages; p++ {
		l, _ := s.store.Threads(ctx, models.ThreadQuery{Page: p})
		for _, th := range l.Threads {
			pages = append(pages, th.URL())
		}
	}
	for _, p := range pages {
		if p == "/feed.atom" {
			continue // XML, checked for escaping by the feed tests
		}
		checkClean(t, b, s.url+p)
	}
	// The search box echoes the query into the page: typed, not pasted into HTML.
	b.run(chromedp.Navigate(s.url+"/"), chromedp.SendKeys(chromedp.CSS("#site-search-q"), `"><script>alert(1)</script>`),
		chromedp.Submit(chromedp.CSS("#site-search-q")),
		// Only the search page has this box: "h1" matched the page being left.
		chromedp.WaitVisible(chromedp.CSS("#search-page-q")))
	checkClean(t, b, b.location())
	if p := b.problems(); len(p) > 0 {
		t.Fatalf("dialogs or script errors: %v", p)
	}
	if len(pages) < 30 {
		t.Fatalf("only %d pages checked", len(pages))
	}
}

// TestHostileUploadsNeverRun is the XSS corpus for files: a PNG that is also
// an HTML page is taken but comes out a plain PNG; an SVG with a script, an
// HTML page renamed .png and a decompression bomb are refused; nothing runs
// on the thread that shows the upload, nor on the upload opened on its own.
func TestHostileUploadsNeverRun(t *testing.T) {
	s := newSite(t)
	s.user("mallory", models.RoleMember)
	b := newTab(t, 1280, 900)
	b.login(s.url, "mallory")
	b.run(chromedp.Navigate(s.url + "/ask"))
	for _, bad := range []struct {
		name string
		data []byte
	}{
		{"logo.svg", []byte(mediatest.SVGWithScript)},
		{"cute-cat.png", []byte(mediatest.HTMLPage)},
		{"bomb.png", mediatest.BombPNG(200000, 200000)},
		{"page.html", []byte(mediatest.HTMLPage)},
	} {
		if r := uploadFromPage(b, bad.name, bad.data); r.Status != 422 || r.Body["error"] == "" {
			t.Errorf("%s: %d %v, want a refusal", bad.name, r.Status, r.Body)
		}
	}
	poly := uploadFromPage(b, "innocent.png", mediatest.PolyglotPNG())
	if poly.Status != 201 {
		t.Fatalf("polyglot PNG: %d %v", poly.Status, poly.Body)
	}
	note := uploadFromPage(b, "notes.txt", []byte("router notes\n<script>window.__xss=1;alert('txt')</script>\n"))
	if note.Status != 201 {
		t.Fatalf("text file: %d %v", note.Status, note.Body)
	}
	b.run(chromedp.SendKeys(chromedp.CSS("#f-title"), "Pictures of the router's back panel"),
		chromedp.SetValue(chromedp.CSS("#f-category"), "general"),
		chromedp.SetValue(chromedp.CSS("#f-body"), "See the picture:\n\n"+poly.Body["markdown"]+"\n\n"+note.Body["markdown"]),
		chromedp.Click(chromedp.CSS(`form[action="/ask"] button[type=submit]:not([name])`)),
		chromedp.WaitVisible(chromedp.CSS(`.thread-head`)))
	thread := b.location()
	checkClean(t, b, thread)
	// The upload opened on its own: an image, nothing else.
	checkClean(t, b, s.url+poly.Body["url"])
	if ct := get(b, chromedp.Evaluate[string](`document.contentType`)); ct != "image/png" {
		t.Errorf("the polyglot opened on its own is %q", ct)
	}
	if p := b.problems(); len(p) > 0 {
		t.Fatalf("dialogs or script errors: %v", p)
	}
	if !strings.Contains(note.Body["url"], "/notes.txt") {
		t.Errorf("text file address %q", note.Body["url"])
	}
}
