package models

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models/search"
)

// FuzzSearchQuery: whatever a person types, the translated query runs
// without an error, on the engine of the pass, and compiles for PostgreSQL.
func FuzzSearchQuery(f *testing.F) {
	for _, s := range []string{`"`, `*`, `-`, `OR`, `NEAR(`, `((a)`, `"a" -b c*`, `{title}:x`, `日本語`, `🙂`, "\x00", strings.Repeat("x ", 300)} {
		f.Add(s)
	}
	s, err := Open(context.Background(), testdb.Location(f, "fuzz.db"), Options{PasswordCost: bcrypt.MinCost})
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	u, err := s.CreateUser(context.Background(), NewUser{Username: "fuzzer", Email: "f@example.com", Password: "correct horse"})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := s.CreateThread(context.Background(), u, NewThread{Title: "Router reboots every night", CategorySlug: "general",
		Body: "The router reboots every night at 2am, Über schnell, ルーター."}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, q string) {
		if _, err := s.Search(context.Background(), SearchQuery{Text: q}); err != nil {
			t.Fatalf("query %q: %v", q, err)
		}
		if _, err := s.Similar(context.Background(), q, nil); err != nil {
			t.Fatalf("similar %q: %v", q, err)
		}
		// Every match expression the plan writes compiles to a tsquery (the
		// PostgreSQL back-end), whichever engine this pass runs on.
		plan, err := s.planQuery(context.Background(), q)
		if err != nil || len(plan.groups) == 0 {
			return
		}
		exprs := []string{plan.matchAny(), plan.matchCore(), plan.matchAllWords(),
			fullMatch(plan.matchCore(), "facets : zsolved AND facets : zc1", "facets : (zc2 OR zc3)")}
		if plan.hasSyn() {
			exprs = append(exprs, plan.matchSyn())
		}
		for _, g := range plan.groups {
			exprs = append(exprs, g.expr())
		}
		for _, e := range exprs {
			if err := search.ValidMatch(e); err != nil {
				t.Fatalf("query %q: %v", q, err)
			}
		}
	})
}
