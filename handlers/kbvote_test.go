package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/kb"
)

// postVote sends "Was this helpful?" as c's browser would from a page, with
// the request headers hdr (Sec-Fetch-Site, Origin) and without a CSRF token
// unless token is set.
func (c *client) postVote(path, helpful, token string, hdr map[string]string) *response {
	c.app.t.Helper()
	form := url.Values{"helpful": {helpful}}
	if token != "" {
		form.Set("_csrf", token)
	}
	req, err := http.NewRequest(http.MethodPost, c.app.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.app.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	return c.do(req)
}

// TestVisitorVoteNeedsThisSiteNotAToken: a visitor's article page is shared
// (public, from the page cache) and its vote form carries no token; a
// visitor's vote counts when it comes from this site (Sec-Fetch-Site
// same-origin, or an Origin that is this host) and is refused from anywhere
// else, another subdomain included. A member's form carries their token,
// and their vote still needs it.
func TestVisitorVoteNeedsThisSiteNotAToken(t *testing.T) {
	a := newApp(t)
	asker, peer := a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	thread, _ := solve(t, a, asker, peer, "Router reboots itself every night", "Disable the nightly maintenance window.")
	kb := articlePath(t, a, thread)
	id := strings.Split(kb, "/")[2]
	vote := "/kb/" + id + "/vote"
	counts := func() (int, int) {
		t.Helper()
		art, err := a.store.Article(context.Background(), atoi(id))
		if err != nil {
			t.Fatal(err)
		}
		return art.HelpfulYes, art.HelpfulNo
	}

	visitor := a.client()
	for i := 0; i < 2; i++ { // the render, then the cache
		res := visitor.getWith(kb, nil)
		if res.Code != http.StatusOK || !isPublic(res.Header.Get("Cache-Control")) {
			t.Fatalf("visitor's article page %d: %d, Cache-Control %q", i+1, res.Code, res.Header.Get("Cache-Control"))
		}
		mustContain(t, res.Body, `action="`+vote+`"`, `value="yes"`)
		mustNotContain(t, res.Body, `name="_csrf"`)
	}

	self := a.srv.URL // scheme://host:port, what a browser sends as Origin from here
	for _, tc := range []struct {
		name string
		hdr  map[string]string
	}{
		{"cross-site", map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"cross-site with this site's Origin", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": self}},
		{"another subdomain", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "http://shop.forum.test"}},
		{"another Origin, no Sec-Fetch-Site", map[string]string{"Origin": "https://evil.example"}},
		{"Origin null", map[string]string{"Origin": "null"}},
	} {
		if res := a.client().postVote(vote, "no", "", tc.hdr); res.Code != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", tc.name, res.Code)
		}
	}
	if yes, no := counts(); yes != 0 || no != 0 {
		t.Fatalf("refused votes counted: yes=%d no=%d", yes, no)
	}

	// From this site: counted, once per visitor.
	for _, tc := range []struct {
		name string
		hdr  map[string]string
	}{
		{"same-origin", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": self}},
		{"this Origin, no Sec-Fetch-Site (an older browser)", map[string]string{"Origin": self}},
		{"the base URL's Origin (behind a proxy that rewrites Host)", map[string]string{"Origin": "http://forum.test"}},
		{"typed into the address bar", map[string]string{"Sec-Fetch-Site": "none"}},
	} {
		if res := a.client().postVote(vote, "yes", "", tc.hdr); res.Code != http.StatusSeeOther {
			t.Errorf("%s: %d, want 303", tc.name, res.Code)
		}
	}
	if yes, no := counts(); yes != 4 || no != 0 {
		t.Fatalf("same-origin votes: yes=%d no=%d, want 4 and 0", yes, no)
	}

	// A member's page has their token in the vote form; without it, even
	// from this site, their vote is refused.
	member := a.client()
	member.register("member")
	page := member.get(kb)
	token := regexpFind(t, page.Body, `action="`+vote+`">\s*<input type="hidden" name="_csrf" value="([^"]+)"`)
	if cc := page.Header.Get("Cache-Control"); cc != ccNoStore {
		t.Errorf("member's article page: Cache-Control %q", cc)
	}
	same := map[string]string{"Sec-Fetch-Site": "same-origin"}
	if res := member.postVote(vote, "no", "", same); res.Code != http.StatusForbidden {
		t.Fatalf("member without a token: %d", res.Code)
	}
	if res := member.postVote(vote, "no", "not-the-token", same); res.Code != http.StatusForbidden {
		t.Fatalf("member with a wrong token: %d", res.Code)
	}
	if res := member.postVote(vote, "no", token, same); res.Code != http.StatusSeeOther {
		t.Fatalf("member with their token: %d", res.Code)
	}
	if res := member.postVote(vote, "no", token, map[string]string{"Sec-Fetch-Site": "cross-site"}); res.Code != http.StatusForbidden {
		t.Fatalf("member's token from another site: %d", res.Code)
	}
	if yes, no := counts(); yes != 4 || no != 1 {
		t.Fatalf("after the member: yes=%d no=%d, want 4 and 1", yes, no)
	}
}

// TestVoterGetsTheirOwnArticlePage: a visitor who voted (a voter id in
// their session cookie) gets the article page rendered for them, showing
// their vote and kept by nobody, every time; other visitors still get the
// shared page without it.
func TestVoterGetsTheirOwnArticlePage(t *testing.T) {
	a := newApp(t)
	asker, peer := a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	thread, _ := solve(t, a, asker, peer, "Router reboots itself every night", "Disable the nightly maintenance window.")
	kb := articlePath(t, a, thread)
	vote := "/kb/" + strings.Split(kb, "/")[2] + "/vote"
	other := a.client()
	other.get(kb)
	other.get(kb)

	voter := a.client()
	voter.get(kb)
	res := voter.postVote(vote, "no", "", map[string]string{"Sec-Fetch-Site": "same-origin"})
	if res.Code != http.StatusSeeOther || res.Location != kb+"#feedback" {
		t.Fatalf("vote: %d %q", res.Code, res.Location)
	}
	for i := 0; i < 3; i++ { // the flash, then the vote alone
		res := voter.getWith(kb, nil)
		if res.Code != http.StatusOK || res.Header.Get("X-Cache") != "" || res.Header.Get("Cache-Control") != ccNoStore {
			t.Fatalf("voter's view %d: %d, X-Cache %q, Cache-Control %q", i+1, res.Code, res.Header.Get("X-Cache"), res.Header.Get("Cache-Control"))
		}
		mustContain(t, res.Body, "You said this did not help", `value="no" class="secondary" aria-pressed="true"`)
		mustNotContain(t, res.Body, `name="_csrf"`)
		if i == 0 {
			mustContain(t, res.Body, "Thanks for your feedback!")
		}
	}
	// Their other pages are the shared ones, kept by their browser only (they send a session cookie),
	// once their vote is no recent write any more (recentwrite.go).
	a.advance(2 * recentWriteWindow)
	voter.get("/") // after the vote (a write), one request renders it again
	if res := voter.getWith("/", nil); res.Header.Get("Cache-Control") != ccPrivateRevalidate || res.Header.Get("X-Cache") != "hit" {
		t.Errorf("voter's home page: Cache-Control %q, X-Cache %q", res.Header.Get("Cache-Control"), res.Header.Get("X-Cache"))
	}
	res = other.getWith(kb, nil)
	if !isPublic(res.Header.Get("Cache-Control")) {
		t.Errorf("another visitor after the vote: Cache-Control %q", res.Header.Get("Cache-Control"))
	}
	mustNotContain(t, res.Body, "You said this", `value="no" class="secondary" aria-pressed="true"`)
	mustContain(t, res.Body, `value="no" class="secondary" aria-pressed="false"`)
}

// TestArticlePagesAgreeOnVisibility: an unpublished article and one in a
// private category are hidden from visitors served by the page cache as
// they are from everyone who may not see them, also after the cache held
// them while they were visible.
func TestArticlePagesAgreeOnVisibility(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	asker, peer := a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	admin := a.adminClient("boss")
	member, partner := a.client(), a.client()
	member.register("member")
	partner.register("partner")
	priv, err := a.store.CreateCategory(ctx, models.NewCategory{Slug: "partners", Name: "Partners"})
	if err != nil {
		t.Fatal(err)
	}
	publicThread, _ := solve(t, a, asker, peer, "Router reboots itself every night", "Turn off the public-answer-marker window.")
	draftThread, _ := solve(t, a, asker, peer, "Wi-Fi drops every evening", "Pick the draft-answer-marker channel.")
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
		sees               map[string]bool // who sees it; everyone else gets 404
	}{
		{"public", articlePath(t, a, publicThread), "public-answer-marker",
			map[string]bool{"visitor": true, "member": true, "partner": true, "staff": true}},
		{"unpublished", articlePath(t, a, draftThread), "draft-answer-marker", map[string]bool{"staff": true}},
		{"private category", articlePath(t, a, privThread), "private-answer-marker", map[string]bool{"partner": true, "staff": true}},
	}
	// The page cache holds all three while visitors may see them.
	visitor := a.client()
	for _, art := range articles {
		for i := 0; i < 2; i++ {
			if res := visitor.get(art.path); res.Code != http.StatusOK || !strings.Contains(res.Body, art.marker) {
				t.Fatalf("%s before hiding: %d", art.name, res.Code)
			}
		}
	}
	if res := admin.post("/kb/"+strings.Split(articles[1].path, "/")[2]+"/publish", url.Values{"published": {"0"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("unpublish: %d", res.Code)
	}
	boss, err := a.store.UserByUsername(ctx, "boss")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.store.SetCategoryGroup(ctx, boss, priv.Slug, "partners"); err != nil {
		t.Fatal(err)
	}
	partnerUser, err := a.store.UserByUsername(ctx, "partner")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.store.AddToGroup(ctx, boss, partnerUser.ID, "partners"); err != nil {
		t.Fatal(err)
	}
	viewers := []struct {
		name string
		c    *client
	}{{"visitor", visitor}, {"fresh visitor", a.client()}, {"member", member}, {"partner", partner}, {"staff", admin}}
	for _, art := range articles {
		for _, v := range viewers {
			sees := art.sees[strings.TrimPrefix(v.name, "fresh ")]
			want := http.StatusNotFound
			if sees {
				want = http.StatusOK
			}
			for round := 0; round < 2; round++ { // the first may fill the cache, the second is served from it
				got := v.c.get(art.path)
				if got.Code != want || strings.Contains(got.Body, art.marker) != sees {
					t.Errorf("%s article, %s, round %d: %d, want %d (shows it: %v)", art.name, v.name, round, got.Code, want, sees)
				}
			}
		}
	}
}

// TestCookielessVotesStopAtTheAddressLimit: a script that rates an article
// without keeping a cookie gets a new voter id each time; past
// kb.VisitorVotesPerDay new ratings from its address the votes are refused
// with a sentence the visitor can read, and the counts stop moving.
func TestCookielessVotesStopAtTheAddressLimit(t *testing.T) {
	a := newApp(t)
	asker, peer := a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	thread, _ := solve(t, a, asker, peer, "Router reboots itself every night", "Disable the nightly maintenance window.")
	id := strings.Split(articlePath(t, a, thread), "/")[2]
	sameSite := map[string]string{"Sec-Fetch-Site": "same-origin"}
	for i := 0; i < kb.VisitorVotesPerDay+3; i++ {
		res := a.client().postVote("/kb/"+id+"/vote", "no", "", sameSite) // a new client: no cookie
		if i < kb.VisitorVotesPerDay && res.Code != http.StatusSeeOther {
			t.Fatalf("cookieless vote %d: %d", i, res.Code)
		}
		if i >= kb.VisitorVotesPerDay && (res.Code != http.StatusForbidden || !strings.Contains(res.Body, "rated 10 times from your network today")) {
			t.Errorf("cookieless vote %d, past the limit: %d", i, res.Code)
		}
	}
	art, err := a.store.Article(context.Background(), atoi(id))
	if err != nil || art.HelpfulNo != kb.VisitorVotesPerDay {
		t.Errorf("helpful_no = %d (%v), want %d", art.HelpfulNo, err, kb.VisitorVotesPerDay)
	}
	// A member's vote is theirs, whatever their address has done.
	if res := peer.postVote("/kb/"+id+"/vote", "yes", peer.token(), sameSite); res.Code != http.StatusSeeOther {
		t.Errorf("a member's vote: %d", res.Code)
	}
}
