package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestArticleCacheMatchesDirectRender: a visitor's article page from the
// cache is byte for byte the page rendered from scratch, before and after
// voting, and a member's is not affected.
func TestArticleCacheMatchesDirectRender(t *testing.T) {
	cached, direct := twinApps(t)
	asker, peer := cached.client(), cached.client()
	asker.register("asker")
	peer.register("peer")
	thread, _ := solve(t, cached, asker, peer, "Router reboots itself every night", "Disable the **nightly maintenance** window in Settings.")
	kb := articlePath(t, cached, thread)
	visitor := cached.client()
	for round := 0; round < 2; round++ {
		got, want := visitor.get(kb), visitor.on(direct).get(kb)
		if got.Code != 200 || got.Body != want.Body {
			t.Fatalf("visitor, round %d: %d\n%s", round, got.Code, firstDiff(got.Body, want.Body))
		}
		mustContain(t, got.Body, `name="_csrf" value="`, "Was this helpful?")
	}
	if res := visitor.post("/kb/"+strings.Split(kb, "/")[2]+"/vote", url.Values{"helpful": {"yes"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("vote: %d", res.Code)
	}
	visitor.get("/kb") // shows the thank-you flash
	got, want := visitor.get(kb), visitor.on(direct).get(kb)
	if got.Body != want.Body {
		t.Fatalf("after voting:\n%s", firstDiff(got.Body, want.Body))
	}
	mustContain(t, got.Body, "You said this helped")
	asker.get("/notifications")
	if got, want := asker.get(kb), asker.on(direct).get(kb); got.Body != want.Body {
		t.Fatalf("member:\n%s", firstDiff(got.Body, want.Body))
	}
}

// TestArticleCacheKeepsCSRF: each visitor's cached article page carries
// their own token, which works for them alone; a missing or foreign token
// is still refused.
func TestArticleCacheKeepsCSRF(t *testing.T) {
	app := newApp(t)
	asker, peer := app.client(), app.client()
	asker.register("asker")
	peer.register("peer")
	thread, _ := solve(t, app, asker, peer, "Wi-Fi drops every evening", "Pick a fixed channel such as 36.")
	kb := articlePath(t, app, thread)
	vote := "/kb/" + strings.Split(kb, "/")[2] + "/vote"
	one, two := app.client(), app.client()
	onePage, twoPage := one.get(kb).Body, two.get(kb).Body
	oneToken := regexpFind(t, onePage, `name="_csrf" value="([^"]+)"`)
	twoToken := regexpFind(t, twoPage, `name="_csrf" value="([^"]+)"`)
	if oneToken == twoToken {
		t.Fatal("two visitors got the same token")
	}
	// The token on each page is the one the CSRF check issued to that browser.
	for _, v := range []struct {
		c     *client
		token string
	}{{one, oneToken}, {two, twoToken}, {one, regexpFind(t, one.get(kb).Body, `name="_csrf" value="([^"]+)"`)}} {
		issued := ""
		for _, ck := range v.c.http.Jar.Cookies(mustURL(t, app.srv.URL)) {
			if ck.Name == "_csrf" {
				issued = ck.Value
			}
		}
		if issued == "" || v.token != issued {
			t.Fatalf("page token %q, issued %q", v.token, issued)
		}
	}
	mustNotContain(t, twoPage, oneToken)
	if res := two.postRaw(vote, url.Values{"_csrf": {oneToken}, "helpful": {"yes"}}.Encode()); res.Code != http.StatusForbidden {
		t.Fatalf("someone else's token: %d", res.Code)
	}
	if res := two.postRaw(vote, url.Values{"helpful": {"yes"}}.Encode()); res.Code != http.StatusForbidden {
		t.Fatalf("no token: %d", res.Code)
	}
	if res := two.postRaw(vote, url.Values{"_csrf": {twoToken}, "helpful": {"no"}}.Encode()); res.Code != http.StatusSeeOther {
		t.Fatalf("own token from the cached page: %d", res.Code)
	}
}
