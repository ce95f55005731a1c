package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// setTheme posts the footer's form as a browser would: no CSRF token (the
// button is on cached visitor pages too), the page's path in next.
func (c *client) setTheme(theme, next string, header ...string) *response {
	c.app.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.app.srv.URL+"/theme",
		strings.NewReader(url.Values{"theme": {theme}, "next": {next}}.Encode()))
	if err != nil {
		c.app.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.do(req)
}

// themeOfPage is the data-theme a page forces, "" for none.
func themeOfPage(t *testing.T, body string) string {
	t.Helper()
	switch {
	case strings.Contains(body, `<html lang="en" data-theme="dark">`):
		return "dark"
	case strings.Contains(body, `<html lang="en" data-theme="light">`):
		return "light"
	case strings.Contains(body, `<html lang="en">`):
		return ""
	}
	t.Fatalf("no <html> tag: %.200s", body)
	return ""
}

// pressed is the theme button a page shows as chosen.
func pressed(t *testing.T, body string) string {
	t.Helper()
	for _, v := range []string{"light", "dark", "system"} {
		if strings.Contains(body, `name="theme" value="`+v+`" aria-pressed="true"`) {
			return v
		}
	}
	t.Fatalf("no theme button pressed")
	return ""
}

// The footer's buttons keep the choice in the theme cookie, without a CSRF
// token and without JavaScript; pages then force that scheme, and "system"
// follows the system again.
func TestThemeCookieForcesTheScheme(t *testing.T) {
	a := newApp(t)
	c := a.client()
	home := c.get("/").Body
	if themeOfPage(t, home) != "" || pressed(t, home) != "system" {
		t.Fatalf("a new visitor's page forces a scheme")
	}
	mustContain(t, home, `<form class="theme-switch" method="post" action="/theme">`, `<input type="hidden" name="next" value="/">`)
	mustNotContain(t, home, `name="_csrf"`)

	res := c.setTheme("dark", "/kb")
	if res.Code != http.StatusSeeOther || res.Location != "/kb" {
		t.Fatalf("dark: %d to %q", res.Code, res.Location)
	}
	ck := res.Header.Get("Set-Cookie")
	for _, want := range []string{"theme=dark", "Path=/", "Max-Age=31536000", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(ck, want) {
			t.Errorf("cookie %q lacks %s", ck, want)
		}
	}
	kb := c.get("/kb").Body
	if themeOfPage(t, kb) != "dark" || pressed(t, kb) != "dark" {
		t.Errorf("after choosing dark: %q, %q pressed", themeOfPage(t, kb), pressed(t, kb))
	}
	c.setTheme("light", "/")
	if p := c.get("/").Body; themeOfPage(t, p) != "light" || pressed(t, p) != "light" {
		t.Errorf("after choosing light: %q", themeOfPage(t, p))
	}
	res = c.setTheme("system", "/")
	if !strings.Contains(res.Header.Get("Set-Cookie"), "Max-Age=0") {
		t.Errorf("system keeps the cookie: %q", res.Header.Get("Set-Cookie"))
	}
	if p := c.get("/").Body; themeOfPage(t, p) != "" || pressed(t, p) != "system" {
		t.Errorf("after choosing system: %q", themeOfPage(t, p))
	}

	if res := c.setTheme("neon", "/"); res.Code != http.StatusBadRequest || res.Header.Get("Set-Cookie") != "" {
		t.Errorf("theme=neon: %d, cookie %q", res.Code, res.Header.Get("Set-Cookie"))
	}
	// A cookie someone made up forces nothing.
	req, _ := http.NewRequest(http.MethodGet, a.srv.URL+"/", nil)
	req.AddCookie(&http.Cookie{Name: "theme", Value: "dark-ish"})
	if p := a.client().do(req).Body; themeOfPage(t, p) != "" || strings.Contains(p, "dark-ish") {
		t.Error("a made-up theme cookie reached the page")
	}
}

// The theme form goes back only to this site, with the query string of
// the page it was on.
func TestThemeGoesBackOnlyToThisSite(t *testing.T) {
	a := newApp(t)
	c := a.client()
	for next, want := range map[string]string{
		"/search": "/search", "": "/", "//evil.example": "/", "https://evil.example/": "/", "/\\evil.example": "/",
		"/\t/evil.example": "/", "evil.example": "/",
	} {
		if res := c.setTheme("dark", next); res.Code != http.StatusSeeOther || res.Location != want {
			t.Errorf("next=%q: %d to %q, want %q", next, res.Code, res.Location, want)
		}
	}
	host := strings.TrimPrefix(a.srv.URL, "http://")
	for _, tc := range []struct{ referer, next, want string }{
		{"http://" + host + "/search?q=router+lights&solved=1", "/search", "/search?q=router+lights&solved=1"},
		{"http://" + host + "/c/general?page=2", "/c/general", "/c/general?page=2"},
		{"http://evil.example/search?q=x", "/search", "/search"},                                       // another site's query is not taken
		{"http://" + host + "/kb?page=3", "/search", "/search"},                                        // nor another page's
		{"http://" + host + "//evil.example/?q=x", "//evil.example/", "/"},                             // nor a way out of the site
		{"http://" + host + "/search?q=%0d%0aSet-Cookie:x", "/search", "/search?q=%0d%0aSet-Cookie:x"}, // kept escaped
	} {
		res := c.setTheme("light", tc.next, "Referer", tc.referer)
		if res.Location != tc.want {
			t.Errorf("from %s, next %q: to %q, want %q", tc.referer, tc.next, res.Location, tc.want)
		}
	}
}

// A cross-site form cannot switch a visitor's colours, and a suspended
// member may still switch theirs.
func TestThemeRefusalsAndSuspension(t *testing.T) {
	a := newApp(t)
	c := a.client()
	if res := c.setTheme("dark", "/", "Sec-Fetch-Site", "cross-site"); res.Code != http.StatusForbidden || res.Header.Get("Set-Cookie") != "" {
		t.Errorf("cross-site post: %d, cookie %q", res.Code, res.Header.Get("Set-Cookie"))
	}
	if res := c.setTheme("dark", "/", "Sec-Fetch-Site", "same-origin"); res.Code != http.StatusSeeOther {
		t.Errorf("same-origin post: %d", res.Code)
	}
	m := a.client()
	m.register("maria")
	a.suspendByAdmin("maria")
	if res := m.setTheme("dark", "/settings"); res.Code != http.StatusSeeOther || res.Location != "/settings" {
		t.Errorf("suspended member: %d to %q", res.Code, res.Location)
	}
	if themeOfPage(t, m.get("/settings").Body) != "dark" {
		t.Error("suspended member's settings page is not dark")
	}
}

// Every cache of rendered pages keeps a page per forced scheme: the page
// cache (visitor lists), the thread cache (threads, visitors and members)
// and the article cache (KB articles for visitors).
func TestCachedPagesFollowTheTheme(t *testing.T) {
	a := newApp(t)
	asker, peer := a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	thread, _ := solve(t, a, asker, peer, "Router reboots itself every night", "Disable the nightly maintenance window in Settings.")
	article := articlePath(t, a, thread)
	system, dark, light := a.client(), a.client(), a.client()
	dark.setTheme("dark", "/")
	light.setTheme("light", "/")
	member := a.client()
	member.register("reader")
	member.setTheme("dark", "/")

	for _, path := range []string{"/", "/kb", "/leaderboard", thread, article} {
		for round := 0; round < 3; round++ { // the second and third come from the caches
			for _, c := range []struct {
				who  string
				c    *client
				want string
			}{{"visitor", system, ""}, {"dark visitor", dark, "dark"}, {"light visitor", light, "light"}, {"dark member", member, "dark"}} {
				res := c.c.get(path)
				if res.Code != http.StatusOK {
					t.Fatalf("%s %s: %d", c.who, path, res.Code)
				}
				if got := themeOfPage(t, res.Body); got != c.want {
					t.Errorf("%s, round %d, %s: data-theme %q, want %q (X-Cache %q)", path, round, c.who, got, c.want, res.Header.Get("X-Cache"))
				}
			}
		}
	}
	if res := system.get("/"); res.Header.Get("X-Cache") != "hit" {
		t.Errorf("the visitor's home page is not cached any more: %q", res.Header.Get("X-Cache"))
	}
	if res := dark.get("/"); res.Header.Get("X-Cache") != "hit" {
		t.Errorf("the dark visitor's home page is not cached: %q", res.Header.Get("X-Cache"))
	}
}
