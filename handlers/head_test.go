package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
)

// serveDirect sends one request to e as c's browser (its cookies), without
// a network server, so the body the application wrote is seen as it is:
// net/http would drop a HEAD response's body on the way out.
func serveDirect(e *echo.Echo, c *client, method, path string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "http://forum.test"+path, nil)
	u, _ := url.Parse(c.app.srv.URL)
	for _, ck := range c.http.Jar.Cookies(u) {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

// TestEveryGetRouteAnswersHead walks every GET route of the route table as a
// visitor and as an admin: HEAD answers as GET does (status, content type),
// never 405, and without a body. Monitors check sites with HEAD.
func TestEveryGetRouteAnswersHead(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	asker, peer := a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	thread, _ := solve(t, a, asker, peer, "Router reboots itself every night", "Disable the nightly maintenance window.")
	admin := a.roleClient("boss", models.RoleAdmin)
	e, err := New(ctx, Config{BaseURL: "http://forum.test"}, a.store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	static := regexp.MustCompile(`/static/[^"]+\.css`).FindString(a.client().get("/").Body)
	params := map[string]string{":id": itoa(threadID(thread)), ":slug": "general", ":username": "asker", ":chart": "selfservice.csv"}
	tried := 0
	for _, r := range e.Routes() {
		if r.Method != http.MethodGet {
			continue
		}
		path := r.Path
		if path == "/static/*" {
			path = static
		}
		for p, v := range params {
			path = strings.Replace(path, p, v, 1)
		}
		for who, c := range map[string]*client{"visitor": a.client(), "admin": admin} {
			get := serveDirect(e, c, http.MethodGet, path)
			head := serveDirect(e, c, http.MethodHead, path)
			tried++
			if head.Code == http.StatusMethodNotAllowed || head.Code != get.Code {
				t.Errorf("HEAD %s (route %s) as %s: %d, GET: %d", path, r.Path, who, head.Code, get.Code)
			}
			if head.Body.Len() > 0 {
				t.Errorf("HEAD %s as %s has a body of %d bytes", path, who, head.Body.Len())
			}
			// Error pages are left out: a HEAD gets their status alone.
			if ht, gt := head.Header().Get("Content-Type"), get.Header().Get("Content-Type"); ht != gt && get.Code < 300 {
				t.Errorf("HEAD %s as %s: Content-Type %q, GET: %q", path, who, ht, gt)
			}
		}
	}
	if tried < 60 {
		t.Fatalf("only %d GET routes tried", tried)
	}
	// What monitors and feed readers poll, through the network server.
	for _, path := range []string{"/", "/healthz", "/robots.txt", "/sitemap.xml", "/feed.atom", "/kb/feed.atom"} {
		req, err := http.NewRequest(http.MethodHead, a.srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res := a.client().do(req); res.Code != http.StatusOK {
			t.Errorf("HEAD %s: %d", path, res.Code)
		}
	}
	// POST-only routes still refuse HEAD.
	if res := serveDirect(e, a.client(), http.MethodHead, "/logout"); res.Code != http.StatusMethodNotAllowed {
		t.Errorf("HEAD /logout: %d", res.Code)
	}
}

// TestHeadFillsThePageCacheWithTheWholePage: a HEAD that renders a cached
// page keeps the whole page for the GETs that follow, and a HEAD is
// answered from the cache like a GET.
func TestHeadFillsThePageCacheWithTheWholePage(t *testing.T) {
	a := newApp(t)
	e, err := New(context.Background(), Config{BaseURL: "http://forum.test"}, a.store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	visitor := a.client()
	if res := serveDirect(e, visitor, http.MethodHead, "/"); res.Code != http.StatusOK || res.Body.Len() > 0 {
		t.Fatalf("first HEAD /: %d, %d bytes", res.Code, res.Body.Len())
	}
	get := serveDirect(e, visitor, http.MethodGet, "/")
	if get.Header().Get("X-Cache") != "hit" || !strings.Contains(get.Body.String(), "</html>") {
		t.Fatalf("GET / after a HEAD: X-Cache %q, %d bytes", get.Header().Get("X-Cache"), get.Body.Len())
	}
	if head := serveDirect(e, visitor, http.MethodHead, "/"); head.Header().Get("X-Cache") != "hit" || head.Body.Len() > 0 {
		t.Fatalf("HEAD / again: X-Cache %q, %d bytes", head.Header().Get("X-Cache"), head.Body.Len())
	}
}
