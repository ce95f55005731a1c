package handlers

import (
	"context"
	"fmt"
	"github.com/crowdcare/crowdcare/internal/testdb"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/models"
)

// BenchmarkThreadPage renders a question with 30 answers through the real
// router, as a visitor and as a logged-in member.
func BenchmarkThreadPage(b *testing.B) {
	ctx := context.Background()
	store, err := models.Open(ctx, testdb.Location(b, "bench.db"), withFilesDir(b, models.Options{PasswordCost: bcrypt.MinCost}))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	h, e, err := newHandler(ctx, Config{BaseURL: "http://forum.test"}, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	asker, err := store.CreateUser(ctx, models.NewUser{Username: "asker", Email: "asker@example.com", Password: "correct horse"})
	if err != nil {
		b.Fatal(err)
	}
	th, err := store.CreateThread(ctx, asker, models.NewThread{Title: "Hub 3 drops Wi-Fi every evening around 8pm",
		CategorySlug: "general", Tags: "router, wifi, hub-3",
		Body: "Every evening the **Wi-Fi** drops for a minute or two. Wired devices stay online.\n\n- rebooted\n- changed channel\n"})
	if err != nil {
		b.Fatal(err)
	}
	var first int64
	for i := 0; i < 30; i++ {
		u, err := store.CreateUser(ctx, models.NewUser{Username: fmt.Sprintf("peer%02d", i), Email: fmt.Sprintf("peer%d@example.com", i), Password: "correct horse"})
		if err != nil {
			b.Fatal(err)
		}
		p, err := store.CreateAnswer(ctx, u, th.ID, fmt.Sprintf("Answer %d: open **Settings › Wi-Fi › Channel**, pick a fixed channel such as 36, and turn off *band steering*.\n\n```\nping -t 192.168.1.1\n```\n\nThat fixed it for me after the last firmware update.", i))
		if err != nil {
			b.Fatal(err)
		}
		if i == 0 {
			first = p.ID
		}
		if err := store.Vote(ctx, asker, p.ID, false); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := store.Accept(ctx, asker, first, false); err != nil {
		b.Fatal(err)
	}
	path := th.URL()

	// A visitor the page cache has nothing for: each request renders.
	b.Run("visitor-uncached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			h.pages.forgetAll()
			req := httptest.NewRequest(http.MethodGet, path, nil)
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d", rec.Code)
			}
		}
	})
	b.Run("visitor", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d", rec.Code)
			}
		}
	})
	// The same from the cache in Brotli, as browsers ask, and revalidated.
	b.Run("visitor-br", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.Header.Set("Accept-Encoding", "gzip, deflate, br")
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK || rec.Header().Get("Content-Encoding") != "br" {
				b.Fatalf("status %d, %q", rec.Code, rec.Header().Get("Content-Encoding"))
			}
			b.ReportMetric(float64(rec.Body.Len()), "bytes/page")
		}
	})
	b.Run("visitor-304", func(b *testing.B) {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Accept-Encoding", "gzip, deflate, br")
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		etag := rec.Header().Get("ETag")
		b.ReportAllocs()
		for b.Loop() {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.Header.Set("Accept-Encoding", "gzip, deflate, br")
			req.Header.Set("If-None-Match", etag)
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code != http.StatusNotModified {
				b.Fatalf("status %d", rec.Code)
			}
		}
	})

	// Log in once through the real form to get a session cookie.
	srv := httptest.NewServer(e)
	defer srv.Close()
	app := &testApp{t: b, srv: srv, store: store}
	c := app.client()
	c.post("/login", map[string][]string{"username": {"asker"}, "password": {"correct horse"}})
	c.get("/") // the CSRF token is new after login, as on a browser's next page
	cookies := c.http.Jar.Cookies(mustURL(b, srv.URL))
	if !c.loggedIn(c.get("/login")) || cookie(cookies, csrfCookie) == "" {
		b.Fatal("not logged in, or no CSRF token")
	}
	b.Run("member", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			for _, ck := range cookies {
				req.AddCookie(ck)
			}
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d", rec.Code)
			}
			b.ReportMetric(float64(rec.Body.Len()), "bytes/page")
		}
	})
}

// forgetAll empties the page cache.
func (pc *pageCache) forgetAll() {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	for k, e := range pc.entries {
		pc.remove(k, e)
	}
}
