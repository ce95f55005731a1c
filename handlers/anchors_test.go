package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// follow follows a POST's redirects (/p/{id} sends on to the thread page)
// and returns the page the browser ends on.
func (c *client) follow(res *response) *response {
	c.app.t.Helper()
	for i := 0; i < 5 && (res.Code == http.StatusSeeOther || res.Code == http.StatusMovedPermanently); i++ {
		res = c.get(res.Location)
	}
	return res
}

// postArticle is the HTML of the post with anchor id ("p12") on a page.
func postArticle(t *testing.T, body, id string) string {
	t.Helper()
	start := strings.Index(body, `id="`+id+`"`)
	if start < 0 {
		t.Fatalf("no post %s on the page", id)
	}
	end := strings.Index(body[start:], "</article>")
	return body[start : start+end]
}

// beforeContent is the top of the page, where flashes without a post go.
func beforeContent(body string) string {
	if i := strings.Index(body, `<div class="thread-head">`); i >= 0 {
		return body[:i]
	}
	return body
}

// An action on a post lands on the post's anchor: its confirmation or
// refusal is shown in that post, not at the top of a long page.
func TestActionsOnAPostConfirmWhereTheUserIs(t *testing.T) {
	a := newApp(t)
	asker, peer, reader := a.client(), a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	reader.register("reader")
	thread := asker.ask("Router reboots itself every night")
	ans := peer.answer(thread, "Check whether automatic firmware updates run at 2am.")

	// Answering: the answer says it is posted.
	res := peer.post("/t/"+itoa(threadID(thread))+"/answers", url.Values{"body": {"A second idea: turn off the scheduled reboot."}})
	second := strings.TrimPrefix(res.Location, "/p/")
	page := peer.follow(res)
	mustContain(t, postArticle(t, page.Body, "p"+second), `class="flash"`, "Your answer is posted.")
	mustNotContain(t, beforeContent(page.Body), `class="flash"`)

	// Flagging: thanked in the post, which then says it was flagged by you.
	page = reader.follow(reader.post("/p/"+ans+"/flag", url.Values{"reason": {"spam"}}))
	post := postArticle(t, page.Body, "p"+ans)
	mustContain(t, post, "Thanks: the moderators will look at it.", "You flagged this")
	mustNotContain(t, post, `href="/p/`+ans+`/flag"`)
	mustNotContain(t, beforeContent(page.Body), `class="flash"`)
	again := reader.get(thread)
	mustContain(t, postArticle(t, again.Body, "p"+ans), "You flagged this")
	mustNotContain(t, again.Body, "Thanks: the moderators")
	mustNotContain(t, asker.get(thread).Body, "You flagged this")

	// Voting: a refusal is shown in the post voted on.
	page = peer.follow(peer.post("/p/"+ans+"/vote", nil))
	mustContain(t, postArticle(t, page.Body, "p"+ans), "You cannot vote for your own post.")
	mustNotContain(t, beforeContent(page.Body), `class="flash"`)
	page = reader.follow(reader.post("/p/"+ans+"/vote", nil))
	mustContain(t, postArticle(t, page.Body, "p"+ans), "Thanks: your vote counts.")

	// Accepting: the accepted answer says the thread is solved.
	page = asker.follow(asker.post("/p/"+ans+"/accept", nil))
	mustContain(t, postArticle(t, page.Body, "p"+ans), "Thanks! The thread is marked as solved.")
	mustNotContain(t, beforeContent(page.Body), `class="flash"`)
}

// A refused answer (422) is shown at the answer form, where the browser
// lands: the form's address carries the anchor.
func TestRefusedAnswerLandsAtTheAnswerForm(t *testing.T) {
	a := newApp(t)
	asker := a.client()
	asker.register("asker")
	thread := asker.ask("Router reboots itself every night")
	id := itoa(threadID(thread))
	mustContain(t, asker.get(thread).Body, `action="/t/`+id+`/answers#answer"`, `id="answer"`)
	res := asker.post("/t/"+id+"/answers", url.Values{"body": {"Too short"}})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("short answer: %d", res.Code)
	}
	i := strings.Index(res.Body, `id="answer"`)
	if i < 0 {
		t.Fatal("no answer section")
	}
	mustContain(t, res.Body[i:], `action="/t/`+id+`/answers#answer"`, `id="body-error"`, ">Too short</textarea>")
}
