package kb_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/internal/storetest"
	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/kb"
	"github.com/crowdcare/crowdcare/models/notallowed"
)

// newStore and mustUser are internal/storetest's.
func newStore(t *testing.T) *models.Store { return storetest.Open(t, "kb.db", nil) }

func mustUser(t *testing.T, s *models.Store, name string, role models.Role) *models.User {
	return storetest.User(t, s, name, role)
}

// These tests go through the store, which embeds the knowledge base: an
// article is made and kept in step by the forum's steps (accepting,
// editing, removing), which are models'.

// solvedThread makes a thread with two answers by bob and carol and accepts bob's.
func solvedThread(t *testing.T, s *models.Store) (asker *models.User, th *models.Thread, accepted, other *models.Post) {
	t.Helper()
	ctx := context.Background()
	asker = mustUser(t, s, "asker", "")
	bob, carol := mustUser(t, s, "bob", ""), mustUser(t, s, "carol", "")
	th, err := s.CreateThread(ctx, asker, models.NewThread{Title: "Hub 3 loses Wi-Fi every evening", CategorySlug: "general",
		Body: "Every evening at 8pm the **Wi-Fi** drops.\n\nI tried rebooting and a new channel.", Tags: "wifi"})
	if err != nil {
		t.Fatal(err)
	}
	if accepted, err = s.CreateAnswer(ctx, bob, th.ID, "Turn off band steering in the Hub settings."); err != nil {
		t.Fatal(err)
	}
	if other, err = s.CreateAnswer(ctx, carol, th.ID, "Update the firmware to version 4.2 or later."); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Accept(ctx, asker, accepted.ID, false); err != nil {
		t.Fatal(err)
	}
	return asker, th, accepted, other
}

func mustAdmin(t *testing.T, s *models.Store) *models.User {
	return mustUser(t, s, "curator", models.RoleAdmin)
}

// searchTitles is internal/storetest's.
func searchTitles(t *testing.T, s *models.Store, q models.SearchQuery) []string {
	return storetest.SearchTitles(t, s, q)
}

func TestAcceptCreatesArticleFoundBySearch(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	_, th, accepted, _ := solvedThread(t, s)
	a, err := s.ArticleForThread(ctx, th.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != th.Title || a.ProblemMD != "Every evening at 8pm the **Wi-Fi** drops." || a.PostID != accepted.ID ||
		!strings.Contains(string(a.SolutionHTML), "band steering") || !a.Published || a.Author.Username != "bob" ||
		len(a.Tags) != 1 || a.Tags[0] != "wifi" {
		t.Fatalf("article = %+v", a)
	}
	// One hit for the question: its article.
	got := searchTitles(t, s, models.SearchQuery{Text: "band steering"})
	if len(got) != 1 || got[0] != "kb:"+th.Title {
		t.Fatalf("search: %v", got)
	}
}

func TestArticleFollowsTheThread(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	asker, th, accepted, other := solvedThread(t, s)
	bob, _ := s.UserByUsername(ctx, "bob")
	art := func() *models.Article {
		a, err := s.ArticleForThread(ctx, th.ID)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	// Changing the accepted answer updates an uncurated article.
	if _, err := s.Accept(ctx, asker, other.ID, false); err != nil {
		t.Fatal(err)
	}
	if a := art(); a.PostID != other.ID || !strings.Contains(a.SolutionMD, "firmware") || a.Outdated {
		t.Fatalf("after change: %+v", a)
	}
	if got := searchTitles(t, s, models.SearchQuery{Text: "firmware", SolvedOnly: true}); !contains(got, "kb:"+th.Title) {
		t.Fatalf("article text not reindexed: %v", got)
	}
	// Withdrawing it marks the article outdated; accepting it again clears that.
	if _, err := s.Accept(ctx, asker, other.ID, true); err != nil {
		t.Fatal(err)
	}
	if a := art(); !a.Outdated || a.OutdatedNote != kb.NoteWithdrawn {
		t.Fatalf("after withdraw: %+v", a)
	}
	if _, err := s.Accept(ctx, asker, other.ID, false); err != nil {
		t.Fatal(err)
	}
	if a := art(); a.Outdated {
		t.Fatalf("after re-accept: %+v", a)
	}
	// Editing the answer updates the solution.
	carol, _ := s.UserByUsername(ctx, "carol")
	if err := s.EditPost(ctx, carol, other.ID, models.PostEdit{Body: "Update the firmware to version 4.3 from the admin page."}); err != nil {
		t.Fatal(err)
	}
	if a := art(); !strings.Contains(a.SolutionMD, "4.3") {
		t.Fatalf("after edit: %+v", a)
	}
	// Once curated, changes mark the article for review instead of overwriting.
	admin := mustAdmin(t, s)
	if err := s.EditArticle(ctx, admin, art().ID, models.ArticleEdit{Title: "Wi-Fi drops every evening on the Hub 3",
		Problem: "Wi-Fi drops at 8pm.", Solution: "Update the firmware to 4.3: Settings › System › Update."}); err != nil {
		t.Fatal(err)
	}
	if err := s.EditPost(ctx, carol, other.ID, models.PostEdit{Body: "Actually, factory reset the Hub after updating."}); err != nil {
		t.Fatal(err)
	}
	a := art()
	if !a.Curated || !a.Outdated || a.OutdatedNote != kb.NoteAnswerEdited || a.Title != "Wi-Fi drops every evening on the Hub 3" {
		t.Fatalf("curated after edit: %+v", a)
	}
	if _, err := s.Accept(ctx, asker, accepted.ID, false); err != nil {
		t.Fatal(err)
	}
	if a := art(); a.OutdatedNote != kb.NoteAnswerChanged {
		t.Fatalf("curated after accept change: %+v", a)
	}
	// Removing the answer the solution came from takes the article offline.
	if err := s.DeletePost(ctx, carol, other.ID); err != nil {
		t.Fatal(err)
	}
	if a := art(); a.Published || a.OutdatedNote != kb.NoteAnswerRemoved {
		t.Fatalf("after removal: %+v", a)
	}
	if got := searchTitles(t, s, models.SearchQuery{Text: "firmware"}); contains(got, "kb:Wi-Fi drops every evening on the Hub 3") {
		t.Fatalf("unpublished article found: %v", got)
	}
	revs, err := s.ArticleRevisions(ctx, a.ID)
	if err != nil || len(revs) < 3 {
		t.Fatalf("revisions: %d %v", len(revs), err)
	}
	_ = bob
}

func TestCurationNeedsThePermission(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	asker, th, _, other := solvedThread(t, s)
	a, _ := s.ArticleForThread(ctx, th.ID)
	if err := s.EditArticle(ctx, asker, a.ID, models.ArticleEdit{Title: "Hijacked title here", Problem: "x", Solution: strings.Repeat("y", 30)}); !errors.Is(err, models.ErrForbidden) {
		t.Fatalf("member edit: %v", err)
	}
	if err := s.SetArticlePublished(ctx, asker, a.ID, false); !errors.Is(err, models.ErrForbidden) {
		t.Fatalf("member unpublish: %v", err)
	}
	admin := mustAdmin(t, s)
	var ve *models.ValidationError
	if err := s.SetArticleOutdated(ctx, admin, a.ID, true, ""); !errors.As(err, &ve) || ve.Fields["note"] == "" {
		t.Fatalf("outdated without a note: %v", err)
	}
	if err := s.SetArticleOutdated(ctx, admin, a.ID, true, "Firmware 5.0 changed the menu."); err != nil {
		t.Fatal(err)
	}
	if err := s.PromoteAnswer(ctx, admin, a.ID, th.QuestionID); err == nil {
		t.Fatal("promoted the question")
	}
	if err := s.PromoteAnswer(ctx, admin, a.ID, other.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Article(ctx, a.ID)
	if got.PostID != other.ID || !strings.Contains(got.SolutionMD, "firmware") || got.Outdated {
		t.Fatalf("after promote: %+v", got)
	}
	if err := s.SetArticlePublished(ctx, admin, a.ID, false); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.Articles(ctx, models.ArticleQuery{}); list.Total != 0 {
		t.Fatalf("unpublished listed: %d", list.Total)
	}
	if list, _ := s.Articles(ctx, models.ArticleQuery{IncludeHidden: true}); list.Total != 1 {
		t.Fatalf("curator list: %d", list.Total)
	}
	// An unpublished article takes no votes; one that does not exist is not found.
	if err := s.VoteArticle(ctx, a.ID, "u:1", "", true); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("vote on an unpublished article: %v", err)
	}
	if _, err := s.Article(ctx, a.ID+1000); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("an article that does not exist: %v", err)
	}
}

func TestArticleVotesOncePerVoter(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	_, th, _, _ := solvedThread(t, s)
	a, _ := s.ArticleForThread(ctx, th.ID)
	for _, v := range []struct {
		voter   string
		helpful bool
	}{{"u:1", true}, {"u:1", true}, {"s:abc", false}, {"s:abc", true}, {"u:2", false}} {
		if err := s.VoteArticle(ctx, a.ID, v.voter, "", v.helpful); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := s.Article(ctx, a.ID)
	if got.HelpfulYes != 2 || got.HelpfulNo != 1 {
		t.Fatalf("yes=%d no=%d", got.HelpfulYes, got.HelpfulNo)
	}
	if v, _ := s.ArticleVote(ctx, a.ID, "u:2"); v != -1 {
		t.Fatalf("vote of u:2 = %d", v)
	}
}

// TestVisitorVotesCountAgainstTheirAddress: visitors' new ratings of one
// article from one address stop counting at kb.VisitorVotesPerDay in 24
// hours (a refusal the visitor can read); a visitor changes their own rating
// freely; another address, another article and a member are not held back;
// a day later the address counts again.
func TestVisitorVotesCountAgainstTheirAddress(t *testing.T) {
	var skew atomic.Int64
	s := storetest.Open(t, "kb.db", func() time.Time { return time.Now().Add(time.Duration(skew.Load())) })
	ctx := context.Background()
	_, th, _, _ := solvedThread(t, s)
	a, _ := s.ArticleForThread(ctx, th.ID)
	for i := 0; i < kb.VisitorVotesPerDay; i++ {
		if err := s.VoteArticle(ctx, a.ID, fmt.Sprintf("s:visitor-%d", i), "203.0.113.7", false); err != nil {
			t.Fatalf("visitor %d: %v", i, err)
		}
	}
	err := s.VoteArticle(ctx, a.ID, "s:one-too-many", "203.0.113.7", false)
	if na, ok := models.IsNotAllowed(err); !ok || na.Kind != notallowed.KBVotesPerDay || na.N != kb.VisitorVotesPerDay {
		t.Fatalf("one vote too many from one address: %v", err)
	}
	if err := s.VoteArticle(ctx, a.ID, "s:visitor-0", "203.0.113.7", true); err != nil {
		t.Errorf("a visitor changing their rating: %v", err)
	}
	for _, v := range []struct{ voter, addr string }{{"s:elsewhere", "198.51.100.9"}, {"u:1", ""}} {
		if err := s.VoteArticle(ctx, a.ID, v.voter, v.addr, true); err != nil {
			t.Errorf("%s from %q: %v", v.voter, v.addr, err)
		}
	}
	got, _ := s.Article(ctx, a.ID)
	if got.HelpfulNo != kb.VisitorVotesPerDay-1 || got.HelpfulYes != 3 {
		t.Errorf("yes=%d no=%d, want 3 and %d", got.HelpfulYes, got.HelpfulNo, kb.VisitorVotesPerDay-1)
	}
	skew.Add(int64(24*time.Hour + time.Second))
	if err := s.VoteArticle(ctx, a.ID, "s:next-day", "203.0.113.7", true); err != nil {
		t.Errorf("the next day: %v", err)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
