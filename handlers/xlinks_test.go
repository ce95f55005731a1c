package handlers

import (
	"context"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/tweets"
)

// TestLinksToXLeadToThePost: a post without a known author links to X's
// own /i/web/status/ address, on the thread page, in the inbox and in the
// early warning; a post from the customer-support data set, whose ids are
// its row numbers and not X's, links nowhere.
func TestLinksToXLeadToThePost(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	now := time.Now().UTC()
	post := func(id, handle, text string, format tweets.Format, ago time.Duration) tweets.Tweet {
		return tweets.Tweet{ID: id, AuthorHandle: handle, Text: text, CreatedAt: now.Add(-ago), Lang: "en", Format: format}
	}
	// Threads: one post of a v2 page without the author expanded, one row of the data set.
	a.importTweets(models.ImportOptions{},
		post("1440716856763977732", "", "My router shows a red light since the update, what does it mean?", tweets.FormatV2, 3*time.Hour),
		post("7", "115712", "@ExampleCare the TV app crashes when I open the guide", tweets.FormatSupportCSV, 3*time.Hour))
	// Mentions waiting in the inbox, all about an outage.
	a.importTweets(models.ImportOptions{Triage: true},
		post("1440716856763977801", "", "outage in Leeds again, no internet", tweets.FormatV2, 10*time.Minute),
		post("1440716856763977802", "", "another outage tonight, nothing loads", tweets.FormatV2, 20*time.Minute),
		post("8", "115713", "@ExampleCare outage in York since 8am", tweets.FormatSupportCSV, 30*time.Minute),
		post("9", "115714", "@ExampleCare is there an outage in Hull?", tweets.FormatSupportCSV, 40*time.Minute))

	list, err := a.store.Threads(ctx, models.ThreadQuery{})
	if err != nil || list.Total != 2 {
		t.Fatalf("threads: %+v %v", list, err)
	}
	amb := a.roleClient("amy", models.RoleAmbassador)
	for _, th := range list.Threads {
		visitor, staff := a.client().get(th.URL()), amb.get(th.URL())
		if th.Title == "the TV app crashes when I open the guide" {
			for _, page := range []*response{visitor, staff} {
				mustContain(t, page.Body, "Started on X, imported from a data set that numbers posts its own way: no link to the post.")
				mustNotContain(t, page.Body, "View on X", "Reply on X", "/status/", "in_reply_to")
			}
			continue
		}
		mustContain(t, visitor.Body, `<a href="https://x.com/i/web/status/1440716856763977732" rel="noopener noreferrer">View on X</a>`)
		mustContain(t, staff.Body, "Reply on X", "in_reply_to=1440716856763977732")
		mustNotContain(t, staff.Body, "i%2Fweb", "x.com//")
	}

	inbox := amb.get("/mod/social")
	mustContain(t, inbox.Body, `href="https://x.com/i/web/status/1440716856763977801"`, `href="https://x.com/i/web/status/1440716856763977802"`,
		"outage in York since 8am", "is there an outage in Hull?")
	mustNotContain(t, inbox.Body, "i%2Fweb", "/status/8\"", "/status/9\"")

	insights := amb.get("/insights")
	mustContain(t, insights.Body, "<strong>“outage”</strong>: 4 in the last 3 hours",
		`<a href="https://x.com/i/web/status/1440716856763977801" rel="noopener noreferrer">A post</a>: outage in Leeds again, no internet`,
		`<a href="https://x.com/i/web/status/1440716856763977802" rel="noopener noreferrer">A post</a>: another outage tonight, nothing loads`,
		"<li>@115713: @ExampleCare outage in York since 8am</li>", "<li>@115714: @ExampleCare is there an outage in Hull?</li>")
	mustNotContain(t, insights.Body, "x.com//", "/status/8\"", "/status/9\"")
}
