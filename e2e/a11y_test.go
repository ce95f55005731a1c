package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/crowdcare/crowdcare/internal/demo"
	"github.com/crowdcare/crowdcare/models"
)

// axeSource is axe-core from the npm registry (e2e/package.json); .ci/run
// installs it. Elsewhere the tests say so and skip.
func axeSource(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("axe-core is required in CI: npm install --prefix e2e")
		}
		t.Skip("axe-core not installed: run npm install --prefix e2e")
	}
	return string(b)
}

type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []string `json:"target"`
	} `json:"nodes"`
}

// seedDemo fills the site with the demo content, as make run does.
func seedDemo(t *testing.T, s *site) {
	t.Helper()
	if _, err := demo.Seed(context.Background(), s.store); err != nil {
		t.Fatal(err)
	}
}

// TestAccessibilityOfMainPages runs axe-core on the main pages, as a visitor
// and as a member, and fails on serious or critical violations.
func TestAccessibilityOfMainPages(t *testing.T) {
	axe := axeSource(t)
	s := newSite(t)
	seedDemo(t, s)
	ctx := context.Background()
	list, _ := s.store.Threads(ctx, models.ThreadQuery{Show: models.ShowSolved})
	thread := list.Threads[0]
	art, err := s.store.ArticleForThread(ctx, thread.ID)
	if err != nil {
		t.Fatal(err)
	}
	visitorPages := []string{"/", "/c/broadband-wifi", thread.URL(), "/search?q=router", "/kb", art.URL(), "/login", "/register",
		"/u/demo", "/leaderboard", "/ambassadors", "/no-such-page", "/password/forgot", "/password/reset/no-such-link"}
	memberPages := []string{"/ask", "/notifications", "/settings", thread.URL(), "/settings/export", "/settings/delete", "/u/demo?tab=watching", "/settings/security"}
	check := func(b *tab, path string) {
		for _, v := range runAxe(b, axe, s.url+path) {
			if v.Impact == "serious" || v.Impact == "critical" {
				var targets []string
				for _, n := range v.Nodes {
					targets = append(targets, strings.Join(n.Target, " "))
				}
				t.Errorf("%s: %s (%s) %s at %v", path, v.ID, v.Impact, v.Help, targets)
			}
		}
	}
	visitor := newTab(t, 1280, 900)
	for _, p := range visitorPages {
		check(visitor, p)
	}
	member := newTab(t, 1280, 900)
	member.loginWith(s.url, "demo", demo.Password)
	for _, p := range memberPages {
		check(member, p)
	}
	admin := newTab(t, 1280, 900)
	admin.loginWith(s.url, "admin", demo.Password)
	check(admin, "/insights?days=90")
	check(admin, "/insights/incidents/new?term=outage&category=broadband-wifi")
}

// runAxe loads a page, injects axe-core and returns its violations.
func runAxe(b *tab, axe, url string) []axeViolation {
	b.t.Helper()
	b.run(chromedp.Navigate(url), chromedp.Evaluate[chromedp.Void](axe))
	return get(b, chromedp.Evaluate[[]axeViolation](`axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)`,
		chromedp.EvalAwaitPromise))
}

// TestAxeSeesViolations is the control: a page with an unlabelled image and
// input must produce critical violations, or axe is not really running.
func TestAxeSeesViolations(t *testing.T) {
	axe := axeSource(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><html><body><img src="/x.png"><input type="text"></body></html>`)
	}))
	defer srv.Close()
	found := map[string]string{}
	for _, v := range runAxe(newTab(t, 1280, 900), axe, srv.URL) {
		found[v.ID] = v.Impact
	}
	if found["image-alt"] != "critical" || found["label"] != "critical" {
		t.Fatalf("axe missed known violations: %v", found)
	}
}
