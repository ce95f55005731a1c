package handlers

import (
	"encoding/json"
	"encoding/xml"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestSummariesKeepTheCharactersOfTheText: the plain-text summaries of
// posts and articles (JSON-LD, the knowledge base's Atom feed, the meta
// description) drop Markdown's markup but keep the characters that are part
// of the text: ">", "_", "*", "#" and backticks, literal or escaped.
func TestSummariesKeepTheCharactersOfTheText(t *testing.T) {
	a := newApp(t)
	asker, peer := a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	const question = "Why is a > b false in C# for snake_case_names? The prompt shows \\* and \\# and \\` here. Run `x*y` and `a_b` then."
	const questionText = "Why is a > b false in C# for snake_case_names? The prompt shows * and # and ` here. Run x*y and a_b then."
	const answer = "# Fix\n\n> Quote the *pattern*: use `grep '#_*>'` in __bash__, or escape \\_ and \\* by hand."
	const answerText = "Fix Quote the pattern: use grep '#_*>' in bash, or escape _ and * by hand."
	res := asker.post("/ask", url.Values{"title": {"Comparison is false for snake case names"}, "category": {"general"}, "body": {question}})
	if res.Code != http.StatusSeeOther {
		t.Fatalf("ask: %d", res.Code)
	}
	thread := res.Location
	ans := peer.answer(thread, answer)
	if res := asker.post("/p/"+ans+"/accept", nil); res.Code != http.StatusSeeOther {
		t.Fatalf("accept: %d", res.Code)
	}

	page := a.client().get(thread).Body
	var qa struct {
		MainEntity struct {
			Text           string `json:"text"`
			AcceptedAnswer struct {
				Text string `json:"text"`
			} `json:"acceptedAnswer"`
		} `json:"mainEntity"`
	}
	if m := ldScript.FindStringSubmatch(page); m == nil || json.Unmarshal([]byte(m[1]), &qa) != nil {
		t.Fatalf("thread JSON-LD: %v", m)
	}
	if qa.MainEntity.Text != questionText {
		t.Errorf("question text:\n got %q\nwant %q", qa.MainEntity.Text, questionText)
	}
	if qa.MainEntity.AcceptedAnswer.Text != answerText {
		t.Errorf("answer text:\n got %q\nwant %q", qa.MainEntity.AcceptedAnswer.Text, answerText)
	}
	description := regexp.MustCompile(`<meta name="description" content="([^"]*)">`)
	if m := description.FindStringSubmatch(page); m == nil || !strings.HasPrefix(questionText, strings.TrimSuffix(html.UnescapeString(m[1]), "…")) {
		t.Errorf("thread meta description: %v", m)
	}

	var art struct {
		Description string `json:"description"`
		ArticleBody string `json:"articleBody"`
	}
	if m := ldScript.FindStringSubmatch(a.client().get(articlePath(t, a, thread)).Body); m == nil || json.Unmarshal([]byte(m[1]), &art) != nil {
		t.Fatalf("article JSON-LD: %v", m)
	}
	if art.Description != questionText || art.ArticleBody != answerText {
		t.Errorf("article JSON-LD:\n description %q\n body %q", art.Description, art.ArticleBody)
	}
	var feed struct {
		Entries []struct {
			Summary string `xml:"summary"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal([]byte(a.client().get("/kb/feed.atom").Body), &feed); err != nil || len(feed.Entries) != 1 {
		t.Fatalf("feed: %v %+v", err, feed)
	}
	if feed.Entries[0].Summary != questionText {
		t.Errorf("Atom summary:\n got %q\nwant %q", feed.Entries[0].Summary, questionText)
	}
}
