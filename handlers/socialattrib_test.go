package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/tweets"
)

// importCSV imports a support CSV as the import command does.
func (a *testApp) importCSV(csv string, brands ...string) *models.ImportSummary {
	a.t.Helper()
	ctx := context.Background()
	im, err := a.store.NewImporter(ctx, models.ImportOptions{BrandHandles: brands, Source: "cli"})
	if err != nil {
		a.t.Fatal(err)
	}
	if _, err := tweets.Read(strings.NewReader(csv), func(t tweets.Tweet) error { return im.Add(ctx, t) }); err != nil {
		a.t.Fatal(err)
	}
	sum, err := im.Finish(ctx)
	if err != nil {
		a.t.Fatal(err)
	}
	return sum
}

const csvHeader = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"

// TestOtherCompaniesAreNotOurEmployees: a support CSV holds many companies'
// support accounts (inbound=False); only the brand's handle answers
// officially, and the public ambassador directory lists verified employees,
// no imported profile.
func TestOtherCompaniesAreNotOurEmployees(t *testing.T) {
	a := newApp(t)
	a.roleClient("amy", models.RoleAmbassador)
	a.importCSV(csvHeader+
		"1,115001,True,Tue Oct 31 22:00:00 +0000 2017,@ExampleCare my broadband is down since this morning,2,\n"+
		"2,ExampleCare,False,Tue Oct 31 22:05:00 +0000 2017,@115001 Sorry! Please restart the Hub.,,1\n"+
		"3,115002,True,Tue Oct 31 22:10:00 +0000 2017,@OtherAirHelp my suitcase never arrived in Leeds,4,\n"+
		"4,OtherAirHelp,False,Tue Oct 31 22:15:00 +0000 2017,@115002 We are sorry. Please DM us your booking reference.,,3\n",
		"ExampleCare")
	dir := a.client().get("/ambassadors").Body
	mustContain(t, dir, `href="/u/amy"`)
	mustNotContain(t, dir, "/u/OtherAirHelp", "/u/ExampleCare")
	list, err := a.store.Threads(context.Background(), models.ThreadQuery{})
	if err != nil || list.Total != 2 {
		t.Fatalf("threads: %v %+v", err, list)
	}
	for _, th := range list.Threads {
		page := a.client().get(th.URL()).Body
		switch th.Title {
		case "my broadband is down since this morning":
			mustContain(t, page, "Sorry! Please restart the Hub.", "Official answer")
		case "my suitcase never arrived in Leeds":
			mustContain(t, page, "Please DM us your booking reference.")
			mustNotContain(t, page, "Official answer", "Example ISP Employee")
		default:
			t.Fatalf("thread %+v", th)
		}
	}
	mustNotContain(t, a.client().get("/u/OtherAirHelp").Body, "badge role-ambassador")
}

// TestMergedThreadLeadsToItsConversation: replies imported before their
// question make threads of their own; when the question arrives they are
// one thread, and the address of the one merged away leads to it.
func TestMergedThreadLeadsToItsConversation(t *testing.T) {
	a := newApp(t)
	a.importCSV(csvHeader+
		"11,115011,True,Tue Oct 31 22:10:00 +0000 2017,@115010 @ExampleCare same here since this morning,,10\n"+
		"12,115012,True,Tue Oct 31 22:20:00 +0000 2017,@115010 @ExampleCare and here in Leeds,,10\n", "ExampleCare")
	before, _ := a.store.Threads(context.Background(), models.ThreadQuery{})
	if before.Total != 2 {
		t.Fatalf("threads before: %d", before.Total)
	}
	a.importCSV(csvHeader+"10,115010,True,Tue Oct 31 22:00:00 +0000 2017,@ExampleCare is the broadband down in the north?,,\n", "ExampleCare")
	after, _ := a.store.Threads(context.Background(), models.ThreadQuery{})
	if after.Total != 1 || after.Threads[0].Title != "is the broadband down in the north?" || after.Threads[0].AnswerCount != 2 {
		t.Fatalf("threads after: %+v", after.Threads)
	}
	kept := after.Threads[0]
	for _, th := range before.Threads {
		res := a.client().get(th.URL())
		if th.ID == kept.ID {
			if res.Code != http.StatusMovedPermanently || !strings.HasSuffix(res.Location, kept.URL()) {
				t.Errorf("the thread kept: %d %q", res.Code, res.Location) // its title is the question's now
			}
			continue
		}
		if res.Code != http.StatusMovedPermanently || res.Location != "/t/"+itoa(kept.ID) {
			t.Errorf("merged thread %d: %d %q", th.ID, res.Code, res.Location)
		}
	}
	mustContain(t, a.client().get(kept.URL()).Body, "is the broadband down in the north?", "same here since this morning", "and here in Leeds")
}

// TestProfilesOfAuthorsWithoutHandles: a profile known by X user id links
// to that user on X; the profile of posts whose file named nobody links
// nowhere.
func TestProfilesOfAuthorsWithoutHandles(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	im, err := a.store.NewImporter(ctx, models.ImportOptions{Source: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2022, 5, 1, 9, 0, 0, 0, time.UTC)
	for _, x := range []tweets.Tweet{
		{ID: "501", AuthorID: "1234567", Text: "@ExampleCare the router's light is red since the storm", CreatedAt: at},
		{ID: "502", Text: "@ExampleCare who wrote this? the file does not say", CreatedAt: at.Add(time.Minute)},
	} {
		if err := im.Add(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := im.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	byID := a.client().get("/u/x-user-1234567")
	mustContain(t, byID.Body, "X user 1234567 · imported from X", `href="https://x.com/i/user/1234567"`)
	unknown := a.client().get("/u/unknown-author")
	mustContain(t, unknown.Body, "Unknown author · imported from X. This is a placeholder")
	mustNotContain(t, unknown.Body, "profile on X")
}

// TestUploadedArchiveWithoutAccountIsOneProfile: an X archive's tweets.js
// uploaded without its account.js (as a web upload of the file alone is)
// names no author: all its tweets are the owner's and land on the one
// unknown-author profile, in two uploads as in one, never on the brand's
// account (here the owner's own handle is the brand handle) and never one
// profile per tweet.
func TestUploadedArchiveWithoutAccountIsOneProfile(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "shared", "data", "tweets", "archive-andreruffert", "tweets.js"))
	if err != nil {
		t.Skipf("shared data not found: %v", err)
	}
	var records []json.RawMessage
	if err := json.Unmarshal(raw[bytes.IndexByte(raw, '['):], &records); err != nil {
		t.Fatal(err)
	}
	records = records[:400]
	a := newApp(t)
	amb := a.roleClient("amy", models.RoleAmbassador)
	for _, part := range [][]json.RawMessage{records[200:], records[:200]} {
		b, err := json.Marshal(part)
		if err != nil {
			t.Fatal(err)
		}
		res := amb.upload("/mod/social/import", "tweets.js", "window.YTD.tweets.part0 = "+string(b),
			url.Values{"category": {"general"}, "brand_handle": {"andreruffert"}, "triage": {"0"}})
		if res.Code != http.StatusSeeOther {
			t.Fatalf("upload: %d %s", res.Code, res.Body)
		}
		waitForJob(t, amb, res.Location)
	}
	ctx := context.Background()
	list, err := a.store.Threads(ctx, models.ThreadQuery{})
	if err != nil || list.Total < 20 {
		t.Fatalf("threads: %d %v", list.Total, err)
	}
	for page := 1; page <= list.Pages; page++ {
		l, err := a.store.Threads(ctx, models.ThreadQuery{Page: page})
		if err != nil {
			t.Fatal(err)
		}
		for _, th := range l.Threads {
			if th.Author.Username != "unknown-author" || th.Author.Role != models.RoleMember {
				t.Fatalf("thread %q by %+v", th.Title, th.Author)
			}
		}
	}
	u, err := a.store.UserByUsername(ctx, "unknown-author")
	if err != nil || !u.Imported || u.XUserID != models.UnknownXAuthor || u.XHandle != "" {
		t.Fatalf("unknown author: %+v %v", u, err)
	}
	if res := a.client().get("/u/andreruffert"); res.Code != http.StatusNotFound {
		t.Errorf("a profile for the brand handle: %d", res.Code)
	}
	if res := a.client().get("/u/x-user-0"); res.Code != http.StatusNotFound {
		t.Errorf("a second profile for the owner: %d", res.Code)
	}
}
