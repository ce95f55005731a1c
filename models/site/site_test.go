package site_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/models/site"
)

// errNotFound stands for the store's not-found error in these tests.
var errNotFound = errors.New("test: not found")

// server is a site over one store's database layer, with the clock at,
// not the store's own site, and that layer (for the transactions of a
// save).
type server struct {
	*site.Site
	db *db.DB
}

// openSites opens n stores over one fresh database (as n servers would:
// models.Open migrates it) and returns a site over each.
func openSites(t *testing.T, n int, at time.Time) []server {
	t.Helper()
	loc := testdb.Location(t, "site.db")
	var out []server
	for range n {
		st, err := models.Open(context.Background(), loc, models.Options{PasswordCost: bcrypt.MinCost})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		out = append(out, server{site.New(st.DB(), func() time.Time { return at }, errNotFound, site.Forum{VisibleThread: "1 = 1"}), st.DB()})
	}
	return out
}
