package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/tweets"
)

// upload posts a file to the import form as a browser would.
func (c *client) upload(path, filename, content string, fields url.Values) *response {
	c.app.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("_csrf", c.token())
	for k, vs := range fields {
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	fw, err := w.CreateFormFile("file", filename)
	if err != nil {
		c.app.t.Fatal(err)
	}
	fw.Write([]byte(content))
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, c.app.srv.URL+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.do(req)
}

const supportCSV = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n" +
	"10,ExampleCare,False,Tue Oct 31 22:10:47 +0000 2017,@jo_k Sorry about that! Please restart the Hub and tell us if it helps.,11,12\n" +
	"12,jo_k,True,Tue Oct 31 22:08:27 +0000 2017,@ExampleCare my broadband has been down since this morning &amp; nobody answers,10,\n" +
	"11,jo_k,True,Tue Oct 31 22:30:00 +0000 2017,@ExampleCare restarted twice. Still nothing 😩,,10\n" +
	"13,promo,True,Tue Oct 31 23:00:00 +0000 2017,GIVEAWAY! Win a router: follow & RT,,\n"

func TestUploadImportShowsProgressAndSummary(t *testing.T) {
	a := newApp(t)
	amb := a.roleClient("amy", models.RoleAmbassador)
	res := amb.upload("/mod/social/import", "twcs.csv", supportCSV, url.Values{"category": {"general"}, "brand_handle": {"ExampleCare"}})
	if res.Code != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/mod/social/import/") {
		t.Fatalf("upload: %d %q %s", res.Code, res.Location, res.Body)
	}
	page := waitForJob(t, amb, res.Location)
	mustContain(t, page, "Done. 4 new items from 4 read", "<dt>Threads created</dt><dd>1</dd>", "<dt>Answers added</dt><dd>2</dd>", "promotion or ad: 1")
	list, _ := a.store.Threads(context.Background(), models.ThreadQuery{})
	if list.Total != 1 {
		t.Fatalf("threads: %d", list.Total)
	}
	th := list.Threads[0]
	thread := a.client().get(th.URL())
	// The data set's ids are its row numbers: a link would open somebody else's tweet.
	mustContain(t, thread.Body, "my broadband has been down since this morning &amp; nobody answers",
		"Started on X, imported from a data set that numbers posts its own way", "Official answer")
	mustContain(t, a.client().get("/u/jo_k").Body, "@jo_k · imported from X", "nobody can log in")
	mustNotContain(t, thread.Body, "View on X", "Reply on X", "/status/12")
	mustNotContain(t, amb.get(th.URL()).Body, "View on X", "Reply on X", "in_reply_to=12")
}

func TestUploadRefusesUnknownFormats(t *testing.T) {
	a := newApp(t)
	admin := a.roleClient("boss", models.RoleAdmin)
	res := admin.upload("/mod/social/import", "notes.txt", "just some notes, not tweets\nsecond line\n", url.Values{"category": {"general"}})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("unknown format: %d", res.Code)
	}
	mustContain(t, res.Body, "in no format Crowdcare knows", "Nothing was imported")
	var n int
	if list, _ := a.store.Threads(context.Background(), models.ThreadQuery{}); list.Total != n {
		t.Fatalf("threads: %d", list.Total)
	}
	if res := a.roleClient("member1", models.RoleMember).upload("/mod/social/import", "x.csv", supportCSV, nil); res.Code != http.StatusForbidden {
		t.Fatalf("member upload: %d", res.Code)
	}
}

// importTweets imports tweets as the import command would.
func (a *testApp) importTweets(opts models.ImportOptions, tws ...tweets.Tweet) {
	a.t.Helper()
	ctx := context.Background()
	im, err := a.store.NewImporter(ctx, opts)
	if err != nil {
		a.t.Fatal(err)
	}
	for _, tw := range tws {
		if err := im.Add(ctx, tw); err != nil {
			a.t.Fatal(err)
		}
	}
	if _, err := im.Finish(ctx); err != nil {
		a.t.Fatal(err)
	}
}

// tweet is a customer's tweet from account "user<id>", in English, just now.
func tweet(id, text string) tweets.Tweet {
	return tweets.Tweet{ID: id, AuthorHandle: "user" + id, Text: text, CreatedAt: time.Now().UTC(), Lang: "en"}
}

func TestInboxTriageActions(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	retweet := tweet("504", "RT @ExampleCare: Planned maintenance tonight")
	retweet.Retweet = true
	a.importTweets(models.ImportOptions{Triage: true},
		tweet("501", "My router shows a red light since the update, what does it mean?"),
		tweet("502", "Is the Example TV app down for anyone else tonight?"),
		tweet("503", "Free phones here, no joke"),
		retweet)
	amb := a.roleClient("amy", models.RoleAmbassador)
	inbox := amb.get("/mod/social")
	mustContain(t, inbox.Body, "My router shows a red light", "Is the Example TV app down", `value="501"`, "new (3)", "filtered (1)")
	res := amb.post("/mod/social", url.Values{"action": {"convert"}, "items": {"501"}, "category": {"general"}, "title": {"Red light on the router after the update"}})
	if res.Code != http.StatusSeeOther {
		t.Fatalf("convert: %d", res.Code)
	}
	list, _ := a.store.Threads(ctx, models.ThreadQuery{})
	if list.Total != 1 || list.Threads[0].Title != "Red light on the router after the update" {
		t.Fatalf("converted: %+v", list.Threads)
	}
	// Append the TV question to that thread, mark one as spam, restore the filtered retweet.
	amb.post("/mod/social", url.Values{"action": {"append"}, "items": {"502"}, "thread": {"http://forum.test" + list.Threads[0].URL()}})
	amb.post("/mod/social", url.Values{"action": {"spam"}, "items": {"503"}})
	amb.post("/mod/social", url.Values{"action": {"restore"}, "items": {"504"}})
	if th, _ := a.store.Thread(ctx, list.Threads[0].ID); th.AnswerCount != 1 {
		t.Fatalf("append: %d answers", th.AnswerCount)
	}
	inbox = amb.get("/mod/social")
	mustContain(t, inbox.Body, "Planned maintenance", "spam (1)")
	mustNotContain(t, inbox.Body, "Free phones")
	// A wrong action is explained, not an error page.
	res = amb.post("/mod/social", url.Values{"action": {"convert"}, "category": {"general"}})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("convert nothing: %d", res.Code)
	}
	mustContain(t, res.Body, "Select at least one item")
	mustContain(t, amb.get("/mod/log").Body, "Converted a conversation into a thread", "Added posts from X to a thread as answers", "Marked posts in the social inbox as spam")
}

func TestWatchRulesPage(t *testing.T) {
	a := newApp(t)
	amb := a.roleClient("amy", models.RoleAmbassador)
	res := amb.post("/mod/social/rules", url.Values{"name": {""}, "keywords": {""}})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("empty rule: %d", res.Code)
	}
	mustContain(t, res.Body, "Name the rule", "at least one keyword")
	if res := amb.post("/mod/social/rules", url.Values{"name": {"Outages"}, "keywords": {"outage, no internet"}, "trusted": {"1"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("rule: %d", res.Code)
	}
	mustContain(t, amb.get("/mod/social/rules").Body, "Outages", "trusted", "“outage”")
}

func TestLinkPlaceholderToRealAccount(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	admin := a.roleClient("boss", models.RoleAdmin)
	admin.upload("/mod/social/import", "twcs.csv", supportCSV, url.Values{"category": {"general"}, "brand_handle": {"ExampleCare"}})
	deadline := time.Now().Add(10 * time.Second)
	var ph *models.User
	for time.Now().Before(deadline) {
		if u, err := a.store.UserByUsername(ctx, "jo_k"); err == nil {
			if l, _ := a.store.Threads(ctx, models.ThreadQuery{}); l.Total == 1 {
				ph = u
				break
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if ph == nil {
		t.Fatal("import did not finish")
	}
	real := a.client()
	real.register("jo_k_real")
	if res := admin.post("/mod/users/"+itoa(ph.ID)+"/link", url.Values{"username": {"jo_k_real"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("link: %d", res.Code)
	}
	l, _ := a.store.Threads(ctx, models.ThreadQuery{})
	if l.Threads[0].Author.Username != "jo_k_real" {
		t.Fatalf("thread author after link: %s", l.Threads[0].Author.Username)
	}
	mustContain(t, a.client().get("/u/jo_k_real").Body, "<dt>Questions</dt><dd>1</dd>")
}

// TestFailedImportJobSaysWhatWasStored: an upload that fails part-way says
// so, and what it stored before (those threads exist; the rest can follow).
func TestFailedImportJobSaysWhatWasStored(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	amb := a.roleClient("amy", models.RoleAmbassador)
	job, err := a.store.StartImportJob(ctx, "amy", "big.csv", false, models.JobHolder(0))
	if err != nil {
		t.Fatal(err)
	}
	sum := &models.ImportSummary{Read: 12000, Imported: 10000, Threads: 4000, Answers: 5900, Inbox: 100, Filtered: map[string]int{}}
	if err := a.store.FinishImportJob(ctx, job, sum, errors.New("big.csv: read error at byte 52428800")); err != nil {
		t.Fatal(err)
	}
	page := amb.get(fmt.Sprintf("/mod/social/import/%d", job))
	mustContain(t, page.Body, "The import failed: big.csv: read error at byte 52428800",
		"Before it stopped, 10000 new items from 12000 read were stored: 4000 threads created, 5900 answers added, 100 in the inbox.")
	mustNotContain(t, page.Body, "Done.")
}

// archiveJS is an X archive's tweets.js uploaded alone: its tweets name no
// author, as every web upload of an archive does (account.js stays behind).
const archiveJS = `window.YTD.tweets.part0 = [
  {"tweet": {"id_str": "501", "full_text": "@ExampleCare my broadband has been down since this morning", "created_at": "Tue Oct 31 22:08:27 +0000 2017", "lang": "en"}},
  {"tweet": {"id_str": "502", "full_text": "@ExampleCare still down after two restarts of the hub", "created_at": "Tue Oct 31 22:30:00 +0000 2017", "in_reply_to_status_id_str": "501", "lang": "en"}}
]`

// An empty or comma-trailing brand field names no brand account: tweets
// without an author are never the brand's, so the archive makes threads.
// A handle X could not have is refused on the form, with what was typed.
func TestUploadBrandHandlesField(t *testing.T) {
	for _, field := range []string{"", "ExampleCare,", " , @ExampleCare ,"} {
		a := newApp(t)
		amb := a.roleClient("amy", models.RoleAmbassador)
		res := amb.upload("/mod/social/import", "tweets.js", archiveJS, url.Values{"category": {"general"}, "brand_handle": {field}, "triage": {"0"}})
		if res.Code != http.StatusSeeOther {
			t.Fatalf("brand %q: upload %d %s", field, res.Code, res.Body)
		}
		waitForJob(t, amb, res.Location)
		list, err := a.store.Threads(context.Background(), models.ThreadQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if list.Total != 1 {
			t.Errorf("brand field %q: %d threads from the archive, want 1", field, list.Total)
		}
	}
	a := newApp(t)
	amb := a.roleClient("amy", models.RoleAmbassador)
	res := amb.upload("/mod/social/import", "tweets.js", archiveJS, url.Values{"category": {"general"}, "brand_handle": {"ExampleCare, Example Care"}})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("invalid handle: %d", res.Code)
	}
	mustContain(t, res.Body, "is not an X handle", `value="ExampleCare, Example Care"`)
}
