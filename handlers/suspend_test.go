package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/models"
)

// suspendByAdmin suspends the named account for a day, as an admin would.
func (a *testApp) suspendByAdmin(name string) *models.User {
	a.t.Helper()
	ctx := context.Background()
	admin, err := a.store.UserByUsername(ctx, "warden")
	if errors.Is(err, models.ErrNotFound) {
		admin, err = a.store.CreateUser(ctx, models.NewUser{Username: "warden", Email: "warden@example.com",
			Password: "correct horse", Role: models.RoleAdmin})
	}
	if err != nil {
		a.t.Fatal(err)
	}
	u, err := a.store.UserByUsername(ctx, name)
	if err != nil {
		a.t.Fatal(err)
	}
	if err := a.store.SuspendUser(ctx, admin, u.ID, a.store.Now().Add(24*time.Hour), "Cooling off"); err != nil {
		a.t.Fatal(err)
	}
	return u
}

// mustBeSuspendedRefusal checks the page a suspended account gets for a write.
func mustBeSuspendedRefusal(t *testing.T, what string, res *response) {
	t.Helper()
	if res.Code != http.StatusForbidden || !strings.Contains(res.Body, "Your account is suspended until") ||
		!strings.Contains(res.Body, "Cooling off") {
		t.Errorf("%s while suspended: %d, want 403 saying the account is suspended", what, res.Code)
	}
}

// auditedBy lists the audit-log actions the named account did.
func (a *testApp) auditedBy(name string) []string {
	a.t.Helper()
	log, err := a.store.ModLog(context.Background(), 1)
	if err != nil {
		a.t.Fatal(err)
	}
	var out []string
	for _, e := range log.Entries {
		if e.Actor.Username == name {
			out = append(out, e.Action)
		}
	}
	return out
}

func TestSuspendedStaffCannotModerateOrLiftTheirSuspension(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	asker, peer := a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	thread := asker.ask("Router reboots itself every night")
	ans := peer.answer(thread, "Disable the nightly maintenance window.")
	tid := itoa(threadID(thread))
	target, _ := a.store.UserByUsername(ctx, "asker")

	mod := a.roleClient("mod", models.RoleModerator)
	m := a.suspendByAdmin("mod")
	mustBeSuspendedRefusal(t, "hide", mod.post("/p/"+ans+"/hide", url.Values{"reason": {"Off-topic"}}))
	mustBeSuspendedRefusal(t, "lock", mod.post("/t/"+tid+"/lock", url.Values{"locked": {"1"}}))
	mustBeSuspendedRefusal(t, "suspend a member", mod.post("/mod/users/"+itoa(target.ID)+"/suspend",
		url.Values{"days": {"3"}, "reason": {"Rude"}}))
	mustBeSuspendedRefusal(t, "own unsuspension", mod.post("/mod/users/"+itoa(m.ID)+"/unsuspend", nil))
	if p, _ := a.store.Post(ctx, atoi(ans)); p.Hidden {
		t.Error("a suspended moderator hid a post")
	}
	if th, _ := a.store.Thread(ctx, threadID(thread)); th.Locked {
		t.Error("a suspended moderator locked a thread")
	}
	if u, _ := a.store.UserByUsername(ctx, "asker"); u.Suspended(a.store.Now()) {
		t.Error("a suspended moderator suspended a member")
	}
	if u, _ := a.store.UserByUsername(ctx, "mod"); !u.Suspended(a.store.Now()) {
		t.Error("the moderator lifted their own suspension")
	}
	// Reading still works, and so does logging out.
	if res := mod.get("/mod/queue"); res.Code != http.StatusOK {
		t.Errorf("suspended moderator reading the queue: %d", res.Code)
	}

	amb := a.roleClient("amb", models.RoleAmbassador)
	b := a.suspendByAdmin("amb")
	mustBeSuspendedRefusal(t, "open an incident", amb.post("/insights/incidents",
		url.Values{"category": {"general"}, "thread": {thread}, "message": {"Known outage in the north."}}))
	mustBeSuspendedRefusal(t, "own unsuspension", amb.post("/mod/users/"+itoa(b.ID)+"/unsuspend", nil))
	if list, err := a.store.OpenIncidents(ctx, 0, nil); err != nil || len(list) != 0 {
		t.Errorf("a suspended ambassador opened an incident: %d %v", len(list), err)
	}
	if u, _ := a.store.UserByUsername(ctx, "amb"); !u.Suspended(a.store.Now()) {
		t.Error("the ambassador lifted their own suspension")
	}
	if got := append(a.auditedBy("mod"), a.auditedBy("amb")...); len(got) != 0 {
		t.Errorf("suspended staff left audit lines: %v", got)
	}
	if res := mod.post("/logout", nil); res.Code != http.StatusSeeOther {
		t.Errorf("suspended logout: %d", res.Code)
	}
}

// TestUnsuspendingStaffNeedsAnAdmin: a moderator may lift a member's
// suspension but not a staff member's; an admin may.
func TestUnsuspendingStaffNeedsAnAdmin(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	mod := a.roleClient("mod", models.RoleModerator)
	a.roleClient("amb", models.RoleAmbassador)
	member := a.client()
	member.register("member")
	amb := a.suspendByAdmin("amb")
	mem := a.suspendByAdmin("member")
	// Refused like other staff actions: back to the member's page, saying why.
	res := mod.post("/mod/users/"+itoa(amb.ID)+"/unsuspend", nil)
	if res.Code != http.StatusSeeOther {
		t.Fatalf("moderator unsuspending an ambassador: %d", res.Code)
	}
	mustContain(t, mod.get(res.Location).Body, "Only an admin can lift a staff member")
	if u, _ := a.store.UserByID(ctx, amb.ID); !u.Suspended(a.store.Now()) {
		t.Error("a moderator lifted a staff member's suspension")
	}
	if res := mod.post("/mod/users/"+itoa(mem.ID)+"/unsuspend", nil); res.Code != http.StatusSeeOther {
		t.Errorf("moderator unsuspending a member: %d", res.Code)
	}
	admin := a.client()
	if res := admin.post("/login", url.Values{"username": {"warden"}, "password": {"correct horse"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("admin login: %d", res.Code)
	}
	if res := admin.post("/mod/users/"+itoa(amb.ID)+"/unsuspend", nil); res.Code != http.StatusSeeOther {
		t.Errorf("admin unsuspending an ambassador: %d", res.Code)
	}
	if u, _ := a.store.UserByID(ctx, amb.ID); u.Suspended(a.store.Now()) {
		t.Error("the admin could not lift the ambassador's suspension")
	}
}

// TestSuspendedMemberCannotChangeAnything: accepting and undoing, deleting,
// flagging, watching, voting on answers and KB articles, asking for and
// using an ambassador link are all refused; reading, changing the password
// and logging out are not.
func TestSuspendedMemberCannotChangeAnything(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	admin := a.roleClient("boss", models.RoleAdmin)
	if res := admin.post("/admin/settings", adminSettings(url.Values{"ambassador_domains": {"example-isp.com"}})); res.Code != http.StatusSeeOther {
		t.Fatalf("settings: %d", res.Code)
	}
	asker, peer := a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	thread, ans := solve(t, a, asker, peer, "Router reboots itself every night", "Disable the nightly maintenance window.")
	other := peer.answer(thread, "Or update the firmware to the latest version.")
	own := asker.answer(thread, "Thanks, I will try both of these tonight.")
	art, err := a.store.ArticleForThread(ctx, threadID(thread))
	if err != nil {
		t.Fatal(err)
	}
	u, _ := a.store.UserByUsername(ctx, "asker")
	token, err := a.store.RequestAmbassador(ctx, u, "asker@example-isp.com", func(string) (string, string) { return "Confirm", "link" })
	if err != nil {
		t.Fatal(err)
	}
	a.suspendByAdmin("asker")

	tid := itoa(threadID(thread))
	mustBeSuspendedRefusal(t, "accept", asker.post("/p/"+other+"/accept", nil))
	mustBeSuspendedRefusal(t, "undo accept", asker.post("/p/"+ans+"/accept", url.Values{"undo": {"1"}}))
	mustBeSuspendedRefusal(t, "delete", asker.post("/p/"+own+"/delete", nil))
	mustBeSuspendedRefusal(t, "flag", asker.post("/p/"+other+"/flag", url.Values{"reason": {"off-topic"}}))
	mustBeSuspendedRefusal(t, "watch", asker.post("/t/"+tid+"/watch", url.Values{"watch": {"0"}}))
	mustBeSuspendedRefusal(t, "vote", asker.post("/p/"+other+"/vote", nil))
	mustBeSuspendedRefusal(t, "KB vote", asker.post("/kb/"+itoa(art.ID)+"/vote", url.Values{"helpful": {"no"}}))
	mustBeSuspendedRefusal(t, "ambassador request", asker.post("/settings/ambassador", url.Values{"work_email": {"asker@example-isp.com"}}))
	mustBeSuspendedRefusal(t, "ambassador verification", asker.post("/ambassador/verify", url.Values{"token": {token}}))

	th, _ := a.store.Thread(ctx, threadID(thread))
	if th.AcceptedID != atoi(ans) {
		t.Errorf("accepted answer changed to %d", th.AcceptedID)
	}
	if p, _ := a.store.Post(ctx, atoi(own)); p.Deleted {
		t.Error("a suspended member deleted a post")
	}
	if q, _ := a.store.FlagQueue(ctx, mustUser(t, a, "boss")); len(q) != 0 {
		t.Errorf("a suspended member flagged: %d", len(q))
	}
	if w, _ := a.store.Watching(ctx, u.ID, threadID(thread)); !w {
		t.Error("a suspended member stopped watching")
	}
	if p, _ := a.store.Post(ctx, atoi(other)); p.HelpfulCount != 0 {
		t.Errorf("a suspended member voted: %d", p.HelpfulCount)
	}
	if v, _ := a.store.ArticleVote(ctx, art.ID, "u:"+itoa(u.ID)); v != 0 {
		t.Errorf("a suspended member voted on the article: %d", v)
	}
	if got, _ := a.store.UserByUsername(ctx, "asker"); got.Role != models.RoleMember || got.WorkEmail != "" {
		t.Errorf("a suspended member became %s (%s)", got.Role, got.WorkEmail)
	}

	// Reading, the password and logging out still work.
	if res := asker.get(thread); res.Code != http.StatusOK {
		t.Errorf("reading: %d", res.Code)
	}
	if res := asker.get("/settings"); res.Code != http.StatusOK {
		t.Errorf("settings page: %d", res.Code)
	}
	if res := asker.post("/settings/password", url.Values{"current_password": {"correct horse"},
		"new_password": {"battery staple"}}); res.Code != http.StatusSeeOther {
		t.Errorf("password change: %d", res.Code)
	}
	if res := asker.post("/logout/all", nil); res.Code != http.StatusSeeOther {
		t.Errorf("log out everywhere: %d", res.Code)
	}
}

// adminSettings is a complete site-settings form with some fields changed.
func adminSettings(changes url.Values) url.Values {
	f := url.Values{"brand_name": {"Example ISP"}, "badge_title": {"Example ISP Employee"}, "superuser_threshold": {"200"},
		"posts_per_hour": {"30"}, "standing_days": {"3"}, "standing_reputation": {"10"}, "verify_email": {"1"}}
	for k, v := range changes {
		f[k] = v
	}
	return f
}

func mustUser(t *testing.T, a *testApp, name string) *models.User {
	t.Helper()
	u, err := a.store.UserByUsername(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
