package models

import (
	"context"
	"fmt"
	"sync"
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

// Two moderators close two threads at once, each as the other's duplicate:
// one of them is refused, so no two threads point at each other (the check
// was once a read before the transaction that closes).
func TestConcurrentDuplicatesNeverPointAtEachOther(t *testing.T) {
	s := forumServers(t)[0]
	ctx := context.Background()
	asker := mustUser(t, s, "asker")
	mods := forumUsers(t, s, "mod", 2, RoleModerator)
	for round := 0; round < 12; round++ { // 24 questions: within the hourly posting limit
		a := mustThread(t, s, asker, fmt.Sprintf("Hub 3 loses Wi-Fi every evening, take %d", round))
		b := mustThread(t, s, asker, fmt.Sprintf("Wi-Fi drops on the Hub 3 at night, take %d", round))
		pair := [2]int64{a.ID, b.ID}
		refused := 0
		var mu sync.Mutex
		dbtest.Concurrently(t, 2, func(i int) error {
			err := s.CloseAsDuplicate(ctx, mods[i], pair[i], pair[1-i], "")
			if IsValidation(err) {
				mu.Lock()
				refused++
				mu.Unlock()
				return nil
			}
			return err
		})
		ga, _ := s.Thread(ctx, a.ID)
		gb, _ := s.Thread(ctx, b.ID)
		if ga.DuplicateOf == b.ID && gb.DuplicateOf == a.ID {
			t.Fatalf("round %d: threads %d and %d are each the other's duplicate", round, a.ID, b.ID)
		}
		if refused != 1 {
			t.Fatalf("round %d: %d of the two closes refused, want 1", round, refused)
		}
	}
}
