package models

import (
	"context"
	"fmt"
	"github.com/crowdcare/crowdcare/models/migrations"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/crowdcare/crowdcare/models/social"
	"github.com/crowdcare/crowdcare/tweets"
)

// TestTweetLinks: a link to X names the author or X's own "i/web" path,
// and a source whose ids are not X's gets no link at all.
func TestTweetLinks(t *testing.T) {
	for _, c := range []struct {
		handle, id string
		format     tweets.Format
		want       string
	}{
		{"jo_k", "1001", tweets.FormatArchive, "https://x.com/jo_k/status/1001"},
		{"", "1440716856763977732", tweets.FormatV2, "https://x.com/i/web/status/1440716856763977732"},
		{"", "42", "", "https://x.com/i/web/status/42"}, // imported before formats were kept
		{"AppleSupport", "12", tweets.FormatSupportCSV, ""},
		{"115712", "11", tweets.FormatSupportCSV, ""},
	} {
		if got := social.TweetURL(c.handle, c.id, string(c.format)); got != c.want {
			t.Errorf("social.TweetURL(%q, %q, %q) = %q, want %q", c.handle, c.id, c.format, got, c.want)
		}
		if got := (InboxItem{Handle: c.handle, TweetID: c.id, Format: string(c.format)}).URL(); got != c.want {
			t.Errorf("inbox item @%s %s (%s): %q, want %q", c.handle, c.id, c.format, got, c.want)
		}
	}
}

// TestSupportCSVThreadsLinkNowhere: the customer-support data set numbers
// its rows, so its threads and items keep no link to X, yet still count as
// from X.
func TestSupportCSVThreadsLinkNowhere(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	const header = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
	for _, f := range []struct {
		triage bool
		rows   string
	}{
		{false, "10,ExampleCare,False,Tue Oct 31 22:10:47 +0000 2017,@115712 Sorry about that! Please restart the Hub.,11,12\n" +
			"12,115712,True,Tue Oct 31 22:08:27 +0000 2017,@ExampleCare my broadband has been down since this morning,10,\n" +
			"11,115712,True,Tue Oct 31 22:30:00 +0000 2017,@ExampleCare restarted twice. Still nothing,,10\n"},
		{true, "20,115713,True,Tue Oct 31 23:30:00 +0000 2017,@ExampleCare is the TV app down tonight?,,\n"},
	} {
		im, err := s.NewImporter(ctx, ImportOptions{Triage: f.triage})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tweets.Read(strings.NewReader(header+f.rows), func(tw tweets.Tweet) error { return im.Add(ctx, tw) }); err != nil {
			t.Fatal(err)
		}
		if _, err := im.Finish(ctx); err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.Threads(ctx, ThreadQuery{})
	if err != nil || list.Total != 1 {
		t.Fatalf("threads: %v %v", list, err)
	}
	th, err := s.Thread(ctx, list.Threads[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if th.SourceURL != "" || th.SourceID != "" {
		t.Errorf("thread from the data set links to X: %q, reply to %q", th.SourceURL, th.SourceID)
	}
	timings, err := s.Responsiveness(ctx, InsightsFilter{From: th.CreatedAt.Add(-time.Hour), To: th.CreatedAt.Add(time.Hour)})
	if err != nil || timings[1].Source != SourceTweet || timings[1].Asked != 1 {
		t.Fatalf("the thread no longer counts as from X: %+v %v", timings, err)
	}
	admin := userWithRole(t, s, "boss", RoleAdmin)
	page, err := s.Inbox(ctx, admin, InboxQuery{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range page.Conversations {
		for _, it := range c.Items {
			n++
			if it.URL() != "" {
				t.Errorf("inbox item %s links to %s", it.TweetID, it.URL())
			}
		}
	}
	if n == 0 {
		t.Fatal("the triaged item is not in the inbox")
	}
}

// TestLinksMigrationMendsEarlierImports: threads and items imported from the
// data set before formats were kept (as the migration's down step leaves
// them) lose their links when it runs; others keep theirs. A SQLite
// migration: on a SQLite file whichever engine the suite runs on.
func TestLinksMigrationMendsEarlierImports(t *testing.T) {
	s := fixedSQLiteStore(t)
	ctx := context.Background()
	const csv = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n" +
		"10,ExampleCare,False,Tue Oct 31 22:10:47 +0000 2017,@115712 Sorry about that! Please restart the Hub.,,12\n" +
		"12,115712,True,Tue Oct 31 22:08:27 +0000 2017,@ExampleCare my broadband has been down since this morning,10,\n"
	im, err := s.NewImporter(ctx, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tweets.Read(strings.NewReader(csv), func(tw tweets.Tweet) error { return im.Add(ctx, tw) }); err != nil {
		t.Fatal(err)
	}
	if err := im.Add(ctx, tweets.Tweet{ID: "1440716856763977732", AuthorHandle: "jo_k", Text: "My router shows a red light, what does it mean?",
		CreatedAt: time.Date(2021, 9, 22, 16, 37, 29, 0, time.UTC), Format: tweets.FormatV2}); err != nil {
		t.Fatal(err)
	}
	if _, err := im.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	sources := func() map[string]string {
		out := map[string]string{}
		rows, err := s.db.Primary().QueryContext(ctx, `SELECT title, source_url FROM threads`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var title, src string
			if err := rows.Scan(&title, &src); err != nil {
				t.Fatal(err)
			}
			out[title] = src
		}
		return out
	}
	want := map[string]string{"my broadband has been down since this morning": "twcs-csv:12",
		"My router shows a red light, what does it mean?": "https://x.com/jo_k/status/1440716856763977732"}
	if got := sources(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("sources: %v", got)
	}
	sub, err := migrations.SQLite(), error(nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, s.db.W(), sub)
	if err != nil {
		t.Fatal(err)
	}
	// Back to just before 0015_tweet_links.sql, whatever came after it.
	if _, err := p.DownTo(ctx, 14); err != nil {
		t.Fatal(err)
	}
	if got := sources()["my broadband has been down since this morning"]; got != "https://x.com/i/web/status/12" {
		t.Fatalf("after the down step: %q", got)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if got := sources(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("sources after the migration: %v", got)
	}
	formats := map[string]string{}
	rows, err := s.db.Primary().QueryContext(ctx, `SELECT tweet_id, source_format FROM social_items`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, f string
		if err := rows.Scan(&id, &f); err != nil {
			t.Fatal(err)
		}
		formats[id] = f
	}
	if fmt.Sprint(formats) != "map[10:twcs-csv 12:twcs-csv 1440716856763977732:]" {
		t.Fatalf("formats after the migration: %v", formats)
	}
}
