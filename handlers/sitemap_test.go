package handlers

import (
	"context"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSitemapFilesExistOnlyInTheirRange: the index lists the files there
// are, each answers, and any other ?page (past the end, negative, zero, not
// a number, not written as the index writes it) is a 404, not page 1 again.
func TestSitemapFilesExistOnlyInTheirRange(t *testing.T) {
	a := newApp(t)
	asker, peer := a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	solve(t, a, asker, peer, "Router reboots itself every night", "Disable the nightly maintenance window.")
	solve(t, a, asker, peer, "Printer prints blank pages", "Replace the toner cartridge and clean the drum.")
	visitor := a.client()
	for _, path := range []string{"/sitemap.xml?page=1", "/sitemap.xml"} {
		if res := visitor.get(path); res.Code != http.StatusOK || !strings.Contains(res.Body, "<urlset") {
			t.Fatalf("%s with one file: %d %s", path, res.Code, res.Body)
		}
	}
	for _, page := range []string{"2", "3", "-1", "0", "x", "01", ""} {
		if res := visitor.get("/sitemap.xml?page=" + page); res.Code != http.StatusNotFound {
			t.Errorf("?page=%s with one file: %d, want 404", page, res.Code)
		}
	}

	// One entry a file: two threads and two articles make four files.
	h, e, err := newHandler(context.Background(), Config{BaseURL: "http://forum.test"}, a.store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	h.sitemapPerFile = 1
	var idx struct {
		Locs []string `xml:"sitemap>loc"`
	}
	res := serveDirect(e, visitor, http.MethodGet, "/sitemap.xml")
	if err := xml.Unmarshal(res.Body.Bytes(), &idx); err != nil || len(idx.Locs) != 4 || idx.Locs[3] != "http://forum.test/sitemap.xml?page=4" {
		t.Fatalf("index: %v %+v %s", err, idx, res.Body)
	}
	for _, page := range []string{"1", "4"} {
		if res := serveDirect(e, visitor, http.MethodGet, "/sitemap.xml?page="+page); res.Code != http.StatusOK || strings.Count(res.Body.String(), "<loc>") != 3 {
			t.Errorf("?page=%s of 4: %d %s", page, res.Code, res.Body)
		}
	}
	for _, page := range []string{"5", "-1", "0"} {
		if res := serveDirect(e, visitor, http.MethodGet, "/sitemap.xml?page="+page); res.Code != http.StatusNotFound {
			t.Errorf("?page=%s of 4: %d, want 404", page, res.Code)
		}
	}
}

// TestSitemapIsCachedThroughWrites: the sitemap reads every solved thread,
// so it is kept in the page cache for sitemapTTL whatever is written (as
// long as its Cache-Control lets crawlers keep it), then rendered again.
func TestSitemapIsCachedThroughWrites(t *testing.T) {
	a := newApp(t)
	asker, peer := a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	solve(t, a, asker, peer, "Router reboots itself every night", "Disable the nightly maintenance window.")
	h, e, err := newHandler(context.Background(), Config{BaseURL: "http://forum.test"}, a.store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	var clock sync.Mutex
	now := time.Now()
	h.pages.now = func() time.Time { clock.Lock(); defer clock.Unlock(); return now }
	visitor := a.client()
	first := serveDirect(e, visitor, http.MethodGet, "/sitemap.xml")
	if first.Code != http.StatusOK || first.Header().Get("X-Cache") != "" {
		t.Fatalf("first: %d %q", first.Code, first.Header().Get("X-Cache"))
	}
	thread, _ := solve(t, a, asker, peer, "Printer prints blank pages", "Replace the toner cartridge and clean the drum.")
	hit := serveDirect(e, visitor, http.MethodGet, "/sitemap.xml")
	if hit.Header().Get("X-Cache") != "hit" || hit.Body.String() != first.Body.String() {
		t.Fatalf("after a write: X-Cache %q, same body %v", hit.Header().Get("X-Cache"), hit.Body.String() == first.Body.String())
	}
	if cc := hit.Header().Get("Cache-Control"); cc != first.Header().Get("Cache-Control") || !strings.Contains(cc, "max-age") {
		t.Errorf("Cache-Control of a hit %q, of the render %q", cc, first.Header().Get("Cache-Control"))
	}
	clock.Lock()
	now = now.Add(sitemapTTL + pageStaleFor)
	clock.Unlock()
	later := serveDirect(e, visitor, http.MethodGet, "/sitemap.xml")
	if later.Header().Get("X-Cache") != "" || !strings.Contains(later.Body.String(), thread) {
		t.Fatalf("past its time: X-Cache %q, lists the new thread %v", later.Header().Get("X-Cache"), strings.Contains(later.Body.String(), thread))
	}
}
