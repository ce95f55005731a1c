package handlers

import (
	"context"
	"github.com/crowdcare/crowdcare/internal/testdb"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/models"
)

// TestAnswerFromCacheIsTheChainsAnswer: a hit answered before routing has
// the status, header fields and bytes the whole middleware chain gives the
// same page (security headers, ETag, Vary, encodings, 304s), is logged and
// counted in the metrics like any request, and anything it must not answer
// (HEAD, a session cookie, a page not cached or outdated with nobody
// rendering it) goes on down the chain.
func TestAnswerFromCacheIsTheChainsAnswer(t *testing.T) {
	ctx := context.Background()
	store, err := models.Open(ctx, testdb.Location(t, "test.db"), withFilesDir(t, models.Options{PasswordCost: bcrypt.MinCost}))
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	h, e, err := newHandler(ctx, Config{BaseURL: "https://forum.test"}, store, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(func() { srv.Close(); store.Close() })
	a := &testApp{t: t, srv: srv, store: store}
	asker, err := store.CreateUser(ctx, models.NewUser{Username: "asker", Email: "asker@example.com", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	th, err := store.CreateThread(ctx, asker, models.NewThread{Title: "Router reboots itself every night", CategorySlug: "general",
		Body: "The router reboots itself every night at about 2am."})
	if err != nil {
		t.Fatal(err)
	}
	thread := th.URL()
	visitor := a.client()
	visitor.get(thread)
	// Through the whole chain: a session cookie that names nobody is a
	// visitor's, served from the cache by its middleware (for the browser
	// alone: the cookie might have been someone's).
	chained := a.withCookie("garbage")

	// fast runs answerFromCache alone; fell reports that it passed the request on.
	fast := func(method, path string, hdr map[string]string) (*httptest.ResponseRecorder, bool) {
		t.Helper()
		req := httptest.NewRequest(method, path, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		fell := false
		if err := h.answerFromCache(func(echo.Context) error { fell = true; return nil })(e.NewContext(req, rec)); err != nil {
			t.Fatal(err)
		}
		return rec, fell
	}
	// What differs between two answers of the same page besides the date and the request id.
	differ := func(got, want http.Header) []string {
		var d []string
		for _, k := range slices.Sorted(func(yield func(string) bool) {
			seen := map[string]bool{}
			for _, hh := range []http.Header{got, want} {
				for k := range hh {
					if !seen[k] {
						seen[k] = true
						if !yield(k) {
							return
						}
					}
				}
			}
		}) {
			switch k {
			case "Date", requestIDField, "Cache-Control":
				continue
			}
			if !slices.Equal(got.Values(k), want.Values(k)) {
				d = append(d, k+": "+strings.Join(got.Values(k), ", ")+" | chain: "+strings.Join(want.Values(k), ", "))
			}
		}
		return d
	}
	for _, accept := range []string{"", "gzip", "gzip, deflate, br"} {
		chain := chained.getWith(thread, map[string]string{"Accept-Encoding": accept})
		if chain.Header.Get("X-Cache") != "hit" || chain.Header.Get("Cache-Control") != ccPrivateRevalidate {
			t.Fatalf("%q through the chain: X-Cache %q, Cache-Control %q", accept, chain.Header.Get("X-Cache"), chain.Header.Get("Cache-Control"))
		}
		rec, fell := fast(http.MethodGet, thread, map[string]string{"Accept-Encoding": accept})
		if fell || rec.Code != http.StatusOK || rec.Header().Get("X-Cache") != "hit" {
			t.Fatalf("%q: passed on %v, %d, X-Cache %q", accept, fell, rec.Code, rec.Header().Get("X-Cache"))
		}
		if d := differ(rec.Header(), chain.Header); len(d) > 0 {
			t.Errorf("Accept-Encoding %q: %q", accept, d)
		}
		if rec.Body.String() != chain.Body {
			t.Errorf("Accept-Encoding %q: other bytes", accept)
		}
		if rec.Header().Get("Cache-Control") != "public, max-age=30, stale-while-revalidate=60" {
			t.Errorf("Accept-Encoding %q: Cache-Control %q", accept, rec.Header().Get("Cache-Control"))
		}
		if rec.Header().Get("Strict-Transport-Security") == "" || rec.Header().Get(requestIDField) == "" {
			t.Errorf("Accept-Encoding %q: no HSTS or request id: %v", accept, rec.Header())
		}

		etag := rec.Header().Get("ETag")
		chain304 := chained.getWith(thread, map[string]string{"Accept-Encoding": accept, "If-None-Match": etag})
		rec, fell = fast(http.MethodGet, thread, map[string]string{"Accept-Encoding": accept, "If-None-Match": etag})
		if fell || rec.Code != http.StatusNotModified || chain304.Code != http.StatusNotModified || rec.Body.Len() != 0 {
			t.Fatalf("%q, 304: passed on %v, %d (chain %d), %d bytes", accept, fell, rec.Code, chain304.Code, rec.Body.Len())
		}
		if d := differ(rec.Header(), chain304.Header); len(d) > 0 {
			t.Errorf("Accept-Encoding %q, 304: %q", accept, d)
		}
	}
	// A theme: the same cached page, for the browser alone.
	if rec, fell := fast(http.MethodGet, thread, map[string]string{"Cookie": "theme=dark"}); !fell {
		t.Errorf("a dark page nobody asked for yet: %d", rec.Code)
	}
	visitor.getWith(thread, map[string]string{"Cookie": "theme=dark"})
	if rec, fell := fast(http.MethodGet, thread, map[string]string{"Cookie": "theme=dark"}); fell || rec.Header().Get("Cache-Control") != ccPrivateRevalidate ||
		!strings.Contains(rec.Body.String(), `data-theme="dark"`) {
		t.Errorf("the dark page: passed on %v, Cache-Control %q", fell, rec.Header().Get("Cache-Control"))
	}

	// Not for it.
	for _, tc := range []struct {
		name, method, path string
		hdr                map[string]string
	}{
		{"HEAD", http.MethodHead, thread, nil},
		{"POST", http.MethodPost, thread, nil},
		{"a session cookie", http.MethodGet, thread, map[string]string{"Cookie": sessionName + "=anything"}},
		{"a page never cached", http.MethodGet, "/c/general", nil},
		{"a trailing slash", http.MethodGet, thread + "/", nil},
	} {
		if rec, fell := fast(tc.method, tc.path, tc.hdr); !fell {
			t.Errorf("%s: answered %d", tc.name, rec.Code)
		}
	}
	if _, err := store.CreateAnswer(ctx, asker, th.ID, "It was the nightly maintenance window."); err != nil {
		t.Fatal(err)
	}
	if rec, fell := fast(http.MethodGet, thread, nil); !fell {
		t.Errorf("outdated, nobody rendering it: answered %d", rec.Code)
	}

	// Counted like any request, and logged at debug level.
	if !strings.Contains(logs.String(), `level=DEBUG msg=request`) || !strings.Contains(logs.String(), `route=/t/:id/:slug status=304`) {
		t.Error("no debug log line for a 304 answered before routing")
	}
	res := a.client().get("/metrics")
	mustContain(t, res.Body, `crowdcare_http_requests_total{method="GET",route="/t/:id/:slug",status="304"}`)
}
