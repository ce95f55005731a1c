package models

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/tweets"
)

// TestResponsivenessOnAHandCheckedFixture builds a small forum with known
// times and checks every figure the dashboard shows against hand-worked answers.
func TestResponsivenessOnAHandCheckedFixture(t *testing.T) {
	s, now := clockStore(t)
	ctx := context.Background()
	t0 := *now
	at := func(d time.Duration) { *now = t0.Add(d) }
	a1, a2, a3, a4 := mustUser(t, s, "asker1"), mustUser(t, s, "asker2"), mustUser(t, s, "asker3"), mustUser(t, s, "asker4")
	peer := mustUser(t, s, "peer")
	su := userWithRole(t, s, "super", RoleSuperuser)
	amb := userWithRole(t, s, "ambie", RoleAmbassador)
	answer := func(u *User, th *Thread) *Post {
		t.Helper()
		p, err := s.CreateAnswer(ctx, u, th.ID, "Try switching the router to channel 6 and restart it.")
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	accept := func(u *User, p *Post, undo bool) {
		t.Helper()
		if _, err := s.Accept(ctx, u, p.ID, undo); err != nil {
			t.Fatal(err)
		}
	}

	at(0)
	q1 := mustThread(t, s, a1, "Router drops every evening")
	at(10 * time.Minute)
	answer(a1, q1) // the asker's own bump is not an answer
	at(30 * time.Minute)
	p1 := answer(peer, q1) // first answer after 30 min
	at(time.Hour)
	q2 := mustThread(t, s, a2, "Printer offline after update")
	at(2 * time.Hour)
	accept(a1, p1, false) // accepted after 2 h
	at(4 * time.Hour)
	p2 := answer(su, q2) // first answer after 3 h
	at(6 * time.Hour)
	accept(amb, p2, false) // accepted after 5 h
	at(7 * time.Hour)
	q3 := mustThread(t, s, a3, "Billing page shows the wrong plan")
	at(37 * time.Hour)
	p3 := answer(amb, q3) // first answer after 30 h
	at(38 * time.Hour)
	q4 := mustThread(t, s, a4, "No dial tone on the landline")

	// A tweet at 09:01 on 1 October answered by the brand at 09:05: four minutes,
	// timed from the tweet, not from the import.
	runImport(t, s, ImportOptions{BrandHandles: []string{"@ExampleCare"}},
		tw("1001", "", "jo_k", "@ExampleCare my wifi keeps dropping every evening since the update. Any ideas?", 1),
		tw("1002", "1001", "ExampleCare", "@jo_k Sorry to hear that! Have you tried restarting the Hub?", 5))

	f := InsightsFilter{From: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), To: t0.Add(48 * time.Hour)}
	got, err := s.Responsiveness(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	web, tweet := got[0], got[1]
	if web.Source != SourceWeb || web.Asked != 4 || web.Answered != 3 || web.Accepted != 2 {
		t.Fatalf("web counts: %+v", web)
	}
	// First answers 30 min, 3 h, 30 h: the median is 3 h, nearest-rank p90 (rank 3 of 3) 30 h.
	if web.FirstAnswerMedian != 3*time.Hour || web.FirstAnswerP90 != 30*time.Hour {
		t.Errorf("web first answer: median %v p90 %v", web.FirstAnswerMedian, web.FirstAnswerP90)
	}
	// Acceptances 2 h and 5 h: median 3.5 h, p90 5 h.
	if web.AcceptedMedian != 210*time.Minute || web.AcceptedP90 != 5*time.Hour {
		t.Errorf("web accepted: median %v p90 %v", web.AcceptedMedian, web.AcceptedP90)
	}
	if web.Within1h != 1 || web.Within24 != 2 || web.Share1h() != 0.25 || web.Share24h() != 0.5 {
		t.Errorf("web shares: %d %d %v %v", web.Within1h, web.Within24, web.Share1h(), web.Share24h())
	}
	wantBuckets := []int{1, 1, 1, 0, 1} // <1 h, 1–24 h, 1–7 days, >7 days, none yet
	for i, b := range web.Buckets {
		if b.Count != wantBuckets[i] {
			t.Errorf("web bucket %q = %d, want %d", b.Label, b.Count, wantBuckets[i])
		}
	}
	if tweet.Source != SourceTweet || tweet.Asked != 1 || tweet.Answered != 1 || tweet.FirstAnswerMedian != 4*time.Minute ||
		tweet.Within1h != 1 || tweet.Accepted != 0 {
		t.Errorf("tweet: %+v", tweet)
	}

	who, err := s.WhoAnswers(ctx, f, 10)
	if err != nil {
		t.Fatal(err)
	}
	if who.Peers != 1 || who.Superusers != 1 || who.Staff != 0 || who.PeerShare() != 0.5 || len(who.Top) != 2 ||
		who.Top[0].Username != "peer" || who.Top[1].Username != "super" {
		t.Errorf("who answers: %+v", who)
	}

	open, total, err := s.Unanswered(ctx, 0, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if total != 1 || len(open) != 1 || open[0].ID != q4.ID || open[0].URL() != q4.URL() {
		t.Errorf("unanswered: %d %+v", total, open)
	}

	// Taking an acceptance back takes its time back too.
	accept(amb, p2, true)
	got, _ = s.Responsiveness(ctx, f)
	if got[0].Accepted != 1 || got[0].AcceptedMedian != 2*time.Hour {
		t.Errorf("after unaccept: %+v", got[0])
	}
	// Hiding the only answer puts the question back in the queue; deleting
	// an accepted answer takes its acceptance away.
	if err := s.HidePost(ctx, amb, p3.ID, "Wrong thread"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeletePost(ctx, a1, p1.ID); err == nil {
		t.Fatal("the asker deleted someone else's answer")
	}
	if err := s.DeletePost(ctx, peer, p1.ID); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Responsiveness(ctx, f)
	if got[0].Answered != 1 || got[0].Accepted != 0 || got[0].FirstAnswerMedian != 3*time.Hour {
		t.Errorf("after hiding and deleting: %+v", got[0])
	}
	if _, total, _ := s.Unanswered(ctx, 0, "", 10); total != 3 {
		t.Errorf("unanswered after hiding and deleting: %d, want 3 (q1, q3, q4)", total)
	}
	// A period or category with nothing in it gives zeros, not errors.
	empty, err := s.Responsiveness(ctx, InsightsFilter{From: f.From, To: f.To, CategoryID: 9999})
	if err != nil || empty[0].Asked != 0 || empty[0].FirstAnswerMedian != 0 || empty[0].Share1h() != 0 {
		t.Errorf("empty: %+v %v", empty, err)
	}
}

// TestCountsWrittenOnClose: counts still in memory when the store closes
// are written, not lost (the counting itself is tested in models/insights).
func TestCountsWrittenOnClose(t *testing.T) {
	s, _ := clockStore(t)
	ctx := context.Background()
	path := s.Path()
	s.Count(Event{Metric: MetricViewArticle})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	var views int
	if err := s2.db.Primary().QueryRowContext(ctx, `SELECT SUM(n) FROM insight_counts WHERE metric = ?`, MetricViewArticle).Scan(&views); err != nil || views != 1 {
		t.Errorf("views after reopening: %d %v", views, err)
	}
}

func TestFlushingCountsKeepsCachedPagesValid(t *testing.T) {
	s, _ := clockStore(t)
	ctx := context.Background()
	before := s.Version()
	s.Count(SearchEvents("router", 3)...)
	if err := s.FlushEvents(ctx); err != nil {
		t.Fatal(err)
	}
	if s.Version() != before {
		t.Errorf("a flush of counters moved the version from %d to %d", before, s.Version())
	}
	// The next real change still moves it.
	mustUser(t, s, "someone")
	if s.Version() == before {
		t.Error("a new account did not move the version")
	}
}

// TestAcceptedAuthorFollowsLinking: the dashboard credits an accepted
// answer to its author's account after an admin links the placeholder.
func TestAcceptedAuthorFollowsLinking(t *testing.T) {
	s, now := clockStore(t)
	ctx := context.Background()
	admin := userWithRole(t, s, "admin", RoleAdmin)
	sum := runImport(t, s, ImportOptions{BrandHandles: []string{"brand"}, Actor: admin, Source: "cli"},
		tweets.Tweet{ID: "100", AuthorHandle: "asker_x", Text: "@brand my router keeps dropping the connection every evening", CreatedAt: now.Add(-time.Hour)},
		tweets.Tweet{ID: "101", InReplyToID: "100", AuthorHandle: "helper_x", Text: "@asker_x switch the wifi channel to 6, that fixed mine", CreatedAt: now.Add(-30 * time.Minute)})
	if sum.Threads != 1 || sum.Answers != 1 {
		t.Fatalf("import: %+v", sum)
	}
	list, err := s.Threads(ctx, ThreadQuery{})
	if err != nil {
		t.Fatal(err)
	}
	th, err := s.Thread(ctx, list.Threads[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	posts, err := s.ThreadPosts(ctx, th, 1, admin)
	if err != nil || len(posts.Answers) != 1 {
		t.Fatalf("posts: %+v %v", posts, err)
	}
	if _, err := s.Accept(ctx, admin, posts.Answers[0].ID, false); err != nil {
		t.Fatal(err)
	}
	f := InsightsFilter{From: now.Add(-2 * time.Hour), To: now.Add(time.Hour)}
	who := func() string {
		a, err := s.WhoAnswers(ctx, f, 5)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(a.Top)
	}
	if got := who(); got != "[{helper_x member 1}]" {
		t.Errorf("before linking: %s", got)
	}
	real := mustUser(t, s, "helper_real")
	ph, err := s.UserByUsername(ctx, "helper_x")
	if err != nil {
		t.Fatal(err)
	}
	if ph.Reputation != PointsAcceptedAnswer {
		t.Fatalf("placeholder's reputation: %d", ph.Reputation)
	}
	if err := s.Watch(ctx, ph.ID, th.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := s.LinkPlaceholder(ctx, admin, ph.ID, real.Username); err != nil {
		t.Fatal(err)
	}
	if got := who(); got != "[{helper_real member 1}]" {
		t.Errorf("after linking: %s", got)
	}
	// What the profile earned and followed moved with it.
	if r := reload(t, s, real); r.Reputation != PointsAcceptedAnswer {
		t.Errorf("account's reputation after linking: %d", r.Reputation)
	}
	if p := reload(t, s, ph); p.Reputation != 0 {
		t.Errorf("placeholder kept %d points", p.Reputation)
	}
	if w, err := s.Watching(ctx, real.ID, th.ID); err != nil || !w {
		t.Errorf("the watch did not move: %v %v", w, err)
	}
	if w, _ := s.Watching(ctx, ph.ID, th.ID); w {
		t.Error("the placeholder still watches")
	}
	board, err := s.Leaderboard(ctx, time.Time{}, 5)
	if err != nil || len(board) == 0 || board[0].User.Username != "helper_real" {
		t.Errorf("leaderboard after linking: %+v %v", board, err)
	}
}
