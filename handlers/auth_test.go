package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestRegisterLogsInAndLogoutEnds(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.register("alice")
	home := c.get("/")
	mustContain(t, home.Body, `href="/u/alice"`, "Log out")
	res := c.post("/logout", nil)
	if res.Code != http.StatusSeeOther || res.Location != "/" {
		t.Fatalf("logout: %d %s", res.Code, res.Location)
	}
	mustNotContain(t, c.get("/").Body, "Log out")
}

func TestRegisterRejectsBadInputAndKeepsIt(t *testing.T) {
	a := newApp(t)
	a.client().register("alice")
	c := a.client()
	res := c.post("/register", url.Values{"username": {"Alice"}, "email": {"not-an-email"}, "password": {"short"}})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", res.Code)
	}
	mustContain(t, res.Body, `value="Alice"`, `value="not-an-email"`, "That username is taken.",
		"Enter an email address like name@example.com.", "Use at least 8 characters.", `aria-invalid="true"`)
	mustNotContain(t, res.Body, `value="short"`) // passwords are never echoed back
}

func TestLoginWrongPasswordKeepsUsernameAndThrottles(t *testing.T) {
	a := newApp(t)
	a.client().register("alice")
	c := a.client()
	res := c.post("/login", url.Values{"username": {"alice"}, "password": {"wrong password"}})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", res.Code)
	}
	mustContain(t, res.Body, `value="alice"`, "Wrong username or password.")
	for i := 0; i < 4; i++ {
		c.post("/login", url.Values{"username": {"alice"}, "password": {"wrong password"}})
	}
	res = c.post("/login", url.Values{"username": {"alice"}, "password": {"correct horse"}})
	if res.Code != http.StatusTooManyRequests {
		t.Fatalf("after 5 failures: status %d", res.Code)
	}
	mustContain(t, res.Body, "Too many failed attempts")
}

func TestLoginGivesAFreshSessionAndHonoursNext(t *testing.T) {
	a := newApp(t)
	a.client().register("alice")
	c := a.client()
	c.get("/login")
	before := c.http.Jar.Cookies(mustURL(t, a.srv.URL))
	res := c.post("/login", url.Values{"username": {"alice"}, "password": {"correct horse"}, "next": {"/ask"}})
	if res.Code != http.StatusSeeOther || res.Location != "/ask" {
		t.Fatalf("login: %d %q", res.Code, res.Location)
	}
	after := c.http.Jar.Cookies(mustURL(t, a.srv.URL))
	if cookie(after, sessionName) == "" || cookie(after, sessionName) == cookie(before, sessionName) {
		t.Fatal("login did not set a new session cookie")
	}
	setCookie := res.Header.Get("Set-Cookie")
	for _, attr := range []string{"HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(setCookie, attr) {
			t.Errorf("session cookie %q lacks %s", setCookie, attr)
		}
	}
	// An off-site next is ignored.
	c2 := a.client()
	res = c2.post("/login", url.Values{"username": {"alice"}, "password": {"correct horse"}, "next": {"//evil.example/"}})
	if res.Location != "/" {
		t.Fatalf("open redirect: %q", res.Location)
	}
}

func TestSessionSurvivesRestart(t *testing.T) {
	// The session key is stored in the database, so a new process over the
	// same file accepts the old cookie.
	a := newApp(t)
	c := a.client()
	c.register("alice")
	b := newAppAt(t, a.store.Path())
	req, _ := http.NewRequest(http.MethodGet, b.srv.URL+"/", nil)
	for _, ck := range c.http.Jar.Cookies(mustURL(t, a.srv.URL)) {
		req.AddCookie(ck)
	}
	res := b.client().do(req)
	mustContain(t, res.Body, `href="/u/alice"`)
}

func TestMissingOrWrongCSRFIsRefused(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.register("alice")
	for name, form := range map[string]url.Values{
		"missing": {"title": {"A perfectly fine title"}},
		"wrong":   {"title": {"A perfectly fine title"}, "_csrf": {"forged-token"}},
	} {
		res := c.postRaw("/ask", form.Encode())
		if res.Code != http.StatusForbidden {
			t.Errorf("%s token: status %d", name, res.Code)
		}
		mustContain(t, res.Body, "Not allowed", `class="site-header"`)
	}
	// A token from another browser does not work either.
	other := a.client()
	res := c.postRaw("/logout", url.Values{"_csrf": {other.token()}}.Encode())
	if res.Code != http.StatusForbidden {
		t.Errorf("foreign token: status %d", res.Code)
	}
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func cookie(cs []*http.Cookie, name string) string {
	for _, c := range cs {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}
