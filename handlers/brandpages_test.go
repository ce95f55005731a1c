package handlers

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/url"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/crowdcare/crowdcare/models"
)

// The header's search box shows the search text, never a page's own field
// that happens to be called like it.
func TestSocialInboxLeavesTheHeaderSearchBoxEmpty(t *testing.T) {
	a := newApp(t)
	a.importTweets(models.ImportOptions{Triage: true}, tweet("601", "My router shows a red light since the update"))
	amb := a.roleClient("amy", models.RoleAmbassador)
	res := amb.get("/mod/social?status=new&lang=en")
	if res.Code != http.StatusOK {
		t.Fatalf("inbox: %d", res.Code)
	}
	mustContain(t, res.Body, `<input id="site-search-q" type="search" name="q" value="" `, "My router shows a red light")
	mustNotContain(t, res.Body, "{new")
}

// No page's data may shadow a field of the common page that the layout
// reads: html/template would quietly take the page's.
func TestNoPageFieldShadowsTheLayout(t *testing.T) {
	common := map[string]bool{}
	for _, f := range reflect.VisibleFields(reflect.TypeOf(page{})) {
		common[f.Name] = true
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return true
			}
			embeds := false
			for _, fl := range st.Fields.List {
				if id, ok := fl.Type.(*ast.Ident); ok && len(fl.Names) == 0 && id.Name == "page" {
					embeds = true
				}
			}
			for _, fl := range st.Fields.List {
				for _, n := range fl.Names {
					if embeds && common[n.Name] {
						t.Errorf("%s: %s.%s shadows page.%s", name, ts.Name.Name, n.Name, n.Name)
					}
				}
			}
			return true
		})
	}
}

func TestStylesheetSpacesMainAndMainNav(t *testing.T) {
	a := newApp(t)
	visitor := a.client()
	href := regexpFind(t, visitor.get("/").Body, `<link rel="stylesheet" href="([^"]+)">`)
	res := visitor.get(href)
	if res.Code != http.StatusOK {
		t.Fatalf("stylesheet: %d", res.Code)
	}
	css := res.Body
	// main is also a .wrap, whose padding shorthand would win over a rule on main alone.
	if !regexp.MustCompile(`main\.wrap\s*\{[^}]*padding-bottom:\s*3rem`).MatchString(css) {
		t.Error("site.css: main.wrap has no bottom padding: content touches the footer")
	}
	if !regexp.MustCompile(`\.main-nav\s*\{[^}]*gap:`).MatchString(css) {
		t.Error("site.css: .main-nav has no gap: its links run together")
	}
}

func TestAcceptedAnswerAloneHasNoEmptyOtherAnswersHeading(t *testing.T) {
	a := newApp(t)
	asker, peer := a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	thread, _ := solve(t, a, asker, peer, "Router reboots itself every night", "Disable the nightly maintenance window in Settings.")
	page := a.client().get(thread)
	mustContain(t, page.Body, "Accepted answer")
	mustNotContain(t, page.Body, "Other answers", "(0)")
	peer.answer(thread, "Or update the firmware: the 2am reboot is gone in 4.2.")
	mustContain(t, a.client().get(thread).Body, `Other answers <span class="muted">(1)</span>`)
}

func TestModUserPageOffersOnlyWhatTheServerAllows(t *testing.T) {
	a := newApp(t)
	admin := a.adminClient("boss")
	self, err := a.store.UserByUsername(context.Background(), "boss")
	if err != nil {
		t.Fatal(err)
	}
	own := admin.get("/mod/users/" + itoa(self.ID))
	if own.Code != http.StatusOK {
		t.Fatalf("own moderation page: %d", own.Code)
	}
	mustNotContain(t, own.Body, `/suspend"`, `/spammer"`, `/role"`)
	mustContain(t, own.Body, "This is your own account")
	// The forms the page leaves out are the ones the server refuses.
	for _, path := range []string{"/suspend", "/spammer", "/role"} {
		res := admin.post("/mod/users/"+itoa(self.ID)+path, url.Values{"days": {"7"}, "reason": {"test"}, "role": {"member"}})
		if res.Code == http.StatusSeeOther {
			if page := admin.get(res.Location); !strings.Contains(page.Body, "flash") {
				t.Errorf("%s on oneself: no refusal shown", path)
			}
		}
		if me, _ := a.store.UserByID(context.Background(), self.ID); me.Role != models.RoleAdmin || me.SuspendReason != "" {
			t.Fatalf("%s on oneself was done: %+v", path, me)
		}
	}

	// A moderator on a staff account: the server refuses suspending and
	// removing as a spammer, so the page does not offer them.
	mod := a.roleClient("mod", models.RoleModerator)
	amb := a.roleClient("amb", models.RoleAmbassador)
	ambUser, _ := a.store.UserByUsername(context.Background(), "amb")
	_ = amb
	res := mod.get("/mod/users/" + itoa(ambUser.ID))
	mustNotContain(t, res.Body, `/suspend"`, `/spammer"`)
	// A member's page still has them.
	member := a.client()
	member.register("member1")
	m, _ := a.store.UserByUsername(context.Background(), "member1")
	mustContain(t, mod.get("/mod/users/"+itoa(m.ID)).Body, `/suspend"`, `/spammer"`)
	mustContain(t, admin.get("/mod/users/"+itoa(m.ID)).Body, `/suspend"`, `/spammer"`, `/role"`)
}

// The knowledge base says what is true: articles are published when an
// answer is accepted; those a curator reviewed say so.
func TestKnowledgeBaseSaysWhichArticlesWereReviewed(t *testing.T) {
	a := newApp(t)
	asker, peer := a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	thread, _ := solve(t, a, asker, peer, "Router reboots itself every night", "Disable the nightly maintenance window in Settings.")
	kb := articlePath(t, a, thread)
	visitor := a.client()
	index := visitor.get("/kb")
	mustNotContain(t, index.Body, "checked by our staff")
	mustContain(t, index.Body, "published as soon as an answer is accepted", "not reviewed yet")
	mustContain(t, visitor.get(kb).Body, "not reviewed yet")
	mustNotContain(t, visitor.get(kb).Body, "Reviewed by")

	curator := a.roleClient("cura", models.RoleAmbassador)
	id := strings.Split(kb, "/")[2]
	res := curator.post("/kb/"+id+"/edit", url.Values{"title": {"Router reboots itself every night"},
		"problem":  {"The router reboots itself every night at about 2am."},
		"solution": {"Disable the nightly maintenance window in Settings, then save."}})
	if res.Code != http.StatusSeeOther {
		t.Fatalf("curate: %d %s", res.Code, res.Body)
	}
	for _, path := range []string{"/kb", kb} {
		body := a.client().get(path).Body
		mustContain(t, body, "Reviewed by the brand")
		mustNotContain(t, body, "not reviewed yet")
	}
}
