package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/crowdcare/crowdcare/models"
)

// TestDeepListPagesAreRefused: a list stops at models.MaxListPage, and its
// count stops at what those pages hold, so no page number or list length
// makes a visitor's request count or skip the whole table.
func TestDeepListPagesAreRefused(t *testing.T) {
	a := newApp(t)
	if err := a.store.GenerateCorpus(context.Background(), models.CorpusOptions{Threads: 1010, Posts: 1010, Users: 5, Seed: 1}); err != nil {
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
