// Package storetest opens, for tests outside the models package (the
// domain packages' external tests, bench, demo), a whole store over a fresh
// database of the suite's engine (internal/testdb), and makes its members.
// The models package's own tests cannot use it (it imports models); they
// have their helpers in models.
package storetest

import (
	"context"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models"
)

// Open is a store over a fresh database named name (a file name on
// SQLite), hashing passwords at the cheapest cost, on the clock now (nil:
// the wall clock); closed when the test ends.
func Open(t testing.TB, name string, now func() time.Time) *models.Store {
	t.Helper()
	return OpenAt(t, testdb.Location(t, name), now)
}

// OpenAt is Open on a database the test located itself (testdb.Location),
// for tests that open several stores on one database.
func OpenAt(t testing.TB, location string, now func() time.Time) *models.Store {
	t.Helper()
	s, err := models.Open(context.Background(), location, models.Options{PasswordCost: bcrypt.MinCost, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// User registers name (address name@example.com, password "correct
// horse") with role ("" : a member).
func User(t testing.TB, s *models.Store, name string, role models.Role) *models.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), models.NewUser{Username: name, Email: name + "@example.com", Password: "correct horse", Role: role})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// SearchTitles is what a search finds, a hit a line: "kb:" and an
// article's title, "t:" and a thread's.
func SearchTitles(t testing.TB, s *models.Store, q models.SearchQuery) []string {
	t.Helper()
	res, err := s.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("search %q: %v", q.Text, err)
	}
	var out []string
	for _, h := range res.Hits {
		kind := "t:"
		if h.IsArticle {
			kind = "kb:"
		}
		out = append(out, kind+h.Title)
	}
	return out
}
