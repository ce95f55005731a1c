package forum_test

import (
	"context"
	"errors"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/forum"
)

// open is a store (which embeds the forum) over a fresh database of the
// test's engine, and that database's location.
func open(t *testing.T) (*models.Store, string) {
	t.Helper()
	loc := testdb.Location(t, "forum.db")
	s, err := models.Open(context.Background(), loc, models.Options{PasswordCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, loc
}

func user(t *testing.T, s *models.Store, name string, role models.Role) *models.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), models.NewUser{Username: name, Email: name + "@example.com", Password: "correct horse", Role: role})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestHiddenCategoriesAreReadOncePerMemo: under WithMemo the viewer's hidden
// categories are read once, until the store writes; other viewers and
// contexts without a memo read their own.
func TestHiddenCategoriesAreReadOncePerMemo(t *testing.T) {
	s, loc := open(t)
	admin := user(t, s, "boss", models.RoleAdmin)
	member, other := user(t, s, "member", models.RoleMember), user(t, s, "other", models.RoleMember)
	priv, err := s.CreateCategory(context.Background(), models.NewCategory{Name: "Partners"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetCategoryGroup(context.Background(), admin, priv.Slug, "partners"); err != nil {
		t.Fatal(err)
	}
	sees := func(ctx context.Context, u *models.User) bool {
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
	if _, err := testdb.Raw(t, loc).Exec(`INSERT INTO user_groups (user_id, group_name) VALUES (?, 'partners')`, member.ID); err != nil {
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
	if g, err := s.UserGroups(context.Background(), other.ID); err != nil || len(g) != 1 || g[0] != "partners" {
		t.Fatalf("other's groups %v %v, want [partners]", g, err)
	}
	if err := s.RemoveFromGroup(context.Background(), admin, other.ID, "partners"); err != nil {
		t.Fatal(err)
	}
	if sees(ctx, other) {
		t.Fatal("still sees the category after leaving its group")
	}
}

// TestAddCategoryRefusesATakenSlug: the forum's insert, without the
// store's read-only check before it, refuses a slug that is taken with
// ErrCategoryTaken (what an admin racing another gets), and the store
// turns that into the form's message.
func TestAddCategoryRefusesATakenSlug(t *testing.T) {
	s, _ := open(t)
	ctx := context.Background()
	c, err := s.AddCategory(ctx, forum.NewCategory{Slug: "billing", Name: "Billing", Group: " Partners "})
	if err != nil {
		t.Fatal(err)
	}
	if taken, err := s.CategoryTaken(ctx, "billing"); err != nil || !taken {
		t.Fatalf("taken %v %v, want true", taken, err)
	}
	if _, err := s.AddCategory(ctx, forum.NewCategory{Slug: "billing", Name: "Billing again"}); !errors.Is(err, forum.ErrCategoryTaken) {
		t.Fatalf("second billing: %v, want ErrCategoryTaken", err)
	}
	if _, err := s.CreateCategory(ctx, models.NewCategory{Name: "Billing"}); !models.IsValidation(err) {
		t.Fatalf("through the store: %v, want the form's message", err)
	}
	got, err := s.CategoryBySlug(ctx, "billing")
	if err != nil || got.ID != c.ID || got.Name != "Billing" || got.Group != "partners" {
		t.Fatalf("loaded %+v %v, want the first, its group normalised", got, err)
	}
	if _, err := s.CategoryBySlug(ctx, "nowhere"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("missing category: %v, want ErrNotFound", err)
	}
}

// TestDraftsOneAtATimePerSession: a draft is kept for its form once,
// replaced by a later one.
func TestDraftsOneAtATimePerSession(t *testing.T) {
	s, _ := open(t)
	ctx := context.Background()
	helper := user(t, s, "helper", models.RoleMember)
	sid, err := s.StartSession(ctx, helper.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveDraft(ctx, sid, "/t/1/answers", map[string]string{"body": "first try"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveDraft(ctx, sid, "/t/1/answers", map[string]string{"body": "second try"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TakeDraft(ctx, sid, "/ask"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("draft for another form: %v", err)
	}
	if f, err := s.TakeDraft(ctx, sid, "/t/1/answers"); err != nil || f["body"] != "second try" {
		t.Fatalf("draft %v %v", f, err)
	}
	if _, err := s.TakeDraft(ctx, sid, "/t/1/answers"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("draft taken twice: %v", err)
	}
}

// TestSubmissionKeys: a key of the wrong shape is none; a submission runs
// once under its key, a repeat gets the first result without running, and
// a copy that claims the key meanwhile (sent in parallel) wins: the
// other's transaction rolls back and it is told the winner's result.
func TestSubmissionKeys(t *testing.T) {
	s, loc := open(t)
	ctx := context.Background()
	u := user(t, s, "asker", models.RoleMember)
	if forum.SubmissionKey("answer", "short") != "" || forum.SubmissionKey("answer", "0123456789abcdef!") != "" {
		t.Fatal("a key of the wrong shape was kept")
	}
	key := forum.SubmissionKey("answer", "0123456789abcdef")
	if key != "answer:0123456789abcdef" || key == forum.SubmissionKey("edit", "0123456789abcdef") {
		t.Fatalf("key %q: kinds must not share keys", key)
	}
	raw := testdb.Raw(t, loc)
	claim := func(k string, id int64) error {
		tx, err := raw.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.ClaimSubmission(ctx, tx, u.ID, k, id); err != nil {
			tx.Rollback()
			return err
		}
		return tx.Commit()
	}
	runs := 0
	write := func(id int64) func() (int64, error) {
		return func() (int64, error) { runs++; return id, claim(key, id) }
	}
	if id, first, err := s.Repeated(ctx, u.ID, key, write(41)); err != nil || !first || id != 41 {
		t.Fatalf("first: %d %v %v", id, first, err)
	}
	if id, first, err := s.Repeated(ctx, u.ID, key, write(42)); err != nil || first || id != 41 || runs != 1 {
		t.Fatalf("repeat: %d %v %v, %d runs; want 41, not first, one run", id, first, err, runs)
	}
	// The parallel copy: it claims the key after this one looked.
	other := forum.SubmissionKey("answer", "fedcba9876543210")
	id, first, err := s.Repeated(ctx, u.ID, other, func() (int64, error) {
		if err := claim(other, 7); err != nil {
			t.Fatal(err)
		}
		return 8, claim(other, 8)
	})
	if err != nil || first || id != 7 {
		t.Fatalf("raced: %d %v %v, want the winner's 7", id, first, err)
	}
	// Without a key every submission runs.
	if id, first, err := s.Repeated(ctx, u.ID, "", func() (int64, error) { return 9, nil }); err != nil || !first || id != 9 {
		t.Fatalf("no key: %d %v %v", id, first, err)
	}
}
