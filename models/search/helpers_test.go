package search_test

import (
	"context"
	"testing"

	"github.com/crowdcare/crowdcare/internal/storetest"
	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/social"
)

// The tests of this package's behaviour through the whole store (the
// conformance suite, ranking, suggestions) run on the engine of the test
// pass: a fresh database each (internal/testdb), opened by models.Open, so
// the back-end searched is the one that engine uses.

func newTestStore(t *testing.T) *models.Store { return storetest.Open(t, "test.db", nil) }

func userWithRole(t *testing.T, s *models.Store, name string, role models.Role) *models.User {
	return storetest.User(t, s, name, role)
}

func mustUser(t *testing.T, s *models.Store, name string) *models.User {
	t.Helper()
	return userWithRole(t, s, name, "")
}

// reviewPrivate makes a private category with one thread, a member of its
// group (partner), one outside it (outsider) and an admin.
func reviewPrivate(t *testing.T, s *models.Store) (admin, partner, outsider *models.User, th *models.Thread) {
	t.Helper()
	ctx := context.Background()
	admin = userWithRole(t, s, "boss", models.RoleAdmin)
	partner, outsider = mustUser(t, s, "partner"), mustUser(t, s, "outsider")
	priv, err := s.CreateCategory(ctx, models.NewCategory{Name: "Partners"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetCategoryGroup(ctx, admin, priv.Slug, "partners"); err != nil {
		t.Fatal(err)
	}
	if err := s.AddToGroup(ctx, admin, partner.ID, "partners"); err != nil {
		t.Fatal(err)
	}
	th, err = s.CreateThread(ctx, partner, models.NewThread{Title: "Wholesale pricing for the Hub 3", CategorySlug: priv.Slug,
		Body: "What is the partner price for fifty Hub 3 units?"})
	if err != nil {
		t.Fatal(err)
	}
	return
}

// searchTitles is internal/storetest's.
func searchTitles(t *testing.T, s *models.Store, q models.SearchQuery) []string {
	return storetest.SearchTitles(t, s, q)
}

// wordDetector says a text is in a language when it has a given word.
type wordDetector [][2]string

func (f wordDetector) Detect(text string) string {
	for _, wl := range f {
		if social.ContainsWord(text, wl[0]) {
			return wl[1]
		}
	}
	return ""
}
