package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
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
