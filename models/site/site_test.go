package site_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/internal/dbtest"
	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/models/site"
)

// errNotFound stands for the store's not-found error in these tests.
var errNotFound = errors.New("test: not found")

// server is a site over a database layer, with the clock at, and that
// layer (for the transactions of a save).
type server struct {
	*site.Site
	db *db.DB
}

func newServer(d *db.DB, at time.Time) server {
	return server{site.New(d, func() time.Time { return at }, errNotFound, site.Forum{VisibleThread: "1 = 1"}), d}
}

// openSite is a site over a fresh database of the suite's engine, without
// a store.
func openSite(t *testing.T, at time.Time) server {
	t.Helper()
	return newServer(dbtest.Open(t, "site.db"), at)
}

// openServers is a site over each of two stores on one fresh database, as
// two servers starting at once (models.Open migrates it).
func openServers(t *testing.T, at time.Time) [2]server {
	t.Helper()
	loc := testdb.Location(t, "servers.db")
	var out [2]server
	for i := range out {
		st, err := models.Open(context.Background(), loc, models.Options{PasswordCost: bcrypt.MinCost})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		out[i] = newServer(st.DB(), at)
	}
	return out
}
