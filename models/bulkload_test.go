package models

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// writeManyThreads stores n small threads through the bulk loader, spread
// over five categories (bulk-0 … bulk-4), every third one solved.
func writeManyThreads(t *testing.T, s *Store, n int) {
	t.Helper()
	ctx := context.Background()
	var cats []int64
	for i := range 5 {
		c, err := s.CreateCategory(ctx, NewCategory{Slug: fmt.Sprintf("bulk-%d", i), Name: fmt.Sprintf("Bulk %d", i), Position: 10 + i})
		if err != nil {
			t.Fatal(err)
		}
		cats = append(cats, c.ID)
	}
	ids, err := s.CreateMembers(ctx, []BulkMember{{"bulk-asker", "asker@bulk.invalid"}, {"bulk-helper", "helper@bulk.invalid"}}, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	at := s.Now().Add(-time.Duration(n) * time.Hour)
	var threads []BulkThread
	for i := range n {
		at = at.Add(time.Hour)
		th := BulkThread{CategoryID: cats[i%len(cats)], AuthorID: ids[0], Title: fmt.Sprintf("Router number %d keeps dropping", i),
			Tags: []string{"router"}, At: at, Accepted: -1,
			Question: BulkPost{AuthorID: ids[0], Body: "The **router** drops the line every evening.", At: at}}
		if i%3 == 0 {
			th.Answers = []BulkPost{{AuthorID: ids[1], Body: "Move it away from the microwave.", At: at.Add(time.Minute), Helpful: 2}}
			th.Accepted, th.AcceptedAt = 0, at.Add(2*time.Minute)
		}
		threads = append(threads, th)
		if len(threads) == 500 || i == n-1 {
			if err := s.WriteThreads(ctx, threads); err != nil {
				t.Fatal(err)
			}
			threads = threads[:0]
		}
	}
}

// TestBulkLoaderWritesWholeThreads: WriteThreads stores threads as a member
// would have left them (counters, tags, rendered Markdown, the accepted
// answer's article, search rows); CreateMembers keeps an existing name;
// AddSocialItems fills the inbox from one source.
func TestBulkLoaderWritesWholeThreads(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	writeManyThreads(t, s, 30)
	list, err := s.Threads(ctx, ThreadQuery{})
	if err != nil || list.Total != 30 {
		t.Fatalf("threads: %d, %v", list.Total, err)
	}
	solved, err := s.Threads(ctx, ThreadQuery{Show: ShowSolved})
	if err != nil || solved.Total != 10 {
		t.Fatalf("solved: %d, %v", solved.Total, err)
	}
	articles, err := s.Articles(ctx, ArticleQuery{})
	if err != nil || articles.Total != 10 {
		t.Fatalf("articles: %d, %v", articles.Total, err)
	}
	th, err := s.Thread(ctx, solved.Threads[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if th.AnswerCount != 1 || th.AcceptedID == 0 || th.Slug != Slugify(th.Title) {
		t.Errorf("thread %+v", th)
	}
	q, err := s.Post(ctx, th.QuestionID)
	if err != nil || q.BodyHTML != "<p>The <strong>router</strong> drops the line every evening.</p>\n" {
		t.Errorf("question rendered %q, %v", q.BodyHTML, err)
	}
	res, err := s.Search(ctx, SearchQuery{Text: "microwave"})
	if err != nil || res.Total != 10 {
		t.Errorf("search microwave: %d hits, %v", res.Total, err)
	}
	res, err = s.Search(ctx, SearchQuery{Text: "router", Tag: "router"})
	if err != nil || res.Total != 30 {
		t.Errorf("search router tagged router: %d hits, %v", res.Total, err)
	}

	again, err := s.CreateMembers(ctx, []BulkMember{{"bulk-asker", "other@bulk.invalid"}, {"bulk-new", "new@bulk.invalid"}}, "x")
	if err != nil {
		t.Fatal(err)
	}
	asker, err := s.UserByUsername(ctx, "bulk-asker")
	if err != nil || again[0] != asker.ID || asker.Email != "asker@bulk.invalid" {
		t.Errorf("existing member: id %d (want %d), %+v, %v", again[0], asker.ID, asker, err)
	}
	if fresh, err := s.UserByID(ctx, again[1]); err != nil || fresh.Username != "bulk-new" || fresh.EmailVerifiedAt.IsZero() {
		t.Errorf("new member: %+v, %v", fresh, err)
	}

	items := []NewSocialItem{{TweetID: "11", AuthorHandle: "cust", Text: "@brand outage again", Lang: "en", CreatedAt: s.Now()},
		{TweetID: "12", AuthorHandle: "cust", Text: "@brand still down", Lang: "en", CreatedAt: s.Now()}}
	if err := s.AddSocialItems(ctx, "elsewhere", items); err != nil {
		t.Fatal(err)
	}
	if n, err := s.CountSocialItems(ctx, "elsewhere"); err != nil || n != 2 {
		t.Errorf("items from elsewhere: %d, %v", n, err)
	}
	if n, err := s.CountSocialItems(ctx, "corpus"); err != nil || n != 0 {
		t.Errorf("items from corpus: %d, %v", n, err)
	}
}
