package models

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/models/social"
	"github.com/crowdcare/crowdcare/tweets"
)

func tw(id, parent, handle, text string, minute int) tweets.Tweet {
	return tweets.Tweet{ID: id, InReplyToID: parent, AuthorHandle: handle, Text: text,
		CreatedAt: time.Date(2026, 10, 1, 9, minute, 0, 0, time.UTC), Lang: "en"}
}

func runImport(t *testing.T, s *Store, opts ImportOptions, ts ...tweets.Tweet) *ImportSummary {
	t.Helper()
	return streamImport(t, s, opts, importBatch, ts...)
}

func TestImportConversationBecomesThread(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	brand := ImportOptions{BrandHandles: []string{"@ExampleCare"}}
	conv := []tweets.Tweet{
		// The brand's reply arrives before the question it answers.
		tw("1002", "1001", "ExampleCare", "@jo_k Sorry to hear that! Have you tried restarting the Hub? ^AB", 5),
		tw("1001", "", "jo_k", "@ExampleCare my wifi keeps dropping every evening since the update. Any ideas? https://example.com/screen", 1),
		tw("1003", "1002", "jo_k", "@ExampleCare yes, twice & it still drops 😩", 9),
	}
	sum := runImport(t, s, brand, conv...)
	if sum.Read != 3 || sum.Imported != 3 || sum.Threads != 1 || sum.Answers != 2 || sum.FilteredTotal() != 0 {
		t.Fatalf("summary: %+v", sum)
	}
	list, _ := s.Threads(ctx, ThreadQuery{})
	if list.Total != 1 {
		t.Fatalf("threads: %d", list.Total)
	}
	th := list.Threads[0]
	if th.Title != "my wifi keeps dropping every evening since the update." || th.Author.Username != "jo_k" ||
		th.SourceURL != "https://x.com/jo_k/status/1001" || th.SourceID != "1001" || th.AnswerCount != 2 ||
		!th.CreatedAt.Equal(conv[1].CreatedAt) {
		t.Fatalf("thread: %+v", th)
	}
	posts, _ := s.ThreadPosts(ctx, th, 1, nil)
	if len(posts.Answers) != 2 || posts.Answers[0].Author.Username != "ExampleCare" || posts.Answers[0].Author.Role != RoleAmbassador ||
		!strings.Contains(string(posts.Answers[1].BodyHTML), "twice &amp; it still drops 😩") {
		t.Fatalf("answers: %+v %+v", posts.Answers[0], posts.Answers[1])
	}
	author, _ := s.UserByUsername(ctx, "jo_k")
	if !author.Imported || author.XHandle != "jo_k" {
		t.Fatalf("placeholder: %+v", author)
	}
	if _, err := s.Authenticate(ctx, "jo_k", "", "127.0.0.1"); err == nil {
		t.Fatal("a placeholder profile could log in")
	}
	// Importing the same file again changes nothing.
	again := runImport(t, s, brand, conv...)
	if again.Duplicates != 3 || again.Imported != 0 || again.Threads != 0 || again.Answers != 0 {
		t.Fatalf("re-import: %+v", again)
	}
	// A later file with a new reply appends it to the existing thread.
	later := runImport(t, s, brand, append(conv, tw("1004", "1003", "ExampleCare", "@jo_k Thanks, we've booked an engineer for Tuesday.", 30))...)
	if later.Duplicates != 3 || later.Imported != 1 || later.Threads != 0 || later.Answers != 1 {
		t.Fatalf("later file: %+v", later)
	}
	if got, _ := s.Thread(ctx, th.ID); got.AnswerCount != 3 {
		t.Fatalf("answers after append: %d", got.AnswerCount)
	}
	if r := searchTitles(t, s, SearchQuery{Text: "engineer"}); len(r) != 1 {
		t.Fatalf("appended reply not searchable: %v", r)
	}
}

func TestImportOrphansAndFilters(t *testing.T) {
	s := newTestStore(t)
	opts := ImportOptions{BrandHandles: []string{"ExampleCare"}}
	retweet := tw("2001", "", "fan", "RT @ExampleCare: New plans are out", 1)
	retweet.Retweet = true
	malware := tw("2005", "", "eve", "My router login page moved here, is it legit? http://198.51.100.7/login", 5)
	malware.URLs = []string{"http://198.51.100.7/login"}
	spam1 := tw("2006", "", "bot", "Check my profile for cheap phones", 6)
	spam2 := tw("2007", "", "bot", "Check my profile for cheap phones", 7)
	spam3 := tw("2008", "", "bot", "Check my profile for cheap phones", 8)
	sum := runImport(t, s, opts,
		retweet,
		tw("2002", "", "ExampleCare", "Our new fibre plans launch today!", 2),
		tw("2003", "", "promo", "GIVEAWAY! Win a new router, follow & RT to enter", 3),
		tw("2004", "9999", "sam", "@ExampleCare same problem here, no internet since 8am", 4),
		malware, spam1, spam2, spam3)
	want := map[string]int{social.FilterRetweet: 1, social.FilterBrand: 1, social.FilterPromotion: 1, social.FilterMalware: 1, social.FilterSpam: 1}
	for k, v := range want {
		if sum.Filtered[k] != v {
			t.Errorf("filtered %q = %d, want %d (all: %v)", k, sum.Filtered[k], v, sum.Filtered)
		}
	}
	// The orphan reply (parent 9999 is not in any file) and the two first
	// "bot" posts become threads of their own.
	if sum.Threads != 3 {
		t.Fatalf("threads: %+v", sum)
	}
	var reason string
	s.db.Primary().QueryRow(`SELECT filter_reason FROM social_items WHERE tweet_id = '2005'`).Scan(&reason)
	if reason != social.FilterMalware {
		t.Fatalf("kept reason: %q", reason)
	}
}

func TestImportTriageAndTrustedRules(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	admin := userWithRole(t, s, "boss", RoleAdmin)
	if _, err := s.CreateSocialRule(ctx, admin, NewSocialRule{Name: "Outages", Keywords: "outage, no internet", Exclusions: "joke", Trusted: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateSocialRule(ctx, admin, NewSocialRule{Name: "Router", Keywords: "router"}); err != nil {
		t.Fatal(err)
	}
	sum := runImport(t, s, ImportOptions{Triage: true},
		tw("3001", "", "ann", "Is there an outage in Leeds? No internet since 8am", 1),
		tw("3002", "", "bob", "My router lights are all red", 2),
		tw("3003", "", "cat", "Outage joke of the day", 3),
		tw("3004", "", "dan", "Lovely weather today", 4))
	if sum.Threads != 1 || sum.Inbox != 3 {
		t.Fatalf("triage summary: %+v", sum)
	}
	rules := map[string]int64{}
	rows, _ := s.db.Primary().Query(`SELECT tweet_id, COALESCE(rule_id, 0) FROM social_items`)
	for rows.Next() {
		var id string
		var r int64
		rows.Scan(&id, &r)
		rules[id] = r
	}
	rows.Close()
	if rules["3001"] == 0 || rules["3002"] == 0 || rules["3003"] != 0 || rules["3004"] != 0 {
		t.Fatalf("rule matches: %v", rules)
	}
}

func TestImportDryRunChangesNothing(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	sum := runImport(t, s, ImportOptions{DryRun: true},
		tw("4001", "", "ann", "My router keeps rebooting every night", 1),
		tw("4002", "4001", "bob", "Same here, since the firmware update", 2))
	if !sum.DryRun || sum.Imported != 2 || sum.Threads != 1 || sum.Answers != 1 {
		t.Fatalf("dry run summary: %+v", sum)
	}
	var items, users int
	s.db.Primary().QueryRow(`SELECT COUNT(*) FROM social_items`).Scan(&items)
	s.db.Primary().QueryRow(`SELECT COUNT(*) FROM users`).Scan(&users)
	list, _ := s.Threads(ctx, ThreadQuery{})
	if items != 0 || users != 0 || list.Total != 0 {
		t.Fatalf("dry run wrote: %d items, %d users, %d threads", items, users, list.Total)
	}
}

type fakeDetector struct{ calls atomic.Int64 }

func (f *fakeDetector) Detect(text string) string {
	f.calls.Add(1)
	if strings.Contains(text, "Router") {
		return "de"
	}
	return ""
}

func TestLanguagesAreDetectedAfterTheImport(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	given := tw("5001", "", "ann", "My router keeps rebooting every night", 1)
	missing := tw("5002", "", "bea", "Mein Router startet jede Nacht neu", 2)
	missing.Lang = "und"
	unsure := tw("5003", "", "cat", "ok ok", 3)
	unsure.Lang = ""
	runImport(t, s, ImportOptions{Triage: true}, given, missing, unsure)
	det := &fakeDetector{}
	n, err := s.DetectLanguages(ctx, det, 100)
	if err != nil || n != 2 || det.calls.Load() != 2 {
		t.Fatalf("first pass: %d items, %d calls, %v", n, det.calls.Load(), err)
	}
	if n, _ := s.DetectLanguages(ctx, det, 100); n != 0 {
		t.Fatalf("second pass looked at %d items again", n)
	}
	langs := map[string]string{}
	rows, _ := s.db.Primary().Query(`SELECT tweet_id, lang FROM social_items`)
	for rows.Next() {
		var id, l string
		rows.Scan(&id, &l)
		langs[id] = l
	}
	rows.Close()
	if langs["5001"] != "en" || langs["5002"] != "de" || langs["5003"] != "" {
		t.Fatalf("languages: %v", langs)
	}
}
