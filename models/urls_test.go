package models

import (
	"context"
	"fmt"
	"testing"
)

// TestThreadAddresses: every value that links to a thread gives the same
// address, spelled out here as the public contract it is. The dashboard's
// values (models/insights: the unanswered queue, the early warning's
// threads, incidents) are given their addresses by ThreadURL when read:
// the tests of those figures check them.
func TestThreadAddresses(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{ThreadURL(12, "router-drops"), "/t/12/router-drops"},
		{(&Thread{ID: 12, Slug: "router-drops"}).URL(), "/t/12/router-drops"},
		{(&Article{ID: 3, Slug: "fix-drops", ThreadID: 12, ThreadSlug: "router-drops"}).ThreadURL(), "/t/12/router-drops"},
		{(&Article{ID: 3, Slug: "fix-drops"}).URL(), "/kb/3/fix-drops"},
		{AnswerSummary{PostID: 40, Thread: Thread{ID: 12, Slug: "router-drops"}}.URL(), "/t/12/router-drops#p40"},
	} {
		if c.got != c.want {
			t.Errorf("address %q, want %q", c.got, c.want)
		}
	}
}

// TestStoredThreadAddresses: search hits, the sitemap and a member's
// answers link to a real thread and its article by their addresses.
func TestStoredThreadAddresses(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	_, th, accepted, _ := solvedThread(t, s)
	a, err := s.ArticleForThread(ctx, th.ID)
	if err != nil {
		t.Fatal(err)
	}
	thread := fmt.Sprintf("/t/%d/hub-3-loses-wi-fi-every-evening", th.ID)
	article := fmt.Sprintf("/kb/%d/%s", a.ID, a.Slug)
	if a.Slug == "" || th.URL() != thread || a.URL() != article {
		t.Fatalf("thread %q, article %q (slug %q)", th.URL(), a.URL(), a.Slug)
	}

	res, err := s.Search(ctx, SearchQuery{Text: "band steering"})
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, h := range res.Hits {
		found[h.URL] = true
	}
	// One hit for the question, linking to its article.
	if len(res.Hits) != 1 || !found[article] || res.Hits[0].ThreadID != th.ID {
		t.Errorf("search hits: %+v", res.Hits)
	}

	entries, err := s.SitemapEntries(ctx, 1, SitemapPerFile)
	if err != nil {
		t.Fatal(err)
	}
	found = map[string]bool{}
	for _, e := range entries {
		found[e.Path] = true
	}
	if !found[thread] || !found[article] {
		t.Errorf("sitemap: %+v", entries)
	}

	answers, err := s.UserAnswers(ctx, accepted.Author.ID, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%s#p%d", thread, accepted.ID); len(answers.Answers) != 1 || answers.Answers[0].URL() != want {
		t.Errorf("answers: %+v, want %s", answers.Answers, want)
	}
}
