package models

import (
	"context"
	"testing"
)

// TestCategoryCreatedWithItsGroup: a category made for one group is stored
// with it, so nobody outside the group ever sees it, and the group's name
// matches without case or spaces.
func TestCategoryCreatedWithItsGroup(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	admin := userWithRole(t, s, "boss", RoleAdmin)
	member, partner := mustUser(t, s, "member"), mustUser(t, s, "partner")
	if err := s.AddToGroup(ctx, admin, partner.ID, "partners"); err != nil {
		t.Fatal(err)
	}
	priv, err := s.CreateCategory(ctx, NewCategory{Name: "Partners", Group: "  Partners "})
	if err != nil {
		t.Fatal(err)
	}
	var stored string
	if err := s.db.Primary().QueryRow(`SELECT group_name FROM categories WHERE id = ?`, priv.ID).Scan(&stored); err != nil || stored != "partners" {
		t.Fatalf("stored group %q (%v), want partners", stored, err)
	}
	for _, c := range []struct {
		who  *User
		sees bool
	}{{nil, false}, {member, false}, {partner, true}, {admin, true}} {
		ok, err := s.CanSeeCategory(ctx, c.who, priv.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ok != c.sees {
			t.Errorf("%v sees it: %v, want %v", c.who, ok, c.sees)
		}
	}
	public, err := s.CreateCategory(ctx, NewCategory{Name: "Billing"})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := s.CanSeeCategory(ctx, nil, public.ID); err != nil || !ok {
		t.Errorf("a category without a group is hidden from visitors (%v)", err)
	}
}
