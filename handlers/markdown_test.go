package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A body goldmark would work on for seconds is refused on its form (422),
// saying what to change, with the text kept: asking, answering and editing.
func TestMarkdownBombIsRefusedOnTheForm(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.register("alice")
	links := strings.Repeat("[](", 16000)
	res := c.post("/ask", url.Values{"title": {"Router reboots itself every night"}, "category": {"general"}, "body": {links}})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("ask with %d link openers: status %d, want 422", 16000, res.Code)
	}
	mustContain(t, res.Body, "Too many [ brackets (links) in long paragraphs", "Split long paragraphs", strings.Repeat("[](", 200))

	thread := c.ask("Router reboots itself every night")
	res = c.post("/t/"+itoa(threadID(thread))+"/answers", url.Values{"body": {strings.Repeat("*a_", 16000)}})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("answer of unmatched emphasis: status %d, want 422", res.Code)
	}
	mustContain(t, res.Body, "Too many *, _ or ~ marks", strings.Repeat("*a_", 200))

	qid := a.mustQuestionID(t, thread)
	res = c.post("/p/"+qid+"/edit", url.Values{"title": {"Router reboots itself every night"}, "tags": {"router"},
		"body": {strings.Repeat(">", 49000)}})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("edit to 49,000 quote marks: status %d, want 422", res.Code)
	}
	mustContain(t, res.Body, "Quotes and lists can be nested at most 16 deep", strings.Repeat("&gt;", 200))
	if p, _ := a.store.Post(t.Context(), atoi(qid)); strings.Contains(p.BodyMD, ">") {
		t.Error("the refused edit was saved")
	}
}
