package handlers

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
)

func TestNegotiateEncoding(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   encoding
	}{
		{"", identity},
		{"gzip", gzipped},
		{"br", brotlied},
		{"gzip, deflate, br, zstd", brotlied}, // a browser
		{"gzip, deflate", gzipped},
		{"br;q=0, gzip", gzipped},
		{"br;q=0.5, gzip;q=0.8", gzipped},
		{"br;q=1.0, gzip;q=1.0", brotlied},
		{"gzip;q=0", identity},
		{"br;q=0, gzip;q=0", identity},
		{"*", brotlied},
		{"*;q=0.5, br;q=0", gzipped},
		{"identity", identity},
		{"identity;q=0, *;q=0", identity}, // nothing acceptable: sent as it is anyway
		{"deflate, zstd", identity},
		{"GZIP", gzipped},
		{" br ; q=0.9 , gzip ; q=0.1 ", brotlied},
		{"br;q=nonsense, gzip", gzipped}, // an item that does not parse is left out
		{"br;q=2, gzip", gzipped},
		{"x-gzip", gzipped},
		{"gzip;q=0.3, identity;q=0.5", identity},
	} {
		if got := negotiate(tc.header); got != tc.want {
			t.Errorf("Accept-Encoding %q: %q, want %q", tc.header, got.token(), tc.want.token())
		}
	}
}

func TestCompressibleTypes(t *testing.T) {
	for ct, want := range map[string]bool{
		"text/html; charset=UTF-8":            true,
		"text/css; charset=utf-8":             true,
		"text/javascript; charset=utf-8":      true,
		"application/json":                    true,
		"application/atom+xml; charset=utf-8": true,
		"application/xml; charset=utf-8":      true,
		"text/csv; charset=utf-8":             true,
		"image/png":                           false,
		"image/jpeg":                          false,
		"image/svg+xml":                       false,
		"image/x-icon":                        false,
		"application/zip":                     false,
		"application/gzip":                    false,
		"application/octet-stream":            false,
		"":                                    false,
	} {
		if got := compressible(ct); got != want {
			t.Errorf("compressible(%q) = %v, want %v", ct, got, want)
		}
	}
}

// decode undoes a Content-Encoding.
func decode(t *testing.T, enc string, b []byte) []byte {
	t.Helper()
	var r io.Reader
	switch enc {
	case "br":
		r = brotli.NewReader(bytes.NewReader(b))
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		r = zr
	case "":
		return b
	default:
		t.Fatalf("unexpected Content-Encoding %q", enc)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decode %s: %v", enc, err)
	}
	return out
}

var submissionKey = regexp.MustCompile(`name="_submission" value="[^"]*"`)

// getWith sends a GET as c's browser with extra request headers; the body is
// what came over the wire (the client does not decompress it).
func (c *client) getWith(path string, hdr map[string]string) *response {
	c.app.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.app.srv.URL+path, nil)
	if err != nil {
		c.app.t.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", "identity") // set, so the transport decodes nothing
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	return c.do(req)
}

// TestEncodingsDecompressToThePage: every kind of text response comes in the
// encoding Accept-Encoding asks for, its bytes decompress to exactly the
// uncompressed response, and it says Vary: Accept-Encoding.
func TestEncodingsDecompressToThePage(t *testing.T) {
	a := newApp(t)
	asker, peer := a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	thread, _ := solve(t, a, asker, peer, "Router reboots itself every night", strings.Repeat("Disable the nightly maintenance window in Settings. ", 30))
	visitor := a.client()
	css := regexpFind(t, visitor.get("/").Body, `href="(/static/[^"]+/css/site\.css)"`)
	for _, tc := range []struct {
		who  *client
		path string
	}{
		{visitor, "/"}, {visitor, thread}, {visitor, "/feed.atom"}, {visitor, "/sitemap.xml"}, {visitor, css},
		{asker, "/"}, {asker, thread}, {asker, "/settings"}, {visitor, "/login"},
	} {
		tc.who.getWith(tc.path, nil) // a flash left by the last action is shown once
		plain := tc.who.getWith(tc.path, nil)
		if plain.Code != http.StatusOK || plain.Header.Get("Content-Encoding") != "" {
			t.Fatalf("%s uncompressed: %d %q", tc.path, plain.Code, plain.Header.Get("Content-Encoding"))
		}
		for accept, want := range map[string]string{"gzip, deflate, br": "br", "gzip": "gzip", "br;q=0, gzip;q=0.5": "gzip", "br;q=0, gzip;q=0": ""} {
			if len(plain.Body) < minCompress {
				want = "" // too small to gain
			}
			res := tc.who.getWith(tc.path, map[string]string{"Accept-Encoding": accept})
			if got := res.Header.Get("Content-Encoding"); res.Code != http.StatusOK || got != want {
				t.Errorf("%s, Accept-Encoding %q: %d, Content-Encoding %q, want %q", tc.path, accept, res.Code, got, want)
				continue
			}
			if want != "" && !strings.Contains(strings.Join(res.Header.Values("Vary"), ","), "Accept-Encoding") {
				t.Errorf("%s: Vary %q lacks Accept-Encoding", tc.path, res.Header.Values("Vary"))
			}
			// Members' forms are rendered per request, each with its own submission key.
			got := submissionKey.ReplaceAllString(string(decode(t, want, []byte(res.Body))), "")
			if got != submissionKey.ReplaceAllString(plain.Body, "") {
				t.Errorf("%s in %q: %d bytes decoded, %d uncompressed, not the same", tc.path, want, len(got), len(plain.Body))
			}
			if want != "" && len(plain.Body) > 2000 && len(res.Body) >= len(plain.Body)*2/3 {
				t.Errorf("%s in %s: %d bytes of %d", tc.path, want, len(res.Body), len(plain.Body))
			}
		}
	}
	// An error page is compressed too.
	res := visitor.getWith("/t/999999/nothing", map[string]string{"Accept-Encoding": "br"})
	if res.Code != http.StatusNotFound || res.Header.Get("Content-Encoding") != "br" ||
		!strings.Contains(string(decode(t, "br", []byte(res.Body))), "Page not found") {
		t.Errorf("404: %d %q", res.Code, res.Header.Get("Content-Encoding"))
	}
}

// TestNoEncodingForImages: images and other binary types go out as they are,
// whatever the client accepts.
func TestNoEncodingForImages(t *testing.T) {
	h := &Handler{}
	e := echo.New()
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 8000)...)
	e.GET("/img", func(c echo.Context) error { return c.Blob(http.StatusOK, "image/png", png) }, h.compressResponses)
	e.GET("/zip", func(c echo.Context) error { return c.Blob(http.StatusOK, "application/zip", png) }, h.compressResponses)
	e.GET("/text", func(c echo.Context) error { return c.String(http.StatusOK, strings.Repeat("text ", 2000)) }, h.compressResponses)
	for path, want := range map[string]string{"/img": "", "/zip": "", "/text": "br"} {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Accept-Encoding", "br, gzip")
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if got := rec.Header().Get("Content-Encoding"); got != want {
			t.Errorf("%s: Content-Encoding %q, want %q", path, got, want)
		}
		if want == "" && !bytes.Equal(rec.Body.Bytes(), png) {
			t.Errorf("%s: body changed", path)
		}
	}
	// The favicon (an image) is served as it is too.
	a := newApp(t)
	v := a.client()
	icon := regexpFind(t, v.get("/").Body, `href="(/static/[^"]+/img/favicon\.svg)"`)
	if res := v.getWith(icon, map[string]string{"Accept-Encoding": "br, gzip"}); res.Code != http.StatusOK || res.Header.Get("Content-Encoding") != "" {
		t.Errorf("favicon: %d, Content-Encoding %q", res.Code, res.Header.Get("Content-Encoding"))
	}
}

// TestRevalidationGets304: a cached visitor page and a static file carry a
// strong ETag (another for each encoding) and a matching If-None-Match or
// If-Modified-Since gets 304 without a body; a changed page gets a new tag.
func TestRevalidationGets304(t *testing.T) {
	a := newApp(t)
	asker := a.client()
	asker.register("asker")
	thread := asker.ask("Router reboots itself every night")
	v := a.client()
	css := regexpFind(t, v.get("/").Body, `href="(/static/[^"]+/css/site\.css)"`)
	for _, path := range []string{"/", thread, css} {
		first := v.getWith(path, map[string]string{"Accept-Encoding": "br"})
		etag := first.Header.Get("ETag")
		if first.Code != http.StatusOK || !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `-br"`) {
			t.Fatalf("%s: %d, ETag %q", path, first.Code, etag)
		}
		// A static file is the same whatever the cookies; a page is not.
		if vary := strings.Join(first.Header.Values("Vary"), ", "); hasToken(vary, "Cookie") != (path != css) {
			t.Errorf("%s: Vary %q", path, vary)
		}
		plain := v.getWith(path, nil)
		if plain.Header.Get("ETag") == etag || plain.Header.Get("ETag") != strings.TrimSuffix(etag, `-br"`)+`"` {
			t.Errorf("%s: ETag uncompressed %q, in Brotli %q", path, plain.Header.Get("ETag"), etag)
		}
		for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
			res := v.getWith(path, map[string]string{"Accept-Encoding": "br", "If-None-Match": inm})
			if res.Code != http.StatusNotModified || res.Body != "" || res.Header.Get("ETag") != etag {
				t.Errorf("%s, If-None-Match %s: %d, %d bytes, ETag %q", path, inm, res.Code, len(res.Body), res.Header.Get("ETag"))
			}
		}
		if res := v.getWith(path, map[string]string{"Accept-Encoding": "br", "If-None-Match": `"other"`}); res.Code != http.StatusOK {
			t.Errorf("%s, another tag: %d", path, res.Code)
		}
		if lm := first.Header.Get("Last-Modified"); path != css {
			if res := v.getWith(path, map[string]string{"If-Modified-Since": lm}); res.Code != http.StatusNotModified {
				t.Errorf("%s, If-Modified-Since %q: %d", path, lm, res.Code)
			}
			old := time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)
			if res := v.getWith(path, map[string]string{"If-Modified-Since": old}); res.Code != http.StatusOK {
				t.Errorf("%s, modified since an hour ago: %d", path, res.Code)
			}
		}
	}
	// A change makes another page, and another tag.
	before := v.getWith(thread, nil).Header.Get("ETag")
	asker.answer(thread, "It was the nightly maintenance window.")
	after := v.getWith(thread, map[string]string{"If-None-Match": before})
	if after.Code != http.StatusOK || after.Header.Get("ETag") == before || !strings.Contains(after.Body, "nightly maintenance window") {
		t.Fatalf("after an answer: %d, ETag %q (was %q)", after.Code, after.Header.Get("ETag"), before)
	}
}

// TestSharedCachingMatrix: who may keep each kind of page. A member's or
// staff member's page is never "public"; a visitor's page marked "public"
// sets no cookie and holds no CSRF token; form pages, flashes, a theme
// cookie and a voter's session never get "public"; the visitor pages that
// should be kept by a CDN are, the KB article (its vote form takes no
// token from visitors) included.
func TestSharedCachingMatrix(t *testing.T) {
	a := newApp(t)
	asker, peer := a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	thread, _ := solve(t, a, asker, peer, "Router reboots itself every night", "Disable the nightly maintenance window.")
	article := articlePath(t, a, thread)
	staff := a.client()
	staff.register("boss")
	if err := a.store.SetRole(context.Background(), "boss", models.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	css := regexpFind(t, a.client().get("/").Body, `href="(/static/[^"]+/css/site\.css)"`)
	type kind struct {
		name, path string
		public     bool // for a visitor without cookies
	}
	kinds := []kind{
		{"home", "/", true}, {"category", "/c/general", true}, {"thread", thread, true},
		{"KB list", "/kb", true}, {"search", "/search?q=router", true}, {"feed", "/feed.atom", true},
		{"KB feed", "/kb/feed.atom", true}, {"sitemap", "/sitemap.xml", true}, {"profile", "/u/asker", true},
		{"static", css, true}, {"KB article", article, true},
		{"login form", "/login", false}, {"register form", "/register", false},
		{"not found", "/t/999999/nope", false}, {"robots", "/robots.txt", true},
	}
	check := func(who string, c *client, k kind, hdr map[string]string, wantPublic bool) {
		t.Helper()
		for i := 0; i < 2; i++ { // the render, then the cache
			res := c.getWith(k.path, hdr)
			cc := res.Header.Get("Cache-Control")
			public := isPublic(cc)
			if public {
				if cookies := res.Header.Values("Set-Cookie"); len(cookies) > 0 {
					t.Errorf("%s, %s: public (%q) and sets cookies %q", who, k.name, cc, cookies)
				}
				if strings.Contains(res.Body, `name="_csrf"`) {
					t.Errorf("%s, %s: public (%q) with a CSRF token in a form", who, k.name, cc)
				}
			}
			if public != wantPublic {
				t.Errorf("%s, %s (request %d): Cache-Control %q, want public %v", who, k.name, i+1, cc, wantPublic)
			}
			if !public && strings.Contains(res.Body, `name="_csrf"`) && !strings.Contains(cc, "no-store") {
				t.Errorf("%s, %s: a form's token, Cache-Control %q", who, k.name, cc)
			}
		}
	}
	// A visitor who voted on the article: their session cookie holds a
	// voter id, and the article page shows their vote.
	voter := a.client()
	if res := voter.postVote("/kb/"+strings.Split(article, "/")[2]+"/vote", "yes", "", map[string]string{"Sec-Fetch-Site": "same-origin"}); res.Code != http.StatusSeeOther {
		t.Fatalf("vote: %d", res.Code)
	}
	if res := voter.getWith("/", nil); !strings.Contains(res.Body, "Thanks for your feedback!") || res.Header.Get("Cache-Control") != ccNoStore {
		t.Errorf("page with a flash: Cache-Control %q", res.Header.Get("Cache-Control"))
	}
	visitor := a.client()
	for _, k := range kinds {
		check("visitor", visitor, k, nil, k.public)
		check("member", asker, k, nil, k.name == "static")
		check("staff", staff, k, nil, k.name == "static")
		check("visitor with a theme", a.client(), k, map[string]string{"Cookie": "theme=dark"}, k.name == "static")
		check("visitor who voted", voter, k, nil, k.name == "static")
	}
	// The voter's article page is their own: it shows their vote, and nobody keeps it.
	res := voter.getWith(article, nil)
	if cc := res.Header.Get("Cache-Control"); cc != ccNoStore || !strings.Contains(res.Body, "You said this helped") {
		t.Errorf("voter's article page: Cache-Control %q", cc)
	}
	if res := visitor.getWith(article, nil); strings.Contains(res.Body, "You said this helped") {
		t.Error("another visitor's article page shows the voter's vote")
	}
	// Staff pages and members' forms.
	for _, k := range []kind{{"ask form", "/ask", false}, {"settings", "/settings", false}, {"admin settings", "/admin/settings", false}, {"mod queue", "/mod/queue", false}} {
		check("staff", staff, k, nil, false)
	}
	check("member", asker, kind{"ask form", "/ask", false}, nil, false)
}

// TestThemeCookieIsPartOfTheCacheKey: a visitor who chose a look gets the
// page rendered for it, not the one cached for the others, and the reverse.
func TestThemeCookieIsPartOfTheCacheKey(t *testing.T) {
	req := func(cookie string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/?page=2", nil)
		if cookie != "" {
			r.Header.Set("Cookie", cookie)
		}
		return r
	}
	keys := map[string]string{}
	for _, ck := range []string{"", "theme=dark", "theme=light", "theme=pink", "_csrf=abc"} {
		keys[ck] = cacheKey(req(ck))
	}
	if keys[""] == keys["theme=dark"] || keys[""] == keys["theme=light"] || keys["theme=dark"] == keys["theme=light"] {
		t.Fatalf("theme not in the key: %q", keys)
	}
	// A value the page ignores, or another cookie, is the default page.
	if keys["theme=pink"] != keys[""] || keys["_csrf=abc"] != keys[""] {
		t.Fatalf("keys %q", keys)
	}

	pc, e := pageCacheAlone(t)
	e.GET("/", func(c echo.Context) error { return c.HTML(http.StatusOK, "look: "+themeOf(c.Request())) }, pc.middleware)
	for i := 0; i < 2; i++ {
		for _, ck := range []string{"", "theme=dark", "theme=light"} {
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req(ck))
			r := req(ck)
			if want := "look: " + themeOf(r); rec.Body.String() != want {
				t.Fatalf("cookie %q: %q, want %q", ck, rec.Body.String(), want)
			}
			if public := isPublic(rec.Header().Get("Cache-Control")); public != (ck == "") {
				t.Fatalf("cookie %q: Cache-Control %q", ck, rec.Header().Get("Cache-Control"))
			}
		}
	}
}

// TestSharedCacheSettings: the max-age and stale-while-revalidate of
// visitors' pages come from the configuration; a negative max-age lets no
// shared cache keep them.
func TestSharedCacheSettings(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, "public, max-age=30, stale-while-revalidate=60"},
		{Config{SharedMaxAge: 5 * time.Minute, SharedStale: time.Hour}, "public, max-age=300, stale-while-revalidate=3600"},
		{Config{SharedMaxAge: 10 * time.Second, SharedStale: -1}, "public, max-age=10"},
		{Config{SharedMaxAge: -1}, ccPrivateRevalidate},
	} {
		a, _ := appWithHandler(t, tc.cfg)
		for i := 0; i < 2; i++ {
			if cc := a.client().get("/").Header.Get("Cache-Control"); cc != tc.want {
				t.Errorf("%+v: %q, want %q", tc.cfg, cc, tc.want)
			}
		}
	}
}

// TestInvalidatedPageIsServedWhileOneRequestRendersItAgain: after a write,
// one request renders the page again while the others get the previous
// copy at once; exactly one render runs; a copy is not served more than
// pageStaleFor after the write that outdated it.
func TestInvalidatedPageIsServedWhileOneRequestRendersItAgain(t *testing.T) {
	pc, e := pageCacheAlone(t)
	var clock sync.Mutex
	now := time.Now()
	pc.now = func() time.Time { clock.Lock(); defer clock.Unlock(); return now }
	advance := func(d time.Duration) { clock.Lock(); now = now.Add(d); clock.Unlock() }
	var renders atomic.Int32
	var hold atomic.Bool
	started, release := make(chan struct{}), make(chan struct{})
	e.GET("/", func(c echo.Context) error {
		n := renders.Add(1)
		if hold.Load() {
			close(started)
			<-release
		}
		return c.HTML(http.StatusOK, fmt.Sprintf("render %d", n))
	}, pc.middleware)
	get := func() *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		return rec
	}
	expect := func(rec *httptest.ResponseRecorder, body, xcache string) {
		t.Helper()
		if rec.Code != http.StatusOK || rec.Body.String() != body || rec.Header().Get("X-Cache") != xcache {
			t.Fatalf("got %d %q (X-Cache %q), want %q (X-Cache %q)", rec.Code, rec.Body, rec.Header().Get("X-Cache"), body, xcache)
		}
	}
	write := func(name string) {
		t.Helper()
		if _, err := pc.store.CreateUser(context.Background(), models.NewUser{Username: name, Email: name + "@example.com", Password: "correct horse"}); err != nil {
			t.Fatal(err)
		}
	}
	expect(get(), "render 1", "")
	expect(get(), "render 1", "hit")

	write("writer")
	hold.Store(true)
	refresh := make(chan *httptest.ResponseRecorder)
	go func() { refresh <- get() }()
	<-started
	hold.Store(false)
	others := make(chan *httptest.ResponseRecorder)
	go func() {
		for i := 0; i < 5; i++ {
			others <- get()
		}
	}()
	for i := 0; i < 5; i++ {
		select {
		case rec := <-others:
			expect(rec, "render 1", "stale")
		case <-time.After(30 * time.Second): // not a timing assertion: without the fix they wait for the release forever
			close(release)
			t.Fatal("a request waited for another's render instead of getting the previous page")
		}
	}
	close(release)
	expect(<-refresh, "render 2", "")
	expect(get(), "render 2", "hit")
	if n := renders.Load(); n != 2 {
		t.Fatalf("%d renders, want 2", n)
	}

	// Staleness is bounded: pageStaleFor after the write, the old copy is
	// not served any more; the page is rendered for whoever asks.
	write("second")
	advance(pageStaleFor)
	expect(get(), "render 3", "")
	expect(get(), "render 3", "hit")
}

// TestWritersNextRequestIsFresh: after a member answers, their own next
// page shows the answer at once, even while visitors may get the previous
// copy; a visitor who wrote (a KB vote) gets a page of their own next.
func TestWritersNextRequestIsFresh(t *testing.T) {
	a := newApp(t)
	asker, peer := a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	thread := asker.ask("Router reboots itself every night")
	visitor := a.client()
	for i := 0; i < 2; i++ {
		visitor.get(thread)
		visitor.get("/")
	}
	peer.answer(thread, "Turn off the nightly maintenance window.")
	for _, path := range []string{thread, "/"} {
		res := peer.get(path)
		if res.Header.Get("X-Cache") != "" || res.Header.Get("Cache-Control") != ccNoStore {
			t.Errorf("writer's %s: X-Cache %q, Cache-Control %q", path, res.Header.Get("X-Cache"), res.Header.Get("Cache-Control"))
		}
	}
	if res := peer.get(thread); !strings.Contains(res.Body, "Turn off the nightly maintenance window.") {
		t.Fatal("the writer's next page lacks their answer")
	}
}

// TestEveryVisitorPageKindIsServedStaleWhileOneRequestRendersIt: through
// the real router, for each page a visitor reads (home, category, thread,
// KB article), after a write one request renders the page again while
// visitors who come meanwhile get the previous copy at once (X-Cache:
// stale), and exactly one render runs.
func TestEveryVisitorPageKindIsServedStaleWhileOneRequestRendersIt(t *testing.T) {
	a, h := appWithHandler(t, Config{})
	asker, peer := a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	thread, _ := solve(t, a, asker, peer, "Router reboots itself every night", "Disable the nightly maintenance window.")
	article := articlePath(t, a, thread)

	var mu sync.Mutex
	renders := map[string]int{}
	held := ""
	var started, release chan struct{}
	h.pages.rendering = func(key string) {
		mu.Lock()
		renders[key]++
		hold := key == held && renders[key] == 1
		st, rel := started, release
		mu.Unlock()
		if hold {
			close(st)
			<-rel
		}
	}
	for round, path := range []string{"/", "/c/general", thread, article} {
		v := a.client()
		v.getWith(path, nil)
		before := v.getWith(path, nil)
		if before.Code != http.StatusOK || before.Header.Get("X-Cache") != "hit" {
			t.Fatalf("%s: %d, X-Cache %q before the write", path, before.Code, before.Header.Get("X-Cache"))
		}
		marker := fmt.Sprintf("Round %d: update the firmware first.", round)
		peer.answer(thread, marker)

		mu.Lock()
		held, started, release = path, make(chan struct{}), make(chan struct{})
		delete(renders, path)
		mu.Unlock()
		refresh := make(chan *response, 1)
		go func() { refresh <- a.client().getWith(path, nil) }()
		select {
		case <-started:
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: no request rendered the page again after the write", path)
		}
		others := make(chan *response, 5)
		for i := 0; i < 5; i++ {
			go func() { others <- a.client().getWith(path, nil) }()
		}
		for i := 0; i < 5; i++ {
			select {
			case res := <-others:
				if res.Code != http.StatusOK || res.Header.Get("X-Cache") != "stale" || res.Body != before.Body {
					t.Errorf("%s while it renders: %d, X-Cache %q, the previous copy: %v", path, res.Code, res.Header.Get("X-Cache"), res.Body == before.Body)
				}
			case <-time.After(30 * time.Second): // not a timing assertion: a visitor waiting for the render waits forever
				close(release)
				t.Fatalf("%s: a visitor waited for another's render instead of getting the previous copy", path)
			}
		}
		close(release)
		res := <-refresh
		if res.Code != http.StatusOK || res.Header.Get("X-Cache") != "" {
			t.Fatalf("%s, the render: %d, X-Cache %q", path, res.Code, res.Header.Get("X-Cache"))
		}
		if path == thread {
			mustContain(t, res.Body, marker)
			mustNotContain(t, before.Body, marker)
		}
		after := a.client().getWith(path, nil)
		if after.Header.Get("X-Cache") != "hit" || after.Body != res.Body {
			t.Errorf("%s after the render: X-Cache %q, the new copy: %v", path, after.Header.Get("X-Cache"), after.Body == res.Body)
		}
		mu.Lock()
		if n := renders[path]; n != 1 {
			t.Errorf("%s: %d renders after the write, want exactly 1", path, n)
		}
		mu.Unlock()
	}
}

// TestCurrentServesStaleOnlyWhileSomeoneRenders: what answerFromCache may
// serve before routing: a fresh entry; an outdated one only while another
// request renders it again and for at most pageStaleFor after the write;
// never an outdated one nobody renders (the middleware decides who does).
func TestCurrentServesStaleOnlyWhileSomeoneRenders(t *testing.T) {
	pc, e := pageCacheAlone(t)
	var clock sync.Mutex
	now := time.Now()
	pc.now = func() time.Time { clock.Lock(); defer clock.Unlock(); return now }
	advance := func(d time.Duration) { clock.Lock(); now = now.Add(d); clock.Unlock() }
	e.GET("/", func(c echo.Context) error { return c.HTML(http.StatusOK, "the page") }, pc.middleware)
	e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	expect := func(when string, want []string) {
		t.Helper()
		_, how, ok := pc.current("/")
		if ok != (want != nil) || fmt.Sprint(how) != fmt.Sprint(want) {
			t.Fatalf("%s: %v %v, want %v", when, how, ok, want)
		}
	}
	expect("fresh", hitFresh)
	if _, err := pc.store.CreateUser(context.Background(), models.NewUser{Username: "writer", Email: "w@example.com", Password: "correct horse"}); err != nil {
		t.Fatal(err)
	}
	clock.Lock()
	now = time.Now() // the store timed the write by the real clock
	clock.Unlock()
	expect("outdated, nobody renders it", nil)
	pc.mu.Lock()
	pc.refreshing["/"] = true
	pc.mu.Unlock()
	expect("outdated, another request renders it", hitStale)
	advance(pageStaleFor - time.Second)
	expect("just under pageStaleFor after the write", hitStale)
	advance(time.Second)
	expect("pageStaleFor after the write", nil)
	if _, _, ok := pc.current("/elsewhere"); ok {
		t.Fatal("a page never cached")
	}
}

// TestBrotliWindowHoldsTheBody: the window for the strongest level holds
// the whole body, and no more than it needs.
func TestBrotliWindowHoldsTheBody(t *testing.T) {
	for n, want := range map[int]int{0: 10, 1000: 10, 1008: 10, 1009: 11, 29099: 15, 32752: 15, 32753: 16, 1 << 30: 24} {
		if got := brotliWindow(n); got != want {
			t.Errorf("brotliWindow(%d) = %d, want %d", n, got, want)
		}
	}
	var es encoders
	css := bytes.Repeat([]byte("a { color: red } .b { margin: 0 } "), 900)
	br, err := es.compress(brotlied, brotliBuild, css)
	if err != nil {
		t.Fatal(err)
	}
	if got := decode(t, "br", br); !bytes.Equal(got, css) {
		t.Fatalf("%d bytes decoded, %d compressed", len(got), len(css))
	}
}
