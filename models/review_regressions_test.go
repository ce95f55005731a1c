package models

import (
	"context"
	"strings"
	"testing"
)

func reviewPrivate(t *testing.T, s *Store) (admin, partner, outsider *User, th *Thread) {
	t.Helper()
	ctx := context.Background()
	admin = userWithRole(t, s, "boss", RoleAdmin)
	partner, outsider = mustUser(t, s, "partner"), mustUser(t, s, "outsider")
	priv, err := s.CreateCategory(ctx, NewCategory{Name: "Partners"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetCategoryGroup(ctx, admin, priv.Slug, "partners"); err != nil {
		t.Fatal(err)
	}
	if err := s.AddToGroup(ctx, admin, partner.ID, "partners"); err != nil {
		t.Fatal(err)
	}
	th, err = s.CreateThread(ctx, partner, NewThread{Title: "Wholesale pricing for the Hub 3", CategorySlug: priv.Slug,
		Body: "What is the partner price for fifty Hub 3 units?"})
	if err != nil {
		t.Fatal(err)
	}
	return
}

// Regression: deleting an answer that a moderator hid subtracts it a second time.
func TestDeletingAHiddenAnswerKeepsTheCount(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	asker, bob := mustUser(t, s, "asker"), mustUser(t, s, "bob")
	mod := userWithRole(t, s, "mod", RoleModerator)
	th := mustThread(t, s, asker, "Router drops the connection")
	a, err := s.CreateAnswer(ctx, bob, th.ID, "Turn off band steering in the Hub settings.")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.HidePost(ctx, mod, a.ID, "rude"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeletePost(ctx, bob, a.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Thread(ctx, th.ID)
	if got.AnswerCount != 0 {
		t.Fatalf("answer_count = %d after hide then delete, want 0", got.AnswerCount)
	}
}

// Regression: a curator can promote a hidden answer; the published article shows its text.
func TestHiddenAnswersCannotBePromoted(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	_, th, _, other := solvedThread(t, s)
	mod := userWithRole(t, s, "mod", RoleModerator)
	if err := s.HidePost(ctx, mod, other.ID, "dangerous advice"); err != nil {
		t.Fatal(err)
	}
	curator := mustAdmin(t, s)
	art, _ := s.ArticleForThread(ctx, th.ID)
	if err := s.PromoteAnswer(ctx, curator, art.ID, other.ID); err == nil {
		art, _ = s.ArticleForThread(ctx, th.ID)
		if art.Published && strings.Contains(art.SolutionMD, "firmware") {
			t.Fatalf("hidden answer's text is now the published article: %q", art.SolutionMD)
		}
	}
}

// Regression: @mentions in a private thread notify (and email) outsiders with its title.
func TestMentionsDoNotLeakPrivateThreads(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	_, partner, outsider, th := reviewPrivate(t, s)
	if _, err := s.CreateAnswer(ctx, partner, th.ID, "Maybe @outsider knows the price for fifty units?"); err != nil {
		t.Fatal(err)
	}
	l, err := s.Notifications(ctx, outsider.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range l.Items {
		if strings.Contains(n.Text, "Wholesale pricing") {
			t.Fatalf("outsider notified about a private thread: %q", n.Text)
		}
	}
}

// Regression: a watcher keeps getting replies after the thread moved into a private category.
func TestWatchersLoseAThreadMovedIntoAPrivateCategory(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	admin, partner, outsider, _ := reviewPrivate(t, s)
	pub := mustThread(t, s, partner, "Bulk order question for routers")
	if err := s.Watch(ctx, outsider.ID, pub.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := s.MoveThread(ctx, admin, pub.ID, "partners", "partner only"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAnswer(ctx, admin, pub.ID, "Partner price list: 40 per unit for fifty."); err != nil {
		t.Fatal(err)
	}
	l, _ := s.Notifications(ctx, outsider.ID, 1)
	for _, n := range l.Items {
		if strings.Contains(n.Text, "Bulk order") {
			t.Fatalf("outsider notified about a private thread: %q", n.Text)
		}
	}
}

// Regression: a superuser (triage_flags, no see_private, no hide) reads flagged private posts.
func TestFlagQueueHonoursPrivateCategories(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	admin, _, _, th := reviewPrivate(t, s)
	a, err := s.CreateAnswer(ctx, admin, th.ID, "The partner price is 40 per unit, see the portal.")
	if err != nil {
		t.Fatal(err)
	}
	partner, _ := s.UserByUsername(ctx, "partner")
	if err := s.FlagPost(ctx, partner, a.ID, "spam", ""); err != nil {
		t.Fatal(err)
	}
	su := userWithRole(t, s, "super", RoleSuperuser)
	q, err := s.FlagQueue(ctx, su)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range q {
		if strings.Contains(string(f.Post.BodyHTML), "40 per unit") {
			t.Fatalf("superuser without see_private reads private post %d via the flag queue", f.Post.ID)
		}
	}
}

// Regression: an outsider can vote on a post in a private category.
func TestVotesStayInsidePrivateCategories(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	admin, _, outsider, th := reviewPrivate(t, s)
	a, err := s.CreateAnswer(ctx, admin, th.ID, "The partner price is 40 per unit, see the portal.")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Vote(ctx, outsider, a.ID, false); err == nil {
		p, _ := s.Post(ctx, a.ID)
		t.Fatalf("outsider voted on a private post: helpful_count=%d", p.HelpfulCount)
	}
}

// Regression: two imports started together share one import id.
func TestConcurrentImportsGetTheirOwnIDs(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	a, err := s.NewImporter(ctx, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.NewImporter(ctx, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a.id == b.id {
		t.Fatalf("both imports got import_id %d", a.id)
	}
}

// Regression: odd queries with private categories, category and tag filters.
func TestSearchFiltersWithPrivateCategories(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	reviewPrivate(t, s)
	for _, q := range []string{"\u0301", "\u0301*", "a\u0301*", "-\u0301 x", "\"\u0301\"*", "zc1", "ー*", "x* -\"\"", "NEAR*"} {
		for _, sq := range []SearchQuery{{Text: q}, {Text: q, Category: "general", Tag: "wifi", SolvedOnly: true}} {
			if _, err := s.Search(ctx, sq); err != nil {
				t.Errorf("search %q: %v", q, err)
			}
		}
		if _, err := s.Similar(ctx, q, nil); err != nil {
			t.Errorf("similar %q: %v", q, err)
		}
	}
}
