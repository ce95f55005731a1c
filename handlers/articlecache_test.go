package handlers

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/crowdcare/crowdcare/models"
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

// TestArticleCacheAgreesOnVisibility: whoever asks, an article page served
// with the visitors' article cache has the status of the one served without
// it, and shows the article only when that one does: an unpublished article
// and one in a private category are as hidden from a visitor from the cache
// as they are from the uncached path, also after the cache held them while
// they were visible.
func TestArticleCacheAgreesOnVisibility(t *testing.T) {
	cached, direct := twinApps(t)
	ctx := context.Background()
	asker, peer := cached.client(), cached.client()
	asker.register("asker")
	peer.register("peer")
	admin := cached.adminClient("boss")
	member, partner := cached.client(), cached.client()
	member.register("member")
	partner.register("partner")
	priv, err := cached.store.CreateCategory(ctx, models.NewCategory{Slug: "partners", Name: "Partners"})
	if err != nil {
		t.Fatal(err)
	}

	publicThread, _ := solve(t, cached, asker, peer, "Router reboots itself every night", "Turn off the public-answer-marker window.")
	draftThread, _ := solve(t, cached, asker, peer, "Wi-Fi drops every evening", "Pick the draft-answer-marker channel.")
	res := asker.post("/ask", url.Values{"title": {"Partner portal login loops"}, "category": {priv.Slug},
		"body": {"The partner portal sends me back to the login page."}, "tags": {"portal"}})
	if res.Code != http.StatusSeeOther {
		t.Fatalf("ask in the partners category: %d", res.Code)
	}
	privThread := res.Location
	ans := peer.answer(privThread, "Clear the private-answer-marker cookie.")
	if res := asker.post("/p/"+ans+"/accept", nil); res.Code != http.StatusSeeOther {
		t.Fatalf("accept: %d", res.Code)
	}
	articles := []struct {
		name, path, marker string
		// who sees it; everyone else gets 404
		sees map[string]bool
	}{
		{"public", articlePath(t, cached, publicThread), "public-answer-marker",
			map[string]bool{"visitor": true, "member": true, "partner": true, "staff": true}},
		{"unpublished", articlePath(t, cached, draftThread), "draft-answer-marker", map[string]bool{"staff": true}},
		{"private category", articlePath(t, cached, privThread), "private-answer-marker",
			map[string]bool{"partner": true, "staff": true}},
	}
	// A visitor's cache holds all three while they are visible to visitors.
	visitor := cached.client()
	for _, a := range articles {
		if res := visitor.get(a.path); res.Code != http.StatusOK || !strings.Contains(res.Body, a.marker) {
			t.Fatalf("%s before hiding: %d", a.name, res.Code)
		}
	}

	if res := admin.post("/kb/"+strings.Split(articles[1].path, "/")[2]+"/publish", url.Values{"published": {"0"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("unpublish: %d", res.Code)
	}
	boss, err := cached.store.UserByUsername(ctx, "boss")
	if err != nil {
		t.Fatal(err)
	}
	if err := cached.store.SetCategoryGroup(ctx, boss, priv.Slug, "partners"); err != nil {
		t.Fatal(err)
	}
	partnerUser, err := cached.store.UserByUsername(ctx, "partner")
	if err != nil {
		t.Fatal(err)
	}
	if err := cached.store.AddToGroup(ctx, boss, partnerUser.ID, "partners"); err != nil {
		t.Fatal(err)
	}

	viewers := []struct {
		name string
		c    *client
	}{{"visitor", visitor}, {"fresh visitor", cached.client()}, {"member", member}, {"partner", partner}, {"staff", admin}}
	for _, a := range articles {
		for _, v := range viewers {
			sees := a.sees[strings.TrimPrefix(v.name, "fresh ")]
			want := v.c.on(direct).get(a.path)
			// Twice: the first may fill the cache, the second is served from it.
			for round := 0; round < 2; round++ {
				got := v.c.get(a.path)
				if got.Code != want.Code || strings.Contains(got.Body, a.marker) != strings.Contains(want.Body, a.marker) {
					t.Errorf("%s article, %s, round %d: cached %d (shows it: %v), uncached %d (shows it: %v)", a.name, v.name, round,
						got.Code, strings.Contains(got.Body, a.marker), want.Code, strings.Contains(want.Body, a.marker))
				}
				wantCode := http.StatusNotFound
				if sees {
					wantCode = http.StatusOK
				}
				if got.Code != wantCode || strings.Contains(got.Body, a.marker) != sees {
					t.Errorf("%s article, %s, round %d: %d, want %d (shows it: %v)", a.name, v.name, round, got.Code, wantCode, sees)
				}
			}
		}
	}
}

// TestUnshareableArticlePageFallsBack: when a visitor's article page shows
// more than the CSRF slot (a template bug: here the cache's mark and the
// account-links slot in the title stand for one), the visitor still gets
// the page, rendered as usual, and the cache tries and logs it once.
func TestUnshareableArticlePageFallsBack(t *testing.T) {
	logs := &logCount{n: map[string]int{}}
	cached, direct, h := twinAppsLogging(t, slog.New(logs))
	asker, peer := cached.client(), cached.client()
	asker.register("asker")
	peer.register("peer")
	thread, _ := solve(t, cached, asker, peer, "Router reboots "+h.articles.mark+slotNav+" every night", "Disable the **nightly maintenance** window in Settings.")
	kb := articlePath(t, cached, thread)
	visitor := cached.client()
	for i := 0; i < 3; i++ {
		got, want := visitor.get(kb), visitor.on(direct).get(kb)
		if got.Code != http.StatusOK || got.Body != want.Body {
			t.Fatalf("view %d: %d\n%s", i, got.Code, firstDiff(got.Body, want.Body))
		}
		mustContain(t, got.Body, "nightly maintenance")
	}
	if n := logs.count("article page not cached"); n != 1 {
		t.Fatalf("3 views: refused %d times, want once", n)
	}
}

// TestArticleCacheCountsWhatItHolds: the bytes the article cache counts are
// those its entries hold, rendered pages included, so its budget holds.
func TestArticleCacheCountsWhatItHolds(t *testing.T) {
	cached, _, h := twinAppsLogging(t, slog.New(slog.NewTextHandler(io.Discard, nil)))
	asker, peer := cached.client(), cached.client()
	asker.register("asker")
	peer.register("peer")
	visitor := cached.client()
	for i, title := range []string{"Router reboots itself every night", "Wi-Fi drops every evening", "Voicemail PIN is refused"} {
		thread, _ := solve(t, cached, asker, peer, title, fmt.Sprintf("Answer number %d: update the firmware, then restart.", i))
		kb := articlePath(t, cached, thread)
		for j := 0; j < 2; j++ {
			if res := visitor.get(kb); res.Code != http.StatusOK {
				t.Fatalf("%s: %d", kb, res.Code)
			}
		}
	}
	h.articles.mu.Lock()
	defer h.articles.mu.Unlock()
	held, rendered := 0, 0
	for _, e := range h.articles.entries {
		held += e.size
		if e.segs != nil {
			rendered++
		}
	}
	if rendered == 0 || h.articles.bytes != held {
		t.Fatalf("%d entries (%d rendered) hold %d bytes, %d counted", len(h.articles.entries), rendered, held, h.articles.bytes)
	}
}
