package models

import (
	"context"
	"testing"
	"time"
)

// Points earned in a private category are kept apart from the reputation
// everyone sees, follow the thread's category as it changes, and still
// count towards promotion.
func TestPrivateReputationKeptInStep(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	admin := userWithRole(t, s, "boss", RoleAdmin)
	// Any member's vote counts here: standing is tested on its own.
	saveSettings(t, s, admin, SiteSettingsForm{SuperuserThreshold: "25", StandingDays: "0", StandingReputation: "0"})
	if _, err := s.CreateCategory(ctx, NewCategory{Name: "Partners", Group: "partners"}); err != nil {
		t.Fatal(err)
	}
	asker, peer := mustUser(t, s, "asker"), mustUser(t, s, "peer")
	for _, u := range []*User{asker, peer} {
		if err := s.AddToGroup(ctx, admin, u.ID, "partners"); err != nil {
			t.Fatal(err)
		}
	}
	th, err := s.CreateThread(ctx, asker, NewThread{Title: "Wholesale pricing for the Hub 3", CategorySlug: "partners",
		Body: "What is the partner price for fifty units?"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.CreateAnswer(ctx, peer, th.ID, "Fifty units are at the second price tier.")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Vote(ctx, asker, a.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Accept(ctx, asker, a.ID, false); err != nil {
		t.Fatal(err)
	}
	want := func(when string, public, private int, role Role) {
		t.Helper()
		got := reload(t, s, peer)
		if got.Reputation != public || got.PrivateReputation != private || got.Role != role {
			t.Fatalf("%s: public %d, private %d, %s; want %d, %d, %s", when, got.Reputation, got.PrivateReputation, got.Role,
				public, private, role)
		}
		for _, since := range []time.Time{{}, time.Now().Add(-time.Hour)} {
			board, err := s.Leaderboard(ctx, since, 10)
			if err != nil {
				t.Fatal(err)
			}
			var points int
			for _, e := range board {
				if e.User.ID == peer.ID {
					points = e.Points
				}
			}
			if points != public {
				t.Errorf("%s: leaderboard since %v shows %d points, want %d", when, since, points, public)
			}
		}
	}
	// Promotion goes by the whole total: it is news for the member alone.
	want("earned in private", 0, PointsHelpfulAnswer+PointsAcceptedAnswer, RoleSuperuser)
	if err := s.SetCategoryGroup(ctx, admin, "partners", ""); err != nil {
		t.Fatal(err)
	}
	want("category made public", PointsHelpfulAnswer+PointsAcceptedAnswer, 0, RoleSuperuser)
	if err := s.SetCategoryGroup(ctx, admin, "partners", "partners"); err != nil {
		t.Fatal(err)
	}
	want("category private again", 0, PointsHelpfulAnswer+PointsAcceptedAnswer, RoleSuperuser)
	if err := s.Vote(ctx, asker, a.ID, true); err != nil {
		t.Fatal(err)
	}
	want("vote taken back", 0, PointsAcceptedAnswer, RoleSuperuser)
	mod := userWithRole(t, s, "mod", RoleModerator)
	if err := s.MoveThread(ctx, mod, th.ID, "general", ""); err != nil {
		t.Fatal(err)
	}
	want("thread moved to a public category", PointsAcceptedAnswer, 0, RoleSuperuser)
}
