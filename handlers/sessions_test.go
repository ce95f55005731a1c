package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/internal/testdb"
)

// A session cookie copied before logout is worth nothing after it.
func TestCopiedCookieRefusedAfterLogout(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.register("alice")
	copied := c.http.Jar.Cookies(mustURL(t, a.srv.URL))
	withCopy := func() *response {
		req, _ := http.NewRequest(http.MethodGet, a.srv.URL+"/settings", nil)
		for _, ck := range copied {
			req.AddCookie(ck)
		}
		return a.client().do(req)
	}
	if res := withCopy(); res.Code != http.StatusOK {
		t.Fatalf("copied cookie before logout: status %d, want 200", res.Code)
	}
	if res := c.post("/logout", nil); res.Code != http.StatusSeeOther {
		t.Fatalf("logout: %d", res.Code)
	}
	res := withCopy()
	if res.Code != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/login") {
		t.Fatalf("copied cookie after logout: %d %q, want a redirect to /login", res.Code, res.Location)
	}
	// A second app server over the same database refuses it too: the record
	// of live sessions is in the database, not in one server's memory.
	b := newAppAt(t, a.store.Path())
	req, _ := http.NewRequest(http.MethodGet, b.srv.URL+"/", nil)
	for _, ck := range copied {
		req.AddCookie(ck)
	}
	mustNotContain(t, b.client().do(req).Body, "Log out")
}

// Logging in and out gives the browser a new CSRF token.
func TestCSRFTokenChangesAtLoginAndLogout(t *testing.T) {
	a := newApp(t)
	a.client().register("alice")
	c := a.client()
	before := c.token()
	if res := c.post("/login", url.Values{"username": {"alice"}, "password": {"correct horse"}, "_csrf": {before}}); res.Code != http.StatusSeeOther {
		t.Fatalf("login: %d", res.Code)
	}
	after := c.token()
	if after == before {
		t.Fatal("the CSRF token is the same before and after login")
	}
	if res := c.post("/logout", url.Values{"_csrf": {after}}); res.Code != http.StatusSeeOther {
		t.Fatalf("logout: %d", res.Code)
	}
	if c.token() == after {
		t.Fatal("the CSRF token is the same before and after logout")
	}
}

// The CSRF token counts only in the body: a URL leaks into logs, history and Referer.
func TestCSRFTokenInQueryStringRefused(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.register("alice")
	tok := c.token()
	form := url.Values{"title": {"Router reboots every night"}, "category": {"general"},
		"body": {"The router reboots itself every night at 2am."}}
	if res := c.postRaw("/ask?_csrf="+url.QueryEscape(tok), form.Encode()); res.Code != http.StatusForbidden {
		t.Fatalf("POST /ask with _csrf in the query: status %d, want 403", res.Code)
	}
	form.Set("_csrf", tok)
	if res := c.postRaw("/ask", form.Encode()); res.Code != http.StatusSeeOther {
		t.Fatalf("POST /ask with _csrf in the body: status %d, want 303", res.Code)
	}
}

// newProxiedApp trusts X-Forwarded-For, so tests can log in from several addresses.
func newProxiedApp(t *testing.T) *testApp {
	t.Helper()
	return newAppWith(t, testdb.Location(t, "test.db"), Config{BaseURL: "http://forum.test", TrustProxy: true})
}

// loginFrom posts the login form as if from addr.
func (c *client) loginFrom(addr, user, password string) *response {
	c.app.t.Helper()
	body := url.Values{"_csrf": {c.token()}, "username": {user}, "password": {password}}.Encode()
	req, _ := http.NewRequest(http.MethodPost, c.app.srv.URL+"/login", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", addr)
	return c.do(req)
}

// An attacker's failures from one address do not lock the owner out.
func TestAttackerCannotLockOutTheRightPassword(t *testing.T) {
	a := newProxiedApp(t)
	a.client().register("admin")
	attacker := a.client()
	for i := 0; i < 12; i++ {
		attacker.loginFrom("203.0.113.7", "admin", "guess")
	}
	if res := attacker.loginFrom("203.0.113.7", "admin", "guess"); res.Code != http.StatusTooManyRequests {
		t.Fatalf("attacker after 13 failures: status %d, want 429", res.Code)
	}
	owner := a.client()
	if res := owner.loginFrom("198.51.100.2", "admin", "correct horse"); res.Code != http.StatusSeeOther {
		t.Fatalf("owner from another address: status %d, want 303", res.Code)
	}
	// The owner's login does not reset the attacker's delay.
	if res := attacker.loginFrom("203.0.113.7", "admin", "guess"); res.Code != http.StatusTooManyRequests {
		t.Fatalf("attacker after the owner logged in: status %d, want 429", res.Code)
	}
}

// After five failures for one account from one address, each further try
// waits twice as long as the one before.
func TestLoginDelaysGrowPerAccountAndAddress(t *testing.T) {
	a := newProxiedApp(t)
	a.client().register("alice")
	c := a.client()
	const addr = "203.0.113.7"
	for i := 0; i < 5; i++ {
		if res := c.loginFrom(addr, "alice", "guess"); res.Code != http.StatusUnprocessableEntity {
			t.Fatalf("failure %d: status %d, want 422", i+1, res.Code)
		}
	}
	for _, delay := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second} {
		res := c.loginFrom(addr, "alice", "correct horse")
		if res.Code != http.StatusTooManyRequests {
			t.Fatalf("before waiting %v: status %d, want 429", delay, res.Code)
		}
		mustContain(t, res.Body, "Too many failed attempts. Try again in")
		if res.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
		a.advance(delay / 2)
		if res := c.loginFrom(addr, "alice", "correct horse"); res.Code != http.StatusTooManyRequests {
			t.Fatalf("half-way through %v: status %d, want 429", delay, res.Code)
		}
		// Times are kept in whole seconds: a second more is always enough.
		a.advance(delay/2 + time.Second)
		if res := c.loginFrom(addr, "alice", "guess"); res.Code != http.StatusUnprocessableEntity {
			t.Fatalf("after waiting %v: status %d, want 422", delay, res.Code)
		}
	}
	// The delay stops growing at 15 minutes.
	for i := 0; i < 12; i++ {
		a.advance(16 * time.Minute)
		if res := c.loginFrom(addr, "alice", "guess"); res.Code != http.StatusUnprocessableEntity {
			t.Fatalf("after 16 minutes (%d): status %d, want 422", i, res.Code)
		}
	}
	res := c.loginFrom(addr, "alice", "correct horse")
	mustContain(t, res.Body, "Try again in 15 minutes")
	a.advance(16 * time.Minute)
	if res := c.loginFrom(addr, "alice", "correct horse"); res.Code != http.StatusSeeOther {
		t.Fatalf("right password after the delay: status %d, want 303", res.Code)
	}
}

// The password form checks the current password as the login form does:
// someone holding a member's session (a borrowed laptop, a stolen cookie)
// cannot guess the password there at the post rate instead of the login's.
func TestPasswordFormGuessesAreThrottled(t *testing.T) {
	a := newApp(t)
	thief := a.client()
	thief.register("alice")
	change := func(current string) *response {
		return thief.post("/settings/password", url.Values{"current_password": {current}, "new_password": {"battery staple"}})
	}
	for i := 0; i < 5; i++ {
		if res := change(fmt.Sprintf("guess %d", i)); res.Code != http.StatusUnprocessableEntity {
			t.Fatalf("guess %d: %d", i, res.Code)
		}
	}
	res := change("guess 5")
	if res.Code != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("sixth wrong current password: %d, want 429 with Retry-After", res.Code)
	}
	mustContain(t, res.Body, "Too many failed attempts")
	// While the pair waits, even the right password is not checked.
	if res := change("correct horse"); res.Code != http.StatusTooManyRequests {
		t.Fatalf("right password during the wait: %d", res.Code)
	}
	a.advance(2 * time.Second)
	if res := change("correct horse"); res.Code != http.StatusSeeOther {
		t.Fatalf("right password after the wait: %d %s", res.Code, res.Body)
	}
}
