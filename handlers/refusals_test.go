package handlers

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/notallowed"
)

// TestEveryNotAllowedKindHasItsSentence: every kind the store can refuse
// with is worded here (none falls through to the generic sentence), each
// in its own words, with the values it carries; notallowed.Kinds lists
// every kind its source declares; a refusal without a kind shows its
// Reason.
func TestEveryNotAllowedKindHasItsSentence(t *testing.T) {
	declared := declaredKinds(t, "../models/notallowed/notallowed.go")
	listed := map[notallowed.Kind]bool{}
	for _, k := range notallowed.Kinds() {
		listed[k] = true
	}
	for _, name := range declared {
		if !listed[notallowed.Kind(name.value)] {
			t.Errorf("notallowed.%s is declared but not in Kinds()", name.ident)
		}
	}
	if len(listed) != len(declared) {
		t.Errorf("Kinds() has %d kinds, the source declares %d", len(listed), len(declared))
	}

	seen := map[string]notallowed.Kind{}
	for _, k := range notallowed.Kinds() {
		got := NotAllowedText(&models.ErrNotAllowed{Kind: k, N: 3, Bytes: 5_000_000, Email: "kim@example.com", Username: "kim",
			Until: time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC), Why: "Cooling off", Reason: "the fallback"})
		switch {
		case got == "" || got == "You are not allowed to do that." || got == "the fallback":
			t.Errorf("%s has no sentence of its own: %q", k, got)
		case seen[got] != "":
			t.Errorf("%s and %s read the same: %q", k, seen[got], got)
		case !strings.HasSuffix(got, "."):
			t.Errorf("%s is not a sentence: %q", k, got)
		}
		seen[got] = k
	}

	until := time.Date(2026, 3, 9, 23, 30, 0, 0, time.FixedZone("UTC+2", 2*3600))
	for _, c := range []struct {
		na   models.ErrNotAllowed
		want string
	}{
		{models.ErrNotAllowed{Kind: notallowed.Suspended, Until: until, Why: "Cooling off"},
			"Your account is suspended until 9 Mar 2026 (Cooling off). You can still read."},
		{models.ErrNotAllowed{Kind: notallowed.PostsPerHour, N: 12},
			"You have posted 12 times in the last hour, the most this community allows. Please wait a little."},
		{models.ErrNotAllowed{Kind: notallowed.EditsPerHour, N: 3},
			"You have edited posts 3 times in the last hour, the most this community allows. Please wait a little before saving again."},
		{models.ErrNotAllowed{Kind: notallowed.ExportsPerDay, N: 2},
			"You asked for a copy of your data 2 times in the last 24 hours. Download the latest one, or try again tomorrow."},
		{models.ErrNotAllowed{Kind: notallowed.UploadsPerDay, Bytes: 5_000_000},
			"You have uploaded 5.0 MB in the last 24 hours, the most this community allows. Your text is kept; attach the file later, or link to it."},
		{models.ErrNotAllowed{Kind: notallowed.NoPassword, Username: "kim"}, "kim cannot log in: no password to reset."},
		{models.ErrNotAllowed{Kind: notallowed.PasskeyLimit, N: 10}, "An account can have 10 passkeys. Remove one first."},
		{models.ErrNotAllowed{Kind: notallowed.Unconfirmed, Email: "kim@example.com"},
			"Confirm your email address before you post: open the link we sent to kim@example.com, or ask for a new one in your settings (/settings)."},
		{models.ErrNotAllowed{Kind: notallowed.AddressTaken, Email: "kim@new.example"},
			"Another account has had kim@new.example since the link was sent, so your address is unchanged."},
		{models.ErrNotAllowed{Kind: notallowed.AddressTaken},
			"Another account has had the new address since the link was sent, so your address is unchanged."},
		{models.ErrNotAllowed{Reason: "Your company account is not one that may sign in here."},
			"Your company account is not one that may sign in here."},
		{models.ErrNotAllowed{}, "You are not allowed to do that."},
	} {
		if got := NotAllowedText(&c.na); got != c.want {
			t.Errorf("%q with %+v reads\n%q, want\n%q", c.na.Kind, c.na, got, c.want)
		}
	}
}

type declaredKind struct{ ident, value string }

// declaredKinds are the constants of type Kind in the Go file at path.
func declaredKinds(t *testing.T, path string) []declaredKind {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []declaredKind
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			v := s.(*ast.ValueSpec)
			if id, ok := v.Type.(*ast.Ident); !ok || id.Name != "Kind" {
				continue
			}
			for i, n := range v.Names {
				lit, ok := v.Values[i].(*ast.BasicLit)
				if !ok {
					t.Fatalf("%s is not a string literal", n.Name)
				}
				out = append(out, declaredKind{n.Name, strings.Trim(lit.Value, `"`)})
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("no kinds declared in " + path)
	}
	return out
}

// TestRefusalsReadOnThePage: refusals born in the store (accounts' and
// models') reach the member in the words above, through real requests: a
// flash after a redirect, and a form shown again.
func TestRefusalsReadOnThePage(t *testing.T) {
	a := newApp(t)

	kim := a.client()
	kim.register("kim")
	res := kim.post("/settings/verify", nil)
	if res.Code != http.StatusSeeOther || res.Location != "/settings" {
		t.Fatalf("resend for a confirmed address: %d to %q", res.Code, res.Location)
	}
	mustContain(t, kim.follow(res).Body, "Your email address is already confirmed.")

	lee := a.client()
	lee.registerUnverified("lee")
	lee.login("lee")
	res = lee.post("/ask", map[string][]string{"title": {"Router reboots itself every night"}, "category": {"general"},
		"body": {"The router reboots itself every night at about 2am."}, "tags": {"router"}})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("an unconfirmed member asks: %d, want the form again (422)", res.Code)
	}
	mustContain(t, res.Body, "Confirm your email address before you post: open the link we sent to lee@example.com, "+
		"or ask for a new one in your settings (/settings).", "Router reboots itself every night")
}
