package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestAskRequiresLogin(t *testing.T) {
	a := newApp(t)
	res := a.client().get("/ask")
	if res.Code != http.StatusSeeOther || res.Location != "/login?next=%2Fask" {
		t.Fatalf("visitor GET /ask: %d %q", res.Code, res.Location)
	}
}

func TestAskAnswerAcceptFlow(t *testing.T) {
	a := newApp(t)
	asker, peer := a.client(), a.client()
	asker.register("asker")
	peer.register("peer")

	thread := asker.ask("Router reboots itself every night")
	if !strings.HasPrefix(thread, "/t/") || !strings.HasSuffix(thread, "/router-reboots-itself-every-night") {
		t.Fatalf("thread URL %q", thread)
	}
	page := peer.get(thread)
	mustContain(t, page.Body, "<h1>Router reboots itself every night</h1>", "The router reboots itself", "Unanswered",
		`href="/?tag=router"`, `<link rel="canonical" href="http://forum.test`+thread+`">`)

	first := peer.answer(thread, "Check whether **automatic firmware updates** run at 2am.")
	second := peer.answer(thread, "Another idea: look at the scheduled reboot setting.")
	page = a.client().get(thread)
	mustContain(t, page.Body, "<strong>automatic firmware updates</strong>", `id="p`+first+`"`, "Answers <span class=\"muted\">(2)</span>")

	// The asker accepts: the thread is solved and the answer moves under the question.
	res := asker.post("/p/"+second+"/accept", nil)
	if res.Code != http.StatusSeeOther {
		t.Fatalf("accept: %d %s", res.Code, res.Body)
	}
	page = a.client().get(thread)
	mustContain(t, page.Body, "Accepted answer", "Other answers")
	if q, acc, other := strings.Index(page.Body, "The router reboots itself"), strings.Index(page.Body, `id="p`+second+`"`),
		strings.Index(page.Body, `id="p`+first+`"`); !(q < acc && acc < other) {
		t.Fatalf("order question=%d accepted=%d other=%d", q, acc, other)
	}
	for _, list := range []string{"/", "/c/general", "/?show=solved", "/u/asker"} {
		mustContain(t, a.client().get(list).Body, `<span class="badge solved">Solved</span>`)
	}
	mustNotContain(t, a.client().get("/?show=unanswered").Body, "Router reboots itself every night")

	// Changing the accepted answer, then withdrawing it.
	asker.post("/p/"+first+"/accept", nil)
	if th, _ := a.store.Thread(context.Background(), threadID(thread)); th.AcceptedID != atoi(first) {
		t.Fatalf("accepted = %d, want %s", th.AcceptedID, first)
	}
	asker.post("/p/"+first+"/accept", url.Values{"undo": {"1"}})
	if th, _ := a.store.Thread(context.Background(), threadID(thread)); th.Solved() {
		t.Fatal("still solved after undo")
	}
}

func TestAcceptingOnSomeoneElsesQuestionIsRefused(t *testing.T) {
	a := newApp(t)
	asker, peer, other := a.client(), a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	other.register("other")
	thread := asker.ask("Router reboots itself every night")
	ans := peer.answer(thread, "Check the scheduled reboot setting in the admin page.")
	for _, c := range []*client{peer, other} {
		if res := c.post("/p/"+ans+"/accept", nil); res.Code != http.StatusForbidden {
			t.Fatalf("accept by non-asker: %d", res.Code)
		}
	}
	// The accept button is not offered to them either.
	mustNotContain(t, other.get(thread).Body, "Accept this answer")
	mustContain(t, asker.get(thread).Body, "Accept this answer")
	// A visitor is sent to log in.
	if res := a.client().post("/p/"+ans+"/accept", nil); res.Code != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/login") {
		t.Fatalf("visitor accept: %d %q", res.Code, res.Location)
	}
}

func TestAskRejectsBadInputAndKeepsIt(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.register("alice")
	body := "short <b>body</b>"
	res := c.post("/ask", url.Values{"title": {"Help"}, "category": {"nope"}, "body": {body}, "tags": {"a,b,c,d,e,f"}})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", res.Code)
	}
	mustContain(t, res.Body, `value="Help"`, "short &lt;b&gt;body&lt;/b&gt;</textarea>", `value="a,b,c,d,e,f"`,
		"Make the title at least 10 characters", "Choose a category.", "Write at least 20 characters.", "Use at most 5 tags.")
	long := strings.Repeat("x", 151)
	res = c.post("/ask", url.Values{"title": {long}, "category": {"general"}, "body": {strings.Repeat("y", 50001)}})
	mustContain(t, res.Body, "Keep the title to 150 characters at most", "Keep it to 50000 characters at most")
	if n, _ := a.store.Threads(context.Background(), threadQueryAll()); n.Total != 0 {
		t.Fatalf("rejected questions were stored: %d", n.Total)
	}
}

func TestAnswerRejectedKeepsText(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.register("alice")
	thread := c.ask("Router reboots itself every night")
	res := c.post("/t/"+itoa(threadID(thread))+"/answers", url.Values{"body": {"too short"}})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", res.Code)
	}
	mustContain(t, res.Body, ">too short</textarea>", "Write at least 20 characters.", "<h1>Router reboots itself every night</h1>")
}

func TestOversizeBodyIs413(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.register("alice")
	res := c.post("/ask", url.Values{"title": {"Big one here"}, "body": {strings.Repeat("z", 2<<20)}})
	if res.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d", res.Code)
	}
	mustContain(t, res.Body, "Too much data", `class="site-header"`)
}

func TestEditKeepsRevisionsAndRefusesOthers(t *testing.T) {
	a := newApp(t)
	owner, other := a.client(), a.client()
	owner.register("owner")
	other.register("other")
	thread := owner.ask("Router reboots itself every night")
	th, _ := a.store.Thread(context.Background(), threadID(thread))
	qid := itoa(th.QuestionID)

	if res := other.get("/p/" + qid + "/edit"); res.Code != http.StatusForbidden {
		t.Fatalf("GET edit by other: %d", res.Code)
	}
	if res := other.post("/p/"+qid+"/edit", url.Values{"body": {"Vandalised text that is long enough"}, "title": {"Vandalised title"}}); res.Code != http.StatusForbidden {
		t.Fatalf("POST edit by other: %d", res.Code)
	}
	edit := owner.get("/p/" + qid + "/edit")
	mustContain(t, edit.Body, `value="Router reboots itself every night"`, "The router reboots itself every night", `value="router, wifi"`)
	res := owner.post("/p/"+qid+"/edit", url.Values{"title": {"Router reboots every night at 2am"},
		"body": {"Since the update the router reboots at 2am sharp."}, "tags": {"router"}})
	if res.Code != http.StatusSeeOther {
		t.Fatalf("edit: %d %s", res.Code, res.Body)
	}
	page := owner.get("/t/" + itoa(th.ID) + "/router-reboots-every-night-at-2am")
	mustContain(t, page.Body, "reboots at 2am sharp", "edited", "history")
	// The old slug redirects to the new one.
	if res := owner.get(thread); res.Code != http.StatusMovedPermanently {
		t.Fatalf("old slug: %d", res.Code)
	}
	hist := owner.get("/p/" + qid + "/revisions")
	mustContain(t, hist.Body, "The router reboots itself every night", "Router reboots itself every night")
	if res := other.get("/p/" + qid + "/revisions"); res.Code != http.StatusForbidden {
		t.Fatalf("history by other: %d", res.Code)
	}
	// A rejected edit keeps what was typed.
	res = owner.post("/p/"+qid+"/edit", url.Values{"title": {"Router reboots every night at 2am"}, "body": {"tiny"}})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad edit: %d", res.Code)
	}
	mustContain(t, res.Body, ">tiny</textarea>", "Write at least 20 characters.")
}

func TestDeleteIsSoftAndOwnerOnly(t *testing.T) {
	a := newApp(t)
	owner, peer := a.client(), a.client()
	owner.register("owner")
	peer.register("peer")
	thread := owner.ask("Router reboots itself every night")
	ans := peer.answer(thread, "Turn off the nightly maintenance window.")
	owner.post("/p/"+ans+"/accept", nil)

	if res := owner.post("/p/"+ans+"/delete", nil); res.Code != http.StatusForbidden {
		t.Fatalf("delete by non-author: %d", res.Code)
	}
	mustContain(t, peer.get("/p/"+ans+"/delete").Body, "Remove it", "It is the accepted answer")
	if res := peer.post("/p/"+ans+"/delete", nil); res.Code != http.StatusSeeOther {
		t.Fatalf("delete own answer: %d", res.Code)
	}
	page := a.client().get(thread)
	mustContain(t, page.Body, "This answer was removed.")
	mustNotContain(t, page.Body, "nightly maintenance window", "badge solved")

	th, _ := a.store.Thread(context.Background(), threadID(thread))
	if res := owner.post("/p/"+itoa(th.QuestionID)+"/delete", nil); res.Code != http.StatusSeeOther || res.Location != "/" {
		t.Fatalf("delete own question: %d %q", res.Code, res.Location)
	}
	mustNotContain(t, a.client().get("/").Body, "Router reboots itself every night")
	mustNotContain(t, a.client().get("/u/owner").Body, "Router reboots itself every night")
	page = a.client().get(thread)
	mustContain(t, page.Body, "This question was removed.", `<meta name="robots" content="noindex">`)
	if res := peer.post("/t/"+itoa(th.ID)+"/answers", url.Values{"body": {"Answering a removed question is refused."}}); res.Code != http.StatusNotFound {
		t.Fatalf("answer on removed thread: %d", res.Code)
	}
}

func TestVoteOnceAndUndo(t *testing.T) {
	a := newApp(t)
	asker, peer, fan := a.client(), a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	fan.register("fan")
	thread := asker.ask("Router reboots itself every night")
	ans := peer.answer(thread, "Turn off the nightly maintenance window.")
	fan.post("/p/"+ans+"/vote", nil)
	fan.post("/p/"+ans+"/vote", nil)
	asker.post("/p/"+ans+"/vote", nil)
	p, _ := a.store.Post(context.Background(), atoi(ans))
	if p.HelpfulCount != 2 {
		t.Fatalf("helpful = %d, want 2", p.HelpfulCount)
	}
	mustContain(t, fan.get(thread).Body, "2 people found this helpful", `class="vote-button" aria-pressed="true"`)
	fan.post("/p/"+ans+"/vote", url.Values{"undo": {"1"}})
	if p, _ := a.store.Post(context.Background(), atoi(ans)); p.HelpfulCount != 1 {
		t.Fatalf("helpful after undo = %d, want 1", p.HelpfulCount)
	}
	// Voting for yourself is refused with a message.
	res := peer.post("/p/"+ans+"/vote", nil)
	if res.Code != http.StatusSeeOther {
		t.Fatalf("self vote: %d", res.Code)
	}
	follow := peer.get(res.Location)
	mustContain(t, peer.get(follow.Location).Body, "You cannot vote for your own post.")
}

func TestListsFilterSortAndPaginate(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.register("alice")
	for i := 0; i < 25; i++ {
		c.ask("Question number " + itoa(int64(i)) + " about the router")
	}
	older := c.ask("The oldest question gets an answer")
	c.answer(older, "An answer that bumps the thread's activity.")
	p1 := a.client().get("/")
	mustContain(t, p1.Body, "26 questions", "Page 1 of 2", `rel="next" href="/?page=2"`)
	p2 := a.client().get("/?page=2")
	mustContain(t, p2.Body, "Page 2 of 2", `rel="prev" href="/"`)
	active := a.client().get("/?sort=active")
	if strings.Index(active.Body, "The oldest question gets an answer") > strings.Index(active.Body, "Question number 24") {
		t.Error("most active does not put the answered thread first")
	}
	mustNotContain(t, a.client().get("/c/general?show=unanswered").Body, "The oldest question gets an answer")
	mustContain(t, a.client().get("/?tag=router").Body, "tagged “router”")
	if res := a.client().get("/c/no-such-category"); res.Code != http.StatusNotFound {
		t.Fatalf("unknown category: %d", res.Code)
	}
}

func TestThreadURLsRedirectAndNotFound(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.register("alice")
	thread := c.ask("Router reboots itself every night")
	id := itoa(threadID(thread))
	for _, p := range []string{"/t/" + id, "/t/" + id + "/wrong-slug"} {
		res := a.client().get(p)
		if res.Code != http.StatusMovedPermanently || res.Location != thread {
			t.Errorf("%s: %d %q", p, res.Code, res.Location)
		}
	}
	for _, p := range []string{"/t/999999", "/t/abc", "/p/999999", "/u/nobody", "/no/such/page"} {
		res := a.client().get(p)
		if res.Code != http.StatusNotFound {
			t.Errorf("%s: %d", p, res.Code)
		}
		mustContain(t, res.Body, "Page not found", `class="site-header"`)
	}
}

func TestOutputIsEscaped(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.register("alice")
	res := c.post("/ask", url.Values{"title": {`<script>alert("t")</script> title`}, "category": {"general"},
		"body": {`<img src=x onerror=alert(1)> and [x](javascript:alert(2))`}, "tags": {"<b>"}})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad tag accepted: %d", res.Code)
	}
	thread := c.post("/ask", url.Values{"title": {`<script>alert("t")</script> title`}, "category": {"general"},
		"body": {`<img src=x onerror=alert(1)> and [x](javascript:alert(2))`}}).Location
	for _, p := range []string{thread, "/", "/u/alice"} {
		body := a.client().get(p).Body
		mustNotContain(t, body, `<script>alert`, `<img src=x`, `href="javascript`)
	}
	mustContain(t, a.client().get(thread).Body, `&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt; title`)
}

func TestProfileShowsCounts(t *testing.T) {
	a := newApp(t)
	asker, peer := a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	thread := asker.ask("Router reboots itself every night")
	ans := peer.answer(thread, "Turn off the nightly maintenance window.")
	asker.post("/p/"+ans+"/accept", nil)
	asker.post("/p/"+ans+"/vote", nil)
	page := a.client().get("/u/peer?tab=answers")
	mustContain(t, page.Body, "<dt>Answers</dt><dd>1</dd>", "<dt>Accepted answers</dt><dd>1</dd>",
		"<dt>Helpful votes</dt><dd>1</dd>", "Router reboots itself every night", ">Accepted</span>")
	mustContain(t, a.client().get("/u/asker").Body, "<dt>Questions</dt><dd>1</dd>", "Router reboots itself every night")
}

func TestHealthz(t *testing.T) {
	a := newApp(t)
	res := a.client().get("/healthz")
	var h struct {
		Status   string `json:"status"`
		Database struct {
			OK            bool  `json:"ok"`
			SchemaVersion int64 `json:"schema_version"`
		} `json:"database"`
	}
	if err := json.Unmarshal([]byte(res.Body), &h); err != nil || res.Code != 200 {
		t.Fatalf("healthz: %d %s %v", res.Code, res.Body, err)
	}
	if h.Status != "ok" || !h.Database.OK || h.Database.SchemaVersion < 1 {
		t.Fatalf("healthz = %+v", h)
	}
	a.store.Close()
	if res := a.client().get("/healthz"); res.Code != http.StatusServiceUnavailable {
		t.Fatalf("healthz with closed database: %d", res.Code)
	}
}

func TestServerErrorPageHidesDetail(t *testing.T) {
	a := newApp(t)
	a.store.Close()
	res := a.client().get("/")
	if res.Code != http.StatusInternalServerError {
		t.Fatalf("status %d", res.Code)
	}
	rid := res.Header.Get("X-Request-Id")
	mustContain(t, res.Body, "request id <code>"+rid+"</code>", `class="site-header"`)
	mustNotContain(t, res.Body, "sql:", "database is closed")
}

func TestStaticFilesAreHashedAndCached(t *testing.T) {
	a := newApp(t)
	page := a.client().get("/")
	href := regexpFind(t, page.Body, `href="(/static/[0-9a-f]+/css/site\.css)"`)
	res := a.client().get(href)
	if res.Code != 200 || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") || !strings.Contains(res.Body, ".thread-row") {
		t.Fatalf("static: %d %q", res.Code, res.Header.Get("Cache-Control"))
	}
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"} {
		if page.Header.Get(h) == "" {
			t.Errorf("missing header %s", h)
		}
	}
	if !strings.Contains(page.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Error("CSP lacks frame-ancestors")
	}
}
