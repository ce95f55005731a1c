package models

import (
	"context"
	"testing"

	"github.com/crowdcare/crowdcare/internal/dbtest"
)

// Two moderators move a thread at once, one into a private category, one
// into another public one: whichever commits last decides where it is, and
// the points earned on it count as private exactly when that is private
// (the move once decided whether to recount them from the category it had
// read before its transaction).
func TestConcurrentMovesKeepPrivateReputation(t *testing.T) {
	s := forumServers(t)[0]
	ctx := context.Background()
	admin := userWithRole(t, s, "boss", RoleAdmin)
	saveSettings(t, s, admin, SiteSettingsForm{SuperuserThreshold: "1000", StandingDays: "0", StandingReputation: "0"})
	for _, c := range []NewCategory{{Name: "Partners", Group: "partners"}, {Name: "Billing"}} {
		if _, err := s.CreateCategory(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	asker, peer := mustUser(t, s, "asker"), mustUser(t, s, "peer")
	mods := forumUsers(t, s, "mod", 2, RoleModerator)
	th := mustThread(t, s, asker, "Partner pricing for the Hub 3")
	a, err := s.CreateAnswer(ctx, peer, th.ID, "Fifty units are at the second price tier.")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Vote(ctx, asker, a.ID, false); err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 20; round++ {
		if err := s.MoveThread(ctx, mods[0], th.ID, "general", ""); err != nil {
			t.Fatal(err)
		}
		dbtest.Concurrently(t, 2, func(i int) error {
			return s.MoveThread(ctx, mods[i], th.ID, []string{"partners", "billing"}[i], "")
		})
		got, err := s.Thread(ctx, th.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		if got.Category.Group != "" {
			want = PointsHelpfulAnswer
		}
		if u := reload(t, s, peer); u.PrivateReputation != want {
			t.Fatalf("round %d: thread in %q, the answerer's private reputation is %d, want %d",
				round, got.Category.Slug, u.PrivateReputation, want)
		}
	}
}

// Two admins change a category's group at once, one making it private, one
// public: the points earned in it count as private exactly when the group
// that commits last is a group (the change once decided whether to recount
// them from the group it had read before its transaction).
func TestConcurrentGroupChangesKeepPrivateReputation(t *testing.T) {
	s := forumServers(t)[0]
	ctx := context.Background()
	admins := forumUsers(t, s, "boss", 2, RoleAdmin)
	saveSettings(t, s, admins[0], SiteSettingsForm{SuperuserThreshold: "1000", StandingDays: "0", StandingReputation: "0"})
	if _, err := s.CreateCategory(ctx, NewCategory{Name: "Partners"}); err != nil {
		t.Fatal(err)
	}
	asker, peer := mustUser(t, s, "asker"), mustUser(t, s, "peer")
	th, err := s.CreateThread(ctx, asker, NewThread{Title: "Partner pricing for the Hub 3", CategorySlug: "partners",
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
	for round := 0; round < 20; round++ {
		if err := s.SetCategoryGroup(ctx, admins[0], "partners", ""); err != nil {
			t.Fatal(err)
		}
		dbtest.Concurrently(t, 2, func(i int) error {
			return s.SetCategoryGroup(ctx, admins[i], "partners", []string{"partners", ""}[i])
		})
		cat, err := s.CategoryBySlug(ctx, "partners")
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		if cat.Group != "" {
			want = PointsHelpfulAnswer
		}
		if u := reload(t, s, peer); u.PrivateReputation != want {
			t.Fatalf("round %d: category's group %q, the answerer's private reputation is %d, want %d",
				round, cat.Group, u.PrivateReputation, want)
		}
	}
}
