package models

import (
	"context"
	"database/sql"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models/db"
)

// openRaw opens the test's database as another program would, beside the
// store: the SQLite file, or the PostgreSQL database (with "?" rebound).
func openRaw(location string) (*sql.DB, error) {
	if testdb.Postgres() {
		return db.OpenPostgres(context.Background(), location, db.PostgresOptions{MaxConns: 2})
	}
	return sql.Open("sqlite3", location)
}

// TestHiddenCategoriesAreReadOncePerMemo: under WithMemo the viewer's hidden
// categories are read once, until the store writes; other viewers and
// contexts without a memo read their own.
func TestHiddenCategoriesAreReadOncePerMemo(t *testing.T) {
	path := testdb.Location(t, "memo.db")
	s, err := Open(context.Background(), path, Options{PasswordCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	admin := userWithRole(t, s, "boss", RoleAdmin)
	member, other := mustUser(t, s, "member"), mustUser(t, s, "other")
	priv, err := s.CreateCategory(context.Background(), NewCategory{Name: "Partners"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetCategoryGroup(context.Background(), admin, priv.Slug, "partners"); err != nil {
		t.Fatal(err)
	}
	sees := func(ctx context.Context, u *User) bool {
		t.Helper()
		ok, err := s.CanSeeCategory(ctx, u, priv.ID)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	ctx := s.WithMemo(context.Background())
	if sees(ctx, member) {
		t.Fatal("member sees a private category")
	}
	// Another program adds the member to the group: this store does not
	// know, so the memo keeps what it read, while a plain context reads anew.
	raw, err := openRaw(path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`INSERT INTO user_groups (user_id, group_name) VALUES (?, 'partners')`, member.ID); err != nil {
		t.Fatal(err)
	}
	if sees(ctx, member) {
		t.Fatal("the memo read the hidden categories again without a write")
	}
	if !sees(context.Background(), member) {
		t.Fatal("without a memo the new group is not seen")
	}
	// Another viewer under the same memo gets their own answer.
	if sees(ctx, other) || !sees(ctx, admin) {
		t.Fatal("the memo mixed up viewers")
	}
	// A write through the store is seen at once under the memo.
	if err := s.AddToGroup(context.Background(), admin, other.ID, "partners"); err != nil {
		t.Fatal(err)
	}
	if !sees(ctx, member) || !sees(ctx, other) {
		t.Fatal("the memo kept hidden categories across a write")
	}
}

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
	if err := s.r.QueryRow(`SELECT group_name FROM categories WHERE id = ?`, priv.ID).Scan(&stored); err != nil || stored != "partners" {
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
