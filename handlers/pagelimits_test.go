package handlers

import (
	"context"
	"fmt"
	"github.com/crowdcare/crowdcare/internal/testdb"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/internal/bench"
	"github.com/crowdcare/crowdcare/models"
)

// appWithHandler is newApp with cfg, also returning the Handler to look inside.
func appWithHandler(t *testing.T, cfg Config) (*testApp, *Handler) {
	t.Helper()
	ctx := context.Background()
	store, err := models.Open(ctx, testdb.Location(t, "test.db"), withFilesDir(t, models.Options{PasswordCost: bcrypt.MinCost}))
	if err != nil {
		t.Fatal(err)
	}
	cfg.BaseURL = "http://forum.test"
	h, e, err := newHandler(ctx, cfg, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(func() { srv.Close(); store.Close() })
	return &testApp{t: t, srv: srv, store: store}, h
}

// withCookie is a browser that sends only the given session cookie.
func (a *testApp) withCookie(value string) *client {
	c := a.client()
	c.http.Jar.SetCookies(mustURL(a.t, a.srv.URL), []*http.Cookie{{Name: sessionName, Value: value}})
	return c
}

// TestOnlyALiveSessionOrAFlashSkipsThePageCache: a cookie that does not
// decode, or decodes to a session that no longer names a user, is a
// visitor's and is answered from the cache; a member's session, and a
// visitor's session holding a flash message, are not.
func TestOnlyALiveSessionOrAFlashSkipsThePageCache(t *testing.T) {
	a, h := appWithHandler(t, Config{})
	// The copied cookie's recent-write mark (from logging in) would send it
	// past the cache by itself (recentwrite.go): this test is about the rest.
	h.recentWrites = 0
	alice := a.client()
	alice.register("alice")
	alice.get("/notifications") // shows and so clears the welcome flash
	u := mustURL(t, a.srv.URL)
	var aliceCookie string
	for _, ck := range alice.http.Jar.Cookies(u) {
		if ck.Name == sessionName {
			aliceCookie = ck.Value
		}
	}
	revoked := a.withCookie(aliceCookie)
	if res := revoked.get("/"); !strings.Contains(res.Body, "Log out") {
		t.Fatal("the copied cookie is not a member's yet: the test proves nothing")
	}
	if res := alice.post("/logout/all", nil); res.Code != http.StatusSeeOther {
		t.Fatalf("log out everywhere: %d", res.Code)
	}
	a.client().get("/") // fills the cache

	for name, c := range map[string]*client{
		"garbage cookie":             a.withCookie("garbage"),
		"cookie from before log out": revoked,
	} {
		res := c.get("/")
		if res.Code != http.StatusOK || res.Header.Get("X-Cache") != "hit" {
			t.Errorf("%s: status %d, X-Cache %q; want a cache hit", name, res.Code, res.Header.Get("X-Cache"))
		}
		mustNotContain(t, res.Body, "Log out")
	}

	// A member is never served from the cache.
	bob := a.client()
	bob.register("bob")
	bob.get("/notifications")
	if res := bob.get("/"); res.Header.Get("X-Cache") == "hit" || !strings.Contains(res.Body, "Log out") {
		t.Fatal("a member got a cached page")
	}

	// A visitor's session with a flash message sees the message.
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	rec := httptest.NewRecorder()
	s, _ := h.sessions.New(req, sessionName)
	s.AddFlash("That link has expired.")
	if err := s.Save(req, rec); err != nil {
		t.Fatal(err)
	}
	flashed := a.client()
	flashed.http.Jar.SetCookies(u, rec.Result().Cookies())
	a.client().get("/") // fills the cache again after bob's writes
	res := flashed.get("/")
	if res.Header.Get("X-Cache") == "hit" || !strings.Contains(res.Body, "That link has expired.") {
		t.Fatalf("a session with a flash got the cached page (X-Cache %q)", res.Header.Get("X-Cache"))
	}
	if res := flashed.get("/"); res.Header.Get("X-Cache") != "hit" || strings.Contains(res.Body, "That link has expired.") {
		t.Fatal("the flash was shown twice, or its page kept from the cache")
	}
}

// TestDeepListPagesAreRefused: a list stops at models.MaxListPage, and its
// count stops at what those pages hold, so no page number or list length
// makes a visitor's request count or skip the whole table.
func TestDeepListPagesAreRefused(t *testing.T) {
	a := newApp(t)
	if err := bench.GenerateCorpus(context.Background(), a.store, bench.CorpusOptions{Threads: 1010, Posts: 1010, Users: 5, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	v := a.client()
	for _, path := range []string{"/?page=47000", "/?page=51&sort=active", "/c/mobile?page=999999999999",
		"/u/member000001?page=47000", "/u/member000001?tab=answers&page=51", "/kb?c=mobile&page=51"} {
		res := v.get(path)
		if res.Code != http.StatusNotFound || !strings.Contains(res.Body, "Lists stop at page 50") {
			t.Errorf("%s: status %d, want 404 with the narrow-it-down message", path, res.Code)
		}
	}
	res := v.get("/?page=50")
	if res.Code != http.StatusOK {
		t.Fatalf("page 50: %d", res.Code)
	}
	mustContain(t, res.Body, "More than 1,000 questions", "Page 50 of 50")
	mustNotContain(t, res.Body, `rel="next"`)
	// Small pages keep their addresses.
	res = v.get("/?" + url.Values{"page": {"2"}}.Encode())
	if res.Code != http.StatusOK {
		t.Fatalf("page 2: %d", res.Code)
	}
	mustContain(t, res.Body, "Page 2 of 50", `href="/?page=3"`)
}

// TestExpiredPageIsServedWhileOneRequestRendersItAgain: past its TTL a page
// is rendered again by one request while the others get the expired copy
// at once; a write still voids it at once, for everybody.
func TestExpiredPageIsServedWhileOneRequestRendersItAgain(t *testing.T) {
	pc, e := pageCacheAlone(t)
	var clock sync.Mutex
	now := time.Now()
	pc.now = func() time.Time { clock.Lock(); defer clock.Unlock(); return now }
	advance := func(d time.Duration) { clock.Lock(); now = now.Add(d); clock.Unlock() }
	var renders atomic.Int32
	started, release := make(chan struct{}), make(chan struct{})
	e.GET("/", func(c echo.Context) error {
		n := renders.Add(1)
		if n == 2 { // the refresh: held open until the test has seen the others served
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
	expect(get(), "render 1", "")
	expect(get(), "render 1", "hit")

	advance(pageCacheTTL)
	refresh := make(chan *httptest.ResponseRecorder)
	go func() { refresh <- get() }()
	<-started
	others := make(chan *httptest.ResponseRecorder)
	go func() {
		for i := 0; i < 3; i++ {
			others <- get()
		}
	}()
	for i := 0; i < 3; i++ {
		select {
		case rec := <-others:
			expect(rec, "render 1", "stale")
		case <-time.After(30 * time.Second): // not a timing assertion: without the fix they wait for the release forever
			close(release)
			t.Fatal("a request waited for another's refresh instead of getting the expired page")
		}
	}
	close(release)
	expect(<-refresh, "render 2", "")
	expect(get(), "render 2", "hit")
	if n := renders.Load(); n != 2 {
		t.Fatalf("%d renders, want 2", n)
	}

	// Long expired: not served any more, rendered for the request that asks.
	advance(pageCacheTTL + pageStaleFor)
	expect(get(), "render 3", "")
	// A write voids the page at once, fresh or expired.
	if _, err := pc.store.CreateUser(context.Background(), models.NewUser{Username: "writer", Email: "w@example.com", Password: "correct horse"}); err != nil {
		t.Fatal(err)
	}
	expect(get(), "render 4", "")
	advance(pageCacheTTL)
	if err := pc.store.SetRole(context.Background(), "writer", models.RoleModerator); err != nil {
		t.Fatal(err)
	}
	expect(get(), "render 5", "")
}

// TestUncachedGETsAreLimitedPerAddress: an address may have only so many
// pages the cache does not answer; pages it answers stay free, and other
// addresses are not affected.
func TestUncachedGETsAreLimitedPerAddress(t *testing.T) {
	a, _ := appWithHandler(t, Config{PageRate: 0.001, PageBurst: 3, TrustProxy: true})
	from := func(ip, path string) *response {
		req, err := http.NewRequest(http.MethodGet, a.srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Forwarded-For", ip)
		return a.client().do(req)
	}
	const flood, other = "203.0.113.7", "198.51.100.9"
	for i, want := range []struct {
		path string
		code int
	}{
		{"/", 200}, {"/", 200}, {"/", 200}, // one miss, then hits: free
		{"/?tag=a", 200}, {"/?tag=b", 200}, // misses: the burst is spent
		{"/?tag=c", http.StatusTooManyRequests},
		{"/feed.atom", http.StatusTooManyRequests}, // never cached: counted too
		{"/healthz", 200},                          // not counted
		{"/", 200},                                 // still answered from the cache
	} {
		if res := from(flood, want.path); res.Code != want.code {
			t.Errorf("request %d, %s: %d, want %d", i, want.path, res.Code, want.code)
		}
	}
	if res := from(other, "/?tag=c"); res.Code != http.StatusOK {
		t.Fatalf("another address: %d", res.Code)
	}
}

// TestPerAddressLimitsCoverAnIPv6Network: an IPv6 client holds a whole /64,
// so its addresses share one allowance of uncached pages and of searches,
// as they share the login throttle.
func TestPerAddressLimitsCoverAnIPv6Network(t *testing.T) {
	for _, cfg := range []Config{
		{PageRate: 0.001, PageBurst: 3, TrustProxy: true},
		{SearchRate: 0.001, SearchBurst: 3, TrustProxy: true},
	} {
		a, _ := appWithHandler(t, cfg)
		for i := range 4 {
			path := fmt.Sprintf("/?tag=t%d", i)
			if cfg.SearchRate > 0 {
				path = fmt.Sprintf("/search?q=router%d", i)
			}
			req, err := http.NewRequest(http.MethodGet, a.srv.URL+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("2001:db8:7:9::%x", i+1))
			want := http.StatusOK
			if i == 3 {
				want = http.StatusTooManyRequests
			}
			if res := a.client().do(req); res.Code != want {
				t.Errorf("%s from another address of one /64: %d, want %d", path, res.Code, want)
			}
		}
	}
}
