package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/crowdcare/crowdcare/models"
)

// partnersCategory makes the private "Partners" category of the "partners"
// group and registers a member of that group.
func partnersCategory(t *testing.T, a *testApp, member string) *client {
	t.Helper()
	admin := a.roleClient("boss", models.RoleAdmin)
	if res := admin.post("/admin/categories", url.Values{"name": {"Partners"}, "group": {"partners"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("create category: %d", res.Code)
	}
	c := a.client()
	c.register(member)
	u, err := a.store.UserByUsername(context.Background(), member)
	if err != nil {
		t.Fatal(err)
	}
	if res := admin.post("/mod/users/"+itoa(u.ID)+"/groups", url.Values{"group": {"partners"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("add to group: %d", res.Code)
	}
	return c
}

// askIn posts a question in a category and returns the thread's path.
func (c *client) askIn(category, title, body string) string {
	c.app.t.Helper()
	res := c.post("/ask", url.Values{"title": {title}, "category": {category}, "body": {body}})
	if res.Code != http.StatusSeeOther {
		c.app.t.Fatalf("ask in %s: %d %s", category, res.Code, res.Body)
	}
	return res.Location
}

// A public thread cannot be closed as a duplicate of a private one: the
// form comes back (422) with what was typed. Within one private category it can.
func TestDuplicateOfPrivateThreadIsRefused(t *testing.T) {
	a := newApp(t)
	partner := partnersCategory(t, a, "partner")
	private := partner.askIn("partners", "Wholesale pricing for the Hub 3", "What is the partner price for fifty units?")
	asker := a.client()
	asker.register("asker")
	public := asker.ask("How much does the Hub 3 cost")
	mod := a.roleClient("mod", models.RoleModerator)
	typed := "http://forum.test" + private
	res := mod.post("/t/"+itoa(threadID(public))+"/duplicate", url.Values{"original": {typed}, "reason": {"same question"}})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("duplicate of a private thread: %d, want 422", res.Code)
	}
	mustContain(t, res.Body, "private category", `value="`+typed+`"`, `value="same question"`)
	for _, c := range []*client{a.client(), asker, mod} {
		mustNotContain(t, c.get(public).Body, "Closed as a duplicate", "Wholesale pricing")
	}
	// The same category: everyone who sees the duplicate sees the original.
	second := partner.askIn("partners", "Partner price for fifty Hub 3 units", "Is there a discount at fifty units?")
	if res := mod.post("/t/"+itoa(threadID(second))+"/duplicate", url.Values{"original": {itoa(threadID(private))}}); res.Code != http.StatusSeeOther {
		t.Fatalf("duplicate within the private category: %d %s", res.Code, res.Body)
	}
	mustContain(t, partner.get(second).Body, "Closed as a duplicate of", "Wholesale pricing for the Hub 3")
}

// A duplicate whose original has since moved to a private category says it
// is closed as a duplicate, but names and links the original only for
// viewers who may open it: not for visitors (nor in the page cached for
// them), not for members outside the group.
func TestDuplicateNoticeHidesAPrivateOriginal(t *testing.T) {
	a := newApp(t)
	partner := partnersCategory(t, a, "partner")
	asker, outsider := a.client(), a.client()
	asker.register("asker")
	outsider.register("outsider")
	original := asker.ask("Wholesale pricing for the Hub 3")
	dup := asker.ask("My router restarts during the night")
	mod := a.roleClient("mod", models.RoleModerator)
	if res := mod.post("/t/"+itoa(threadID(dup))+"/duplicate", url.Values{"original": {itoa(threadID(original))}}); res.Code != http.StatusSeeOther {
		t.Fatalf("duplicate: %d", res.Code)
	}
	mustContain(t, a.client().get(dup).Body, "Closed as a duplicate of", "Wholesale pricing")
	if res := mod.post("/t/"+itoa(threadID(original))+"/move", url.Values{"category": {"partners"}, "reason": {"partner matter"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("move: %d", res.Code)
	}
	link := `href="` + original + `"`
	// A group member first: what the thread cache keeps for them must not reach the others.
	mustContain(t, partner.get(dup).Body, "Closed as a duplicate of", "Wholesale pricing", link)
	for i := 0; i < 2; i++ {
		res := a.client().get(dup)
		if i == 1 && res.Header.Get("X-Cache") != "hit" {
			t.Error("the visitor page was not served from the cache")
		}
		mustContain(t, res.Body, "Closed as a duplicate")
		mustNotContain(t, res.Body, "Wholesale pricing", link)
		page := outsider.get(dup).Body
		mustContain(t, page, "Closed as a duplicate")
		mustNotContain(t, page, "Wholesale pricing", link)
	}
	mustContain(t, mod.get(dup).Body, "Wholesale pricing", link)
	mustContain(t, partner.get(dup).Body, "Wholesale pricing", link)
}

// The author of a thread moved to a category they cannot see is told, in
// words that do not name it; a category they can see is named.
func TestMoveNoticeDoesNotNameAPrivateCategory(t *testing.T) {
	a := newApp(t)
	partner := partnersCategory(t, a, "partner")
	asker := a.client()
	asker.register("asker")
	mine := asker.ask("Router reboots itself every night")
	theirs := partner.ask("Router keeps dropping the connection")
	mod := a.roleClient("mod", models.RoleModerator)
	for _, th := range []string{mine, theirs} {
		if res := mod.post("/t/"+itoa(threadID(th))+"/move", url.Values{"category": {"partners"}}); res.Code != http.StatusSeeOther {
			t.Fatalf("move: %d", res.Code)
		}
	}
	notes := asker.get("/notifications").Body
	mustContain(t, notes, "A moderator moved your question to a category you cannot see.")
	mustNotContain(t, notes, "Partners", "partners")
	mustContain(t, partner.get("/notifications").Body, "A moderator moved your question to Partners.")
}

// Reputation shown to others leaves out points earned in private
// categories: profile, ambassador list, leaderboards. Staff see both parts.
func TestPublicReputationLeavesOutPrivateCategories(t *testing.T) {
	a := newApp(t)
	partner := partnersCategory(t, a, "partner")
	asker := a.client()
	asker.register("asker")
	amb := a.roleClient("amb", models.RoleAmbassador)
	// Any member's vote counts here: standing is tested on its own.
	anyVoterCounts(t, a)
	private := partner.askIn("partners", "Wholesale pricing for the Hub 3", "What is the partner price for fifty units?")
	public := asker.ask("Router reboots itself every night")
	for _, v := range []struct {
		thread string
		voter  *client
	}{{private, partner}, {public, asker}} {
		ans := amb.answer(v.thread, "Here is what our team recommends for this.")
		if res := v.voter.post("/p/"+ans+"/vote", nil); res.Code != http.StatusSeeOther {
			t.Fatalf("vote: %d", res.Code)
		}
	}
	u, err := a.store.UserByUsername(context.Background(), "amb")
	if err != nil {
		t.Fatal(err)
	}
	if u.Reputation != models.PointsHelpfulAnswer || u.PrivateReputation != models.PointsHelpfulAnswer {
		t.Fatalf("public %d, private %d", u.Reputation, u.PrivateReputation)
	}
	for _, c := range []*client{a.client(), asker, partner} {
		mustContain(t, c.get("/u/amb").Body, "<dt>Reputation</dt><dd>10</dd>")
		mustContain(t, c.get("/ambassadors").Body, "· reputation 10<")
		for _, p := range []string{"/leaderboard", "/leaderboard?period=all"} {
			board := c.get(p).Body
			mustContain(t, board, `href="/u/amb"`, "<td>10</td>")
			mustNotContain(t, board, "<td>20</td>")
		}
	}
	mod := a.roleClient("mod", models.RoleModerator)
	mustContain(t, mod.get("/mod/users/"+itoa(u.ID)).Body, "reputation 10 (and 10 in private categories)")
	// Moved to a public category, the thread's points are public.
	if res := mod.post("/t/"+itoa(threadID(private))+"/move", url.Values{"category": {"general"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("move: %d", res.Code)
	}
	mustContain(t, a.client().get("/u/amb").Body, "<dt>Reputation</dt><dd>20</dd>")
}

// anyVoterCounts drops the standing a voter needs before their votes give
// points, for tests about where the points go.
func anyVoterCounts(t *testing.T, a *testApp) {
	t.Helper()
	ctx := context.Background()
	admin, err := a.store.CreateUser(ctx, models.NewUser{Username: "standing-admin", Email: "standing-admin@example.com",
		Password: "correct horse", Role: models.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	set, err := a.store.SiteSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f := models.SiteSettingsForm{BrandName: set.BrandName, BadgeTitle: set.BadgeTitle,
		AmbassadorDomains: strings.Join(set.AmbassadorDomains, ", "), SuperuserThreshold: strconv.Itoa(set.SuperuserThreshold),
		PostsPerHour: strconv.Itoa(set.PostsPerHour), ApproveFirstPosts: set.ApproveFirstPostsWithLinks,
		VerifyEmail: set.VerifyEmail, StandingDays: "0", StandingReputation: "0"}
	if err := a.store.SaveSiteSettings(ctx, admin, f); err != nil {
		t.Fatal(err)
	}
}
