package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/crowdcare/crowdcare/internal/testdb"
)

// A tab in next must not become a protocol-relative redirect ("//evil.example").
func TestNextWithControlCharactersStaysLocal(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.register("alice")
	req, _ := http.NewRequest(http.MethodGet, a.srv.URL+"/login?next=%2F%09%2Fevil.example%2F", nil)
	for _, ck := range c.http.Jar.Cookies(mustURL(t, a.srv.URL)) {
		req.AddCookie(ck)
	}
	res, err := http.DefaultTransport.RoundTrip(req) // no client-side Location parsing
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc := res.Header.Get("Location")
	if browserSees := strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(loc); strings.HasPrefix(browserSees, "//") {
		t.Fatalf("open redirect: %d Location %q; a browser goes to %q", res.StatusCode, loc, browserSees)
	}
}

// The per-address login limit keys on the connection, not on a header the client writes.
func TestForgedForwardedForDoesNotEvadeIPLimit(t *testing.T) {
	a := newApp(t)
	c := a.client()
	tok := c.token()
	login := func(user, xff string) int {
		req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/login",
			strings.NewReader(url.Values{"_csrf": {tok}, "username": {user}, "password": {"guess"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		return c.do(req).Code
	}
	for i := 0; i < 25; i++ {
		login("user"+itoa(int64(i)), "203.0.113."+itoa(int64(i)))
	}
	if code := login("another", "203.0.113.99"); code != http.StatusTooManyRequests {
		t.Fatalf("26 failures from one client, per-IP limit 20: status %d, want 429", code)
	}
}

// Contract: a missing _csrf is refused with 403, whatever fetch-metadata headers say.
func TestMissingCSRFRefusedEvenWithFetchMetadata(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.register("alice")
	req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/ask", strings.NewReader(url.Values{
		"title": {"Router reboots every night"}, "category": {"general"},
		"body": {"The router reboots itself every night at 2am."}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if res := c.do(req); res.Code != http.StatusForbidden {
		t.Fatalf("POST /ask without _csrf: status %d, want 403", res.Code)
	}
}

// A removed thread's answers can no longer be voted on or edited.
func TestRemovedThreadIsFrozen(t *testing.T) {
	a := newApp(t)
	owner, helper := a.client(), a.client()
	owner.register("owner")
	helper.register("helper")
	thread := owner.ask("Router reboots itself every night")
	pid := helper.answer(thread, "Try turning off the scheduled reboot in settings.")
	qid := a.mustQuestionID(t, thread)
	if res := owner.post("/p/"+qid+"/delete", nil); res.Code != http.StatusSeeOther {
		t.Fatalf("delete question: %d", res.Code)
	}
	if res := owner.post("/p/"+pid+"/vote", nil); res.Code != http.StatusNotFound {
		t.Errorf("vote in removed thread: status %d, want 404", res.Code)
	}
	if res := helper.post("/p/"+pid+"/edit", url.Values{"body": {"Edited after the thread was removed."}}); res.Code != http.StatusNotFound {
		t.Errorf("edit in removed thread: status %d, want 404", res.Code)
	}
}

func (a *testApp) mustQuestionID(t *testing.T, thread string) string {
	th, err := a.store.Thread(t.Context(), threadID(thread))
	if err != nil {
		t.Fatal(err)
	}
	return itoa(th.QuestionID)
}

func TestCrossSitePostIsRefused(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.register("alice")
	req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/logout", strings.NewReader(url.Values{"_csrf": {c.token()}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if res := c.do(req); res.Code != http.StatusForbidden {
		t.Fatalf("cross-site POST: %d", res.Code)
	}
}

func TestSecureCookiesUnderHTTPS(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	e, err := New(ctx, Config{BaseURL: "https://forum.test"}, a.store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	defer srv.Close()
	res, err := http.Get(srv.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if len(res.Cookies()) == 0 {
		t.Fatal("no cookies set")
	}
	for _, ck := range res.Cookies() {
		if !ck.Secure || !ck.HttpOnly {
			t.Errorf("cookie %s: Secure=%v HttpOnly=%v", ck.Name, ck.Secure, ck.HttpOnly)
		}
	}
	if !strings.Contains(res.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Errorf("no HSTS under https: %q", res.Header.Get("Strict-Transport-Security"))
	}
}

func TestLogoutEverywhereAndPasswordChangeEndOtherSessions(t *testing.T) {
	a := newApp(t)
	laptop := a.client()
	laptop.register("alice")
	phone := a.client()
	if res := phone.post("/login", url.Values{"username": {"alice"}, "password": {"correct horse"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("phone login: %d", res.Code)
	}
	// A wrong current password changes nothing.
	res := laptop.post("/settings/password", url.Values{"current_password": {"nope"}, "new_password": {"battery staple"}})
	if res.Code != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "That is not your current password.") {
		t.Fatalf("wrong current password: %d", res.Code)
	}
	mustContain(t, phone.get("/").Body, "Log out")
	if res := laptop.post("/settings/password", url.Values{"current_password": {"correct horse"}, "new_password": {"battery staple"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("change password: %d", res.Code)
	}
	mustContain(t, laptop.get("/").Body, "Log out")   // this browser stays in
	mustNotContain(t, phone.get("/").Body, "Log out") // the other is out
	if res := phone.post("/login", url.Values{"username": {"alice"}, "password": {"battery staple"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("login with the new password: %d", res.Code)
	}
	if res := laptop.post("/logout/all", nil); res.Code != http.StatusSeeOther {
		t.Fatalf("logout everywhere: %d", res.Code)
	}
	mustNotContain(t, laptop.get("/").Body, "Log out")
	mustNotContain(t, phone.get("/").Body, "Log out")
}

func TestMetricsForLocalhostOrToken(t *testing.T) {
	a := newApp(t)
	a.client().get("/")
	res := a.client().get("/metrics") // httptest serves on 127.0.0.1
	if res.Code != http.StatusOK {
		t.Fatalf("metrics from localhost: %d", res.Code)
	}
	mustContain(t, res.Body, `crowdcare_http_requests_total{method="GET",route="/",status="200"}`,
		`crowdcare_http_request_duration_seconds_bucket{route="/"`, `crowdcare_db_connections_open{pool="writer"}`)
	// Through a proxy (a forwarded request) it is not served without the token.
	req, _ := http.NewRequest(http.MethodGet, a.srv.URL+"/metrics", nil)
	req.Header.Set("X-Forwarded-For", "203.0.113.5")
	if res := a.client().do(req); res.Code != http.StatusNotFound {
		t.Fatalf("forwarded metrics request: %d", res.Code)
	}
}

// Behind a reverse proxy on the same machine that adds no X-Forwarded-For,
// every visitor arrives from loopback: with --trust-proxy only the token
// opens the metrics.
func TestMetricsBehindProxyNeedToken(t *testing.T) {
	a := newAppWith(t, testdb.Location(t, "t.db"), Config{BaseURL: "http://forum.test", TrustProxy: true, MetricsToken: "s3cret"})
	if res := a.client().get("/metrics"); res.Code != http.StatusNotFound {
		t.Fatalf("loopback metrics request with --trust-proxy: %d", res.Code)
	}
	req, _ := http.NewRequest(http.MethodGet, a.srv.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer s3cret")
	if res := a.client().do(req); res.Code != http.StatusOK {
		t.Fatalf("metrics with the token: %d", res.Code)
	}
	b := newAppWith(t, testdb.Location(t, "t.db"), Config{BaseURL: "http://forum.test", TrustProxy: true})
	if res := b.client().get("/metrics"); res.Code != http.StatusNotFound {
		t.Fatalf("loopback metrics request with --trust-proxy and no token: %d", res.Code)
	}
}

func TestVisitorPagesAreCachedUntilSomethingChanges(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.register("alice")
	thread := c.ask("Router reboots itself every night")
	visitor := func() *response {
		req, _ := http.NewRequest(http.MethodGet, a.srv.URL+thread, nil)
		res, err := http.DefaultTransport.RoundTrip(req) // no cookies at all
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b := new(strings.Builder)
		io.Copy(b, res.Body)
		return &response{Code: res.StatusCode, Body: b.String(), Header: res.Header}
	}
	first, second := visitor(), visitor()
	if first.Header.Get("X-Cache") == "hit" || second.Header.Get("X-Cache") != "hit" || second.Body != first.Body {
		t.Fatalf("cache: first %q, second %q", first.Header.Get("X-Cache"), second.Header.Get("X-Cache"))
	}
	// An answer invalidates it at once.
	c.answer(thread, "Check the maintenance window setting.")
	third := visitor()
	if third.Header.Get("X-Cache") == "hit" || !strings.Contains(third.Body, "Check the maintenance window setting.") {
		t.Fatal("a cached page outlived a change")
	}
	// Logged-in pages never come from the cache, and nothing personal leaks into it.
	mine := c.get(thread)
	if mine.Header.Get("X-Cache") == "hit" || !strings.Contains(mine.Body, "Log out") {
		t.Fatal("a member was served a cached page")
	}
	if strings.Contains(visitor().Body, "Log out") || strings.Contains(visitor().Body, `name="_csrf"`) {
		t.Fatal("the cache holds a member's page or a CSRF token")
	}
}

func TestSearchIsRateLimitedPerAddress(t *testing.T) {
	a := newApp(t)
	e, err := New(context.Background(), Config{BaseURL: "http://forum.test", SearchRate: 1, SearchBurst: 3}, a.store,
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	defer srv.Close()
	codes := map[int]int{}
	for i := 0; i < 8; i++ {
		// Different queries: a repeated one is answered from the page cache, which costs nothing.
		res, err := http.Get(srv.URL + "/search?q=router" + strconv.Itoa(i))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		codes[res.StatusCode]++
	}
	if codes[http.StatusTooManyRequests] == 0 || codes[http.StatusOK] == 0 {
		t.Fatalf("statuses: %v", codes)
	}
}
