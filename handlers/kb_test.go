package handlers

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/crowdcare/crowdcare/models"
)

// solve makes a thread answered by peer and accepted by asker; returns the thread path and answer id.
func solve(t *testing.T, a *testApp, asker, peer *client, title, answer string) (string, string) {
	t.Helper()
	thread := asker.ask(title)
	ans := peer.answer(thread, answer)
	if res := asker.post("/p/"+ans+"/accept", nil); res.Code != http.StatusSeeOther {
		t.Fatalf("accept: %d", res.Code)
	}
	return thread, ans
}

func articlePath(t *testing.T, a *testApp, thread string) string {
	t.Helper()
	art, err := a.store.ArticleForThread(context.Background(), threadID(thread))
	if err != nil {
		t.Fatal(err)
	}
	return art.URL()
}

func TestAcceptedAnswerBecomesArticleFoundBySearch(t *testing.T) {
	a := newApp(t)
	asker, peer := a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	thread, _ := solve(t, a, asker, peer, "Router reboots itself every night", "Disable the **nightly maintenance** window in Settings.")
	kb := articlePath(t, a, thread)

	visitor := a.client()
	page := visitor.get(kb)
	if page.Code != http.StatusOK {
		t.Fatalf("article: %d", page.Code)
	}
	mustContain(t, page.Body, "<h1>Router reboots itself every night</h1>", "<strong>nightly maintenance</strong>",
		"The router reboots itself every night at about 2am.", `href="`+thread+`"`, "Was this helpful?")
	mustNotContain(t, page.Body, "Curator tools", "Feedback so far")
	mustContain(t, visitor.get(thread).Body, "This answer is in the knowledge base", `href="`+kb+`"`)
	mustContain(t, visitor.get("/kb").Body, `href="`+kb+`"`, "General")
	if res := visitor.get(strings.Join(strings.Split(kb, "/")[:3], "/")); res.Code != http.StatusMovedPermanently || res.Location != kb {
		t.Fatalf("/kb/{id}: %d %q", res.Code, res.Location)
	}

	// One hit for the question: the article, with a link to the discussion.
	res := visitor.get("/search?q=maintenance")
	mustContain(t, res.Body, "1 result", `href="`+kb+`"`, `href="`+thread+`"`, "Knowledge base</span>", "<mark>maintenance</mark>")
	if n := strings.Count(res.Body, `class="search-hit"`); n != 1 {
		t.Errorf("%d hits for one question", n)
	}
	res = visitor.get("/search?q=maintenance&solved=1&c=general&tag=router")
	mustContain(t, res.Body, "1 result", `href="`+kb+`"`)
	if res := visitor.get("/search?q=maintenance&c=no-such-category"); !strings.Contains(res.Body, "No results") {
		t.Error("unknown category filter should find nothing")
	}
}

func TestArticleFeedbackOncePerVisitorAndCountsForCurators(t *testing.T) {
	a := newApp(t)
	asker, peer := a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	thread, _ := solve(t, a, asker, peer, "Router reboots itself every night", "Disable the nightly maintenance window.")
	kb := articlePath(t, a, thread)
	id := strings.Split(kb, "/")[2]
	visitor := a.client()
	visitor.get(kb)
	for _, v := range []string{"yes", "yes", "no"} {
		if res := visitor.post("/kb/"+id+"/vote", url.Values{"helpful": {v}}); res.Code != http.StatusSeeOther {
			t.Fatalf("vote: %d %s", res.Code, res.Body)
		}
	}
	a.client().post("/kb/"+id+"/vote", url.Values{"helpful": {"yes"}})
	peer.post("/kb/"+id+"/vote", url.Values{"helpful": {"yes"}})
	art, _ := a.store.Article(context.Background(), atoi(id))
	if art.HelpfulYes != 2 || art.HelpfulNo != 1 {
		t.Fatalf("yes=%d no=%d", art.HelpfulYes, art.HelpfulNo)
	}
	mustContain(t, visitor.get(kb).Body, "You said this did not help")
	admin := a.adminClient("boss")
	mustContain(t, admin.get(kb).Body, "Feedback so far: 2 yes, 1 no.", "Curator tools")
	if res := visitor.post("/kb/"+id+"/vote", url.Values{"helpful": {"maybe"}}); res.Code != http.StatusBadRequest {
		t.Fatalf("bad vote value: %d", res.Code)
	}
}

func TestCuratorRoutesNeedThePermission(t *testing.T) {
	a := newApp(t)
	asker, peer := a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	thread, _ := solve(t, a, asker, peer, "Router reboots itself every night", "Disable the nightly maintenance window.")
	id := strings.Split(articlePath(t, a, thread), "/")[2]
	routes := []struct {
		method, path string
		form         url.Values
	}{
		{"GET", "/kb/" + id + "/edit", nil},
		{"POST", "/kb/" + id + "/edit", url.Values{"title": {"Hijacked title text"}, "problem": {"x"}, "solution": {"Hijacked solution text here."}}},
		{"POST", "/kb/" + id + "/publish", url.Values{"published": {"0"}}},
		{"POST", "/kb/" + id + "/outdated", url.Values{"outdated": {"1"}, "note": {"x"}}},
		{"POST", "/kb/" + id + "/promote", url.Values{"post_id": {"1"}}},
	}
	for _, r := range routes {
		var visitorRes, memberRes *response
		if r.method == "GET" {
			visitorRes, memberRes = a.client().get(r.path), asker.get(r.path)
		} else {
			visitorRes, memberRes = a.client().post(r.path, r.form), asker.post(r.path, r.form)
		}
		if visitorRes.Code != http.StatusSeeOther || !strings.HasPrefix(visitorRes.Location, "/login") {
			t.Errorf("visitor %s %s: %d %q", r.method, r.path, visitorRes.Code, visitorRes.Location)
		}
		if memberRes.Code != http.StatusForbidden {
			t.Errorf("member %s %s: %d", r.method, r.path, memberRes.Code)
		}
	}
	art, _ := a.store.Article(context.Background(), atoi(id))
	if art.Title != "Router reboots itself every night" || !art.Published || art.Outdated {
		t.Fatalf("article changed by refused requests: %+v", art)
	}
}

func TestCuratorEditsPublishesAndMarksOutdated(t *testing.T) {
	a := newApp(t)
	asker, peer, other := a.client(), a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	other.register("other")
	thread, _ := solve(t, a, asker, peer, "Router reboots itself every night", "Disable the nightly maintenance window.")
	second := other.answer(thread, "Replace the power supply: a failing one causes reboots.")
	kb := articlePath(t, a, thread)
	id := strings.Split(kb, "/")[2]
	admin := a.adminClient("boss")

	// A rejected edit keeps the input.
	res := admin.post("/kb/"+id+"/edit", url.Values{"title": {"short"}, "problem": {""}, "solution": {"Use the new menu."}})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad edit: %d", res.Code)
	}
	mustContain(t, res.Body, `value="short"`, "Use the new menu.</textarea>", "Describe the problem")
	res = admin.post("/kb/"+id+"/edit", url.Values{"title": {"Stop the nightly router reboot"},
		"problem": {"The router restarts at 2am."}, "solution": {"Open **Settings › Maintenance** and turn the window off."}})
	if res.Code != http.StatusSeeOther {
		t.Fatalf("edit: %d %s", res.Code, res.Body)
	}
	page := admin.get(res.Location)
	page = admin.get(page.Location)
	mustContain(t, page.Body, "<h1>Stop the nightly router reboot</h1>", "<strong>Settings › Maintenance</strong>", "Earlier versions (1)")

	// The title changed, so the old address redirects to the new slug.
	if res := a.client().get(kb); res.Code != http.StatusMovedPermanently {
		t.Fatalf("old slug: %d", res.Code)
	}
	kb = articlePath(t, a, thread)
	res = admin.post("/kb/"+id+"/outdated", url.Values{"outdated": {"1"}, "note": {""}})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("outdated without note: %d", res.Code)
	}
	mustContain(t, res.Body, "Say what is out of date")
	admin.post("/kb/"+id+"/outdated", url.Values{"outdated": {"1"}, "note": {"Firmware 5 moved this menu."}})
	mustContain(t, a.client().get(kb).Body, "This article may be out of date.", "Firmware 5 moved this menu.")

	admin.post("/kb/"+id+"/promote", url.Values{"post_id": {second}})
	art, _ := a.store.Article(context.Background(), atoi(id))
	if art.PostID != atoi(second) || !strings.Contains(art.SolutionMD, "power supply") {
		t.Fatalf("promote: %+v", art)
	}
	admin.post("/kb/"+id+"/publish", url.Values{"published": {"0"}})
	if res := a.client().get(kb); res.Code != http.StatusNotFound {
		t.Fatalf("unpublished article for visitor: %d", res.Code)
	}
	mustNotContain(t, a.client().get("/kb").Body, kb)
	mustNotContain(t, a.client().get("/search?q=supply").Body, kb)
	mustContain(t, admin.get(kb).Body, "This article is unpublished")
}

func TestUnacceptMarksArticleForReview(t *testing.T) {
	a := newApp(t)
	asker, peer := a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	thread, ans := solve(t, a, asker, peer, "Router reboots itself every night", "Disable the nightly maintenance window.")
	kb := articlePath(t, a, thread)
	asker.post("/p/"+ans+"/accept", url.Values{"undo": {"1"}})
	mustContain(t, a.client().get(kb).Body, "This article may be out of date.", "withdrew the acceptance")
}

func TestSearchNeverFailsOnOddInput(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.register("alice")
	c.post("/ask", url.Values{"title": {`Signature shows <script>alert(1)</script>`}, "category": {"general"},
		"body": {`My signature shows <script>alert("x")</script> as text and an <img src=x onerror=alert(2)>.`}})
	queries := []string{`"`, `*`, `-`, `OR`, `NEAR(`, `(`, `((`, `a AND`, `"unbalanced`, `🙂`, `ß`, `日本語`, `العربية`,
		`Ärger mit dem Router`, strings.Repeat("wifi ", 400), `title:x`, `{body}:x`, `^x`, `script`, `signature`, `\x00`}
	for _, q := range queries {
		res := c.get("/search?q=" + url.QueryEscape(q))
		if res.Code != http.StatusOK {
			t.Errorf("query %q: status %d", q, res.Code)
		}
		mustNotContain(t, res.Body, "<script>alert", "<img src=x")
	}
	res := c.get("/search?q=signature")
	mustContain(t, res.Body, "&lt;script&gt;", "<mark>signature</mark>", `<meta name="robots" content="noindex">`)
	res = c.get("/search?q=" + url.QueryEscape("zebra unicorn"))
	mustContain(t, res.Body, "No results for “zebra unicorn”", `href="/ask?title=zebra%20unicorn"`)
	res = c.get("/search?q=" + url.QueryEscape("🙂"))
	mustContain(t, res.Body, "No results", "letters or numbers")
	for _, p := range []string{"/search?q=x&page=-1", "/search?q=x&page=99999", "/search?q=", "/search"} {
		if res := c.get(p); res.Code != http.StatusOK {
			t.Errorf("%s: %d", p, res.Code)
		}
	}
}

func TestSearchPaginates(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.register("alice")
	for i := 0; i < 23; i++ {
		c.ask("Printer question number " + itoa(int64(i)))
	}
	p1 := c.get("/search?q=printer")
	mustContain(t, p1.Body, "23 results", "Page 1 of 2", `href="/search?page=2&amp;q=printer"`)
	p2 := c.get("/search?q=printer&page=2")
	if n := strings.Count(p2.Body, `class="search-hit"`); n != 3 {
		t.Fatalf("page 2 has %d hits", n)
	}
}

func TestSimilarQuestionsWhileAsking(t *testing.T) {
	a := newApp(t)
	asker, peer := a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	thread, _ := solve(t, a, asker, peer, "Router reboots itself every night", "Disable the nightly maintenance window.")
	asker.ask("Router lights are all off") // unsolved: not suggested

	res := a.client().get("/search/similar?q=" + url.QueryEscape("my router keeps rebooting at night"))
	var out struct {
		Results []similarHit `json:"results"`
	}
	if err := json.Unmarshal([]byte(res.Body), &out); err != nil || res.Code != 200 {
		t.Fatalf("similar: %d %s %v", res.Code, res.Body, err)
	}
	// The solved thread and its article are one suggestion: the article.
	if len(out.Results) != 1 || out.Results[0].Kind != "kb" || out.Results[0].URL != articlePath(t, a, thread) {
		t.Fatalf("similar results: %+v", out.Results)
	}
	for _, r := range out.Results {
		if r.Title != "Router reboots itself every night" {
			t.Errorf("unexpected suggestion %+v", r)
		}
	}
	// Without JavaScript: the check button shows the same, keeps the input and creates nothing.
	form := url.Values{"title": {"Router reboots at night"}, "category": {"general"}, "body": {"Half-written question"}, "tags": {"router"}, "check": {"1"}}
	page := peer.post("/ask", form)
	if page.Code != http.StatusOK {
		t.Fatalf("check: %d", page.Code)
	}
	mustContain(t, page.Body, "may already answer yours", `href="`+articlePath(t, a, thread)+`"`, `value="Router reboots at night"`, "Half-written question</textarea>")
	if list, _ := a.store.Threads(context.Background(), models.ThreadQuery{}); list.Total != 2 {
		t.Fatalf("check created a thread: %d", list.Total)
	}
	mustContain(t, peer.get("/ask").Body, `src="/static/`, `js/similar.js"`)
}

var ldScript = regexp.MustCompile(`(?s)<script type="application/ld\+json">(.*?)</script>`)

func TestThreadAndArticleCarryJSONLD(t *testing.T) {
	a := newApp(t)
	asker, peer, other := a.client(), a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	other.register("other")
	thread, _ := solve(t, a, asker, peer, "Router reboots itself every night", "Disable the </script><b>nightly</b> maintenance window.")
	other.answer(thread, "Check the power supply as well.")
	m := ldScript.FindStringSubmatch(a.client().get(thread).Body)
	if m == nil {
		t.Fatal("no JSON-LD on the thread page")
	}
	var qa struct {
		Type       string `json:"@type"`
		MainEntity struct {
			Name           string `json:"name"`
			AnswerCount    int    `json:"answerCount"`
			AcceptedAnswer struct {
				Text   string `json:"text"`
				Author struct {
					Name string `json:"name"`
				} `json:"author"`
			} `json:"acceptedAnswer"`
			SuggestedAnswer []struct {
				Text string `json:"text"`
			} `json:"suggestedAnswer"`
		} `json:"mainEntity"`
	}
	if err := json.Unmarshal([]byte(m[1]), &qa); err != nil {
		t.Fatalf("JSON-LD does not parse: %v\n%s", err, m[1])
	}
	if qa.Type != "QAPage" || qa.MainEntity.Name != "Router reboots itself every night" || qa.MainEntity.AnswerCount != 2 ||
		!strings.Contains(qa.MainEntity.AcceptedAnswer.Text, "maintenance window") || qa.MainEntity.AcceptedAnswer.Author.Name != "peer" ||
		len(qa.MainEntity.SuggestedAnswer) != 1 {
		t.Fatalf("QAPage = %+v", qa)
	}
	m = ldScript.FindStringSubmatch(a.client().get(articlePath(t, a, thread)).Body)
	var art map[string]any
	if m == nil || json.Unmarshal([]byte(m[1]), &art) != nil || art["@type"] != "Article" || art["headline"] != "Router reboots itself every night" {
		t.Fatalf("article JSON-LD: %v", m)
	}
}

func TestSitemapFeedsAndRobotsAreValid(t *testing.T) {
	a := newApp(t)
	asker, peer := a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	thread, _ := solve(t, a, asker, peer, "Router reboots itself & <never> stops", "Disable the nightly maintenance window.")
	asker.ask("An open question stays out of the sitemap")
	kb := articlePath(t, a, thread)

	var set struct {
		URLs []struct {
			Loc     string `xml:"loc"`
			LastMod string `xml:"lastmod"`
		} `xml:"url"`
	}
	res := a.client().get("/sitemap.xml")
	if err := xml.Unmarshal([]byte(res.Body), &set); err != nil {
		t.Fatalf("sitemap: %v", err)
	}
	locs := ""
	for _, u := range set.URLs {
		locs += u.Loc + " "
	}
	if !strings.Contains(locs, "http://forum.test"+thread) || !strings.Contains(locs, "http://forum.test"+kb) ||
		strings.Contains(locs, "an-open-question") || set.URLs[len(set.URLs)-1].LastMod == "" {
		t.Fatalf("sitemap urls: %s", locs)
	}
	for path, want := range map[string]string{"/feed.atom": "An open question stays out of the sitemap", "/kb/feed.atom": "Router reboots itself &amp; &lt;never&gt; stops"} {
		res := a.client().get(path)
		var feed struct {
			Title   string `xml:"title"`
			Entries []struct {
				Title string `xml:"title"`
			} `xml:"entry"`
		}
		if err := xml.Unmarshal([]byte(res.Body), &feed); err != nil || len(feed.Entries) == 0 {
			t.Fatalf("%s: %v %s", path, err, res.Body)
		}
		if !strings.Contains(res.Body, want) || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/atom+xml") {
			t.Errorf("%s lacks %q", path, want)
		}
	}
	robots := a.client().get("/robots.txt")
	mustContain(t, robots.Body, "Sitemap: http://forum.test/sitemap.xml", "Disallow: /search")
}

// adminClient makes an admin account directly and logs in through the form.
func (a *testApp) adminClient(name string) *client {
	a.t.Helper()
	if _, err := a.store.CreateUser(context.Background(), models.NewUser{Username: name, Email: name + "@example.com",
		Password: "correct horse", Role: models.RoleAdmin}); err != nil {
		a.t.Fatal(err)
	}
	c := a.client()
	if res := c.post("/login", url.Values{"username": {name}, "password": {"correct horse"}}); res.Code != http.StatusSeeOther {
		a.t.Fatalf("admin login: %d", res.Code)
	}
	return c
}
