package search_test

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/search"
)

// FuzzSearchQuery: whatever a person types, the translated query runs
// without an error, on the engine of the pass, and every match expression
// its plan writes compiles for PostgreSQL.
func FuzzSearchQuery(f *testing.F) {
	for _, s := range []string{`"`, `*`, `-`, `OR`, `NEAR(`, `((a)`, `"a" -b c*`, `{title}:x`, `日本語`, `🙂`, "\x00", strings.Repeat("x ", 300)} {
		f.Add(s)
	}
	s, err := models.Open(context.Background(), testdb.Location(f, "fuzz.db"), models.Options{PasswordCost: bcrypt.MinCost})
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	u, err := s.CreateUser(context.Background(), models.NewUser{Username: "fuzzer", Email: "f@example.com", Password: "correct horse"})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := s.CreateThread(context.Background(), u, models.NewThread{Title: "Router reboots every night", CategorySlug: "general",
		Body: "The router reboots every night at 2am, Über schnell, ルーター."}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, q string) {
		if _, err := s.Search(context.Background(), models.SearchQuery{Text: q}); err != nil {
			t.Fatalf("query %q: %v", q, err)
		}
		if _, err := s.Similar(context.Background(), q, nil); err != nil {
			t.Fatalf("similar %q: %v", q, err)
		}
		// Every match expression the plan writes compiles to a tsquery (the
		// PostgreSQL back-end), whichever engine this pass runs on.
		exprs, err := s.MatchExprs(context.Background(), q)
		if err != nil {
			t.Fatalf("plan %q: %v", q, err)
		}
		for _, e := range exprs {
			if err := search.CompilePg(e); err != nil {
				t.Fatalf("query %q: %v", q, err)
			}
		}
	})
}
