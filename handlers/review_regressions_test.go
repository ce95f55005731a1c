package handlers

import (
	"context"
	"github.com/crowdcare/crowdcare/internal/testdb"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/models"
)

// Regression: any member reads a queued (pending) answer on its flag page.
func TestQueuedAnswersAreNotOnFlagPages(t *testing.T) {
	a := newApp(t)
	asker, newbie, snoop := a.client(), a.client(), a.client()
	asker.register("asker")
	newbie.register("newbie")
	snoop.register("snoop")
	thread := asker.ask("Router reboots itself every night")
	res := newbie.post("/t/"+itoa(threadID(thread))+"/answers", url.Values{"body": {"See https://example.com/fix for the fix."}})
	id := strings.TrimPrefix(res.Location, "/p/")
	mustNotContain(t, snoop.get(thread).Body, "example.com/fix")
	if res := snoop.get("/p/" + id + "/flag"); res.Code == http.StatusOK && strings.Contains(res.Body, "example.com/fix") {
		t.Fatalf("pending answer %s readable by another member on its flag page", id)
	}
}

// Regression: an outsider votes on an answer in a private category through the route.
func TestOutsidersCannotVoteInPrivateCategories(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	admin := a.roleClient("boss", models.RoleAdmin)
	admin.post("/admin/categories", url.Values{"name": {"Partners"}, "group": {"partners"}})
	partner := a.client()
	partner.register("partner")
	u, _ := a.store.UserByUsername(ctx, "partner")
	admin.post("/mod/users/"+itoa(u.ID)+"/groups", url.Values{"group": {"partners"}})
	res := partner.post("/ask", url.Values{"title": {"Wholesale pricing for the Hub 3"}, "category": {"partners"},
		"body": {"What is the partner price for fifty units?"}})
	id := admin.answer(res.Location, "The partner price is 40 per unit on the portal.")
	outsider := a.client()
	outsider.register("outsider")
	res = outsider.post("/p/"+id+"/vote", nil)
	p, _ := a.store.Post(ctx, atoi(id))
	if res.Code != http.StatusNotFound || p.HelpfulCount != 0 {
		t.Fatalf("outsider vote on private post: %d, helpful_count=%d", res.Code, p.HelpfulCount)
	}
}

// Regression: the page cache keeps one full copy per query string, bounded only by count.
func TestPageCacheIsBoundedByBytesAndKeys(t *testing.T) {
	pc, e := pageCacheAlone(t)
	big := strings.Repeat("x", 256<<10) // a thread page with long answers
	e.GET("/t/:id/:slug", func(c echo.Context) error { return c.HTML(http.StatusOK, big) }, pc.middleware)
	for i := 0; i < 400; i++ {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/t/1/s?utm="+strconv.Itoa(i), nil))
	}
	total := 0
	for _, en := range pc.entries {
		total += en.cacheSize()
	}
	if total > pageCacheBytes || len(pc.entries) != 1 {
		t.Fatalf("%d entries hold %d MB from junk query strings", len(pc.entries), total>>20)
	}
	// Many different real pages stay within the byte budget.
	for i := 0; i < 400; i++ {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/t/"+strconv.Itoa(i)+"/s", nil))
	}
	total = 0
	for _, en := range pc.entries {
		total += en.cacheSize()
	}
	if total > pageCacheBytes || pc.bytes != total {
		t.Fatalf("cache holds %d MB (counted %d), budget %d MB", total>>20, pc.bytes>>20, pageCacheBytes>>20)
	}
}

// Regression: a visitor's request for a missing page ran its handler twice
// (once to fill the cache, once more when nothing was cached).
func TestPageCacheRunsAFailingHandlerOnce(t *testing.T) {
	pc, e := pageCacheAlone(t)
	calls := 0
	e.GET("/t/:id/:slug", func(c echo.Context) error { calls++; return echo.ErrNotFound }, pc.middleware)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/t/999/missing", nil))
	if rec.Code != http.StatusNotFound || calls != 1 {
		t.Fatalf("status %d after %d handler runs, want 404 after 1", rec.Code, calls)
	}
}

// Regression: CSV cells that a spreadsheet would run are defused, but
// numbers, negative ones included, stay numbers.
func TestCSVSafe(t *testing.T) {
	got := csvSafe([]string{"=SUM(A1)", "-2.00", "@cmd", "\tx", "\rx", "+1", "-x", "plain", ""})
	want := []string{"'=SUM(A1)", "-2.00", "'@cmd", "'\tx", "'\rx", "+1", "'-x", "plain", ""}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("cell %d: %q, want %q", i, got[i], want[i])
		}
	}
}

// pageCacheAlone is the page cache over a fresh store, for routes a test
// adds to the bare echo instance it returns.
func pageCacheAlone(t *testing.T) (*pageCache, *echo.Echo) {
	t.Helper()
	store, err := models.Open(context.Background(), testdb.Location(t, "c.db"), withFilesDir(t, models.Options{PasswordCost: bcrypt.MinCost}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return newPageCache(store, func(echo.Context) (bool, error) { return false, nil }, nil), echo.New()
}
