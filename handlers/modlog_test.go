package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/crowdcare/crowdcare/models"
)

// The moderation log reads as sentences with links to what was done, not
// as the store's action codes.
func TestModLogSaysWhatHappenedInWords(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	a.importTweets(models.ImportOptions{Triage: true},
		tweet("701", "My router shows a red light since the update, what does it mean?"),
		tweet("702", "Free phones here, no joke"))
	amb := a.roleClient("amy", models.RoleAmbassador)
	if res := amb.post("/mod/social", url.Values{"action": {"convert"}, "items": {"701"}, "category": {"general"},
		"title": {"Red light on the router after the update"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("convert: %d", res.Code)
	}
	amb.post("/mod/social", url.Values{"action": {"spam"}, "items": {"702"}})
	list, err := a.store.Threads(ctx, models.ThreadQuery{})
	if err != nil || list.Total != 1 {
		t.Fatalf("threads: %v %v", list, err)
	}
	th := list.Threads[0]
	q, err := a.store.ThreadPosts(ctx, th, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res := amb.post("/p/"+itoa(q.Question.ID)+"/hide", url.Values{"reason": {"Off topic"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("hide: %d", res.Code)
	}

	log := amb.get("/mod/log")
	if log.Code != http.StatusOK {
		t.Fatalf("log: %d", log.Code)
	}
	mustContain(t, log.Body, "Converted a conversation into a thread", `<a href="/t/`+itoa(th.ID)+`">Red light on the router after the update</a>`,
		"Marked posts in the social inbox as spam", `<a href="/mod/social?status=spam">Social inbox</a>`, "1 post",
		"Hid a post", `<a href="/p/`+itoa(q.Question.ID)+`">`, "Off topic")
	mustNotContain(t, log.Body, "convert_social", "social_spam", "hide_post", "social 0", "<td>social")
}

// An import writes one audit line: who, which file, what it did, and where
// its threads went.
func TestUploadedImportIsInTheModLog(t *testing.T) {
	a := newApp(t)
	amb := a.roleClient("amy", models.RoleAmbassador)
	res := amb.upload("/mod/social/import", "twcs.csv", supportCSV, url.Values{"category": {"general"}, "brand_handle": {"ExampleCare"}})
	if res.Code != http.StatusSeeOther {
		t.Fatalf("upload: %d %s", res.Code, res.Body)
	}
	waitForJob(t, amb, res.Location)
	entries, err := a.store.ModLog(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	var imports []models.LogEntry
	for _, e := range entries.Entries {
		if e.Action == "import_social" {
			imports = append(imports, e)
		}
	}
	if len(imports) != 1 {
		t.Fatalf("import audit lines: %+v", entries.Entries)
	}
	e := imports[0]
	if e.Actor.Username != "amy" {
		t.Errorf("import logged as done by %+v", e.Actor)
	}
	for _, want := range []string{"twcs.csv", "4 read", "threads created: 1, in General", "answers added: 2", "filtered: 1"} {
		if !strings.Contains(e.Reason, want) {
			t.Errorf("import line %q lacks %q", e.Reason, want)
		}
	}
	page := amb.get("/mod/log")
	mustContain(t, page.Body, "Imported posts from X", `<a href="/c/general">General</a>`, "twcs.csv")
}
