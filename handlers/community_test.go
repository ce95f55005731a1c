package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/crowdcare/crowdcare/models"
)

func TestBadgesOfficialAnswersAndRecommendation(t *testing.T) {
	a := newApp(t)
	admin := a.roleClient("boss", models.RoleAdmin)
	admin.post("/admin/settings", adminSettings(nil))
	asker := a.client()
	asker.register("asker")
	thread := asker.ask("Router reboots itself every night")
	amb := a.roleClient("amy", models.RoleAmbassador)
	ans := amb.answer(thread, "We pushed a firmware fix last night; please restart the Hub once.")
	page := a.client().get(thread)
	mustContain(t, page.Body, "Answered by an ambassador", "Official answer", "Example ISP Employee")
	if res := amb.post("/p/"+ans+"/recommend", nil); res.Code != http.StatusSeeOther {
		t.Fatalf("recommend: %d", res.Code)
	}
	mustContain(t, a.client().get(thread).Body, "Recommended by Example ISP")
	mustContain(t, a.client().get("/ambassadors").Body, `href="/u/amy"`, "Example ISP Employee")
	// The recommendation is separate from acceptance: the thread is not solved by it.
	mustNotContain(t, a.client().get("/").Body, `<span class="badge solved">Solved</span>`)
}

func TestFlagQueueHideAndAuthorSeesReason(t *testing.T) {
	a := newApp(t)
	asker, spammer, member := a.client(), a.client(), a.client()
	asker.register("asker")
	spammer.register("spammer")
	member.register("member")
	thread := asker.ask("Router reboots itself every night")
	bad := spammer.answer(thread, "Cheap followers for sale at our shop today!")
	mustContain(t, member.get("/p/"+bad+"/flag").Body, "What is wrong with it?", `value="spam"`)
	if res := member.post("/p/"+bad+"/flag", url.Values{"reason": {"spam"}, "note": {"selling followers"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("flag: %d", res.Code)
	}
	// A bad reason is refused and the form is shown again with the note typed.
	res := member.post("/p/"+bad+"/flag", url.Values{"reason": {"nonsense"}, "note": {"also posted in three threads"}})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad flag reason: %d", res.Code)
	}
	mustContain(t, res.Body, "Choose why you are flagging this post.", `value="also posted in three threads"`)
	res = member.post("/p/"+bad+"/flag", url.Values{"reason": {"abusive"}, "note": {strings.Repeat("x", 501)}})
	mustContain(t, res.Body, "Keep the note to 500 characters.", `value="abusive" checked`)
	su := a.roleClient("trusted", models.RoleSuperuser)
	queue := su.get("/mod/flags")
	mustContain(t, queue.Body, "Router reboots itself every night", "spam (1)", "selling followers", "Cheap followers")
	mustNotContain(t, queue.Body, "Hide the post") // superusers triage but do not hide
	mod := a.roleClient("mod", models.RoleModerator)
	if res := mod.post("/p/"+bad+"/hide", url.Values{"reason": {"Advertising is not allowed"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("hide: %d", res.Code)
	}
	mustContain(t, a.client().get(thread).Body, "This answer was hidden by a moderator.")
	mustNotContain(t, a.client().get(thread).Body, "Cheap followers")
	mustContain(t, spammer.get(thread).Body, "Hidden by a moderator: Advertising is not allowed", "Cheap followers")
	mustContain(t, spammer.get("/notifications").Body, "A moderator hid your post: Advertising is not allowed")
	mustContain(t, mod.get("/mod/log").Body, "Hid a post", "Advertising is not allowed")
	mustContain(t, su.get("/mod/flags").Body, "No open flags")
	mustNotContain(t, a.client().get("/search?q=followers").Body, "Router reboots")
}

func TestLockMoveDuplicateAndPinThroughThePage(t *testing.T) {
	a := newApp(t)
	asker := a.client()
	asker.register("asker")
	first := asker.ask("Router reboots itself every night")
	dup := asker.ask("My router restarts during the night")
	mod := a.roleClient("mod", models.RoleModerator)
	mustContain(t, mod.get(dup).Body, "Close as duplicate", "Lock", "Move to")
	mustNotContain(t, asker.get(dup).Body, "Close as duplicate")
	if res := mod.post("/t/"+itoa(threadID(dup))+"/duplicate", url.Values{"original": {"http://forum.test" + first}, "reason": {"same"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("duplicate: %d", res.Code)
	}
	page := a.client().get(dup)
	mustContain(t, page.Body, "Closed as a duplicate of", `href="`+first+`"`)
	mustNotContain(t, page.Body, "Your answer")
	res := asker.post("/t/"+itoa(threadID(dup))+"/answers", url.Values{"body": {"Answering a closed duplicate thread."}})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("answer on a closed thread: %d", res.Code)
	}
	// The refusal is put in words at the edge, on the form shown again with
	// what was typed.
	mustContain(t, res.Body, "This thread is locked: it takes no new answers.", "Answering a closed duplicate thread.")
	if res := mod.post("/t/"+itoa(threadID(first))+"/pin", url.Values{"pinned": {"1"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("pin: %d", res.Code)
	}
	list := a.client().get("/c/general").Body
	if strings.Index(list, "Router reboots itself every night") > strings.Index(list, "My router restarts") {
		t.Error("pinned thread is not first in its category")
	}
}

func TestPrivateCategoryDirectURLsAre404(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	admin := a.roleClient("boss", models.RoleAdmin)
	if res := admin.post("/admin/categories", url.Values{"name": {"Partners"}, "group": {"partners"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("create category: %d", res.Code)
	}
	partner := a.client()
	partner.register("partner")
	u, _ := a.store.UserByUsername(ctx, "partner")
	admin.post("/mod/users/"+itoa(u.ID)+"/groups", url.Values{"group": {"partners"}})
	res := partner.post("/ask", url.Values{"title": {"Wholesale pricing for the Hub 3"}, "category": {"partners"},
		"body": {"What is the partner price for fifty units?"}})
	if res.Code != http.StatusSeeOther {
		t.Fatalf("partner ask: %d %s", res.Code, res.Body)
	}
	thread := res.Location
	outsider := a.client()
	outsider.register("outsider")
	for _, c := range []*client{a.client(), outsider} {
		for _, p := range []string{thread, "/c/partners", "/t/" + itoa(threadID(thread))} {
			if res := c.get(p); res.Code != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", p, res.Code)
			}
		}
		for _, p := range []string{"/", "/search?q=wholesale", "/u/partner", "/feed.atom", "/sitemap.xml"} {
			mustNotContain(t, c.get(p).Body, "Wholesale pricing")
		}
	}
	mustContain(t, partner.get("/").Body, "Wholesale pricing")
	mustContain(t, partner.get(thread).Body, "What is the partner price")
}

func TestNotificationsPageWatchAndUnsubscribe(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	asker, peer, watcher := a.client(), a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	watcher.register("watcher")
	thread := asker.ask("Router reboots itself every night")
	if res := watcher.post("/t/"+itoa(threadID(thread))+"/watch", url.Values{"watch": {"1"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("watch: %d", res.Code)
	}
	mustContain(t, watcher.get(thread).Body, "Watching replies", `aria-pressed="true"`)
	peer.answer(thread, "Check the maintenance window, @asker.")
	home := asker.get("/")
	mustContain(t, home.Body, `<span class="count-badge">1<span class="visually-hidden"> unread</span></span>`)
	mustContain(t, asker.get("/notifications").Body, "peer answered your question")
	mustContain(t, watcher.get("/notifications").Body, "peer replied in")
	asker.post("/notifications/read", nil)
	mustNotContain(t, asker.get("/").Body, "count-badge")

	u, _ := a.store.UserByUsername(ctx, "asker")
	token, err := a.store.UnsubscribeToken(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	visitor := a.client()
	mustContain(t, visitor.get("/unsubscribe?u="+itoa(u.ID)+"&t="+token).Body, "Stop notification emails?")
	if res := visitor.post("/unsubscribe", url.Values{"u": {itoa(u.ID)}, "t": {"forged"}}); res.Code != http.StatusBadRequest {
		t.Fatalf("forged unsubscribe: %d", res.Code)
	}
	if res := visitor.post("/unsubscribe", url.Values{"u": {itoa(u.ID)}, "t": {token}}); res.Code != http.StatusOK {
		t.Fatalf("unsubscribe: %d", res.Code)
	}
	if got, _ := a.store.UserByID(ctx, u.ID); got.EmailNotifications {
		t.Fatal("still subscribed")
	}
}

func TestApprovalQueueThroughTheWeb(t *testing.T) {
	a := newApp(t)
	asker, newbie := a.client(), a.client()
	asker.register("asker")
	newbie.register("newbie")
	thread := asker.ask("Router reboots itself every night")
	res := newbie.post("/t/"+itoa(threadID(thread))+"/answers", url.Values{"body": {"See https://example.com/fix for the fix."}})
	if res.Code != http.StatusSeeOther {
		t.Fatalf("answer: %d", res.Code)
	}
	id := strings.TrimPrefix(res.Location, "/p/")
	mustContain(t, newbie.get(thread).Body, "waiting for a moderator's approval")
	mustNotContain(t, asker.get(thread).Body, "example.com/fix")
	mod := a.roleClient("mod", models.RoleModerator)
	mustContain(t, mod.get("/mod/queue").Body, "example.com/fix")
	if res := mod.post("/p/"+id+"/approve", url.Values{"approve": {"1"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("approve: %d", res.Code)
	}
	mustContain(t, asker.get(thread).Body, "example.com/fix")
}

func TestLeaderboardAndSettings(t *testing.T) {
	a := newApp(t)
	// With standing turned off, a new member's acceptance gives points at once.
	admin := a.roleClient("boss", models.RoleAdmin)
	if res := admin.post("/admin/settings", adminSettings(url.Values{"standing_days": {"0"}, "standing_reputation": {"0"}})); res.Code != http.StatusSeeOther {
		t.Fatalf("settings: %d", res.Code)
	}
	asker, peer := a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	solve(t, a, asker, peer, "Router reboots itself every night", "Disable the nightly maintenance window.")
	for _, p := range []string{"/leaderboard", "/leaderboard?period=all"} {
		mustContain(t, a.client().get(p).Body, `href="/u/peer"`, "<td>15</td>")
	}
	mustContain(t, peer.get("/settings").Body, "The ambassador programme is not open")
	peer.post("/settings", url.Values{})
	if u, _ := a.store.UserByUsername(context.Background(), "peer"); u.EmailNotifications {
		t.Fatal("email notifications still on")
	}
}

func TestSuperuserRetitlesButCannotRewrite(t *testing.T) {
	a := newApp(t)
	asker := a.client()
	asker.register("asker")
	thread := asker.ask("router broken help")
	th, _ := a.store.Thread(context.Background(), threadID(thread))
	qid := itoa(th.QuestionID)
	su := a.roleClient("trusted", models.RoleSuperuser)
	form := su.get("/p/" + qid + "/edit")
	mustContain(t, form.Body, "Edit the title and tags", `value="router broken help"`)
	mustNotContain(t, form.Body, `name="body"`)
	res := su.post("/p/"+qid+"/edit", url.Values{"title": {"Router reboots itself every night"}, "tags": {"router, hub-3"},
		"body": {"Replaced text that a superuser may not write."}})
	if res.Code != http.StatusSeeOther {
		t.Fatalf("retitle: %d %s", res.Code, res.Body)
	}
	got, _ := a.store.Thread(context.Background(), th.ID)
	p, _ := a.store.Post(context.Background(), th.QuestionID)
	if got.Title != "Router reboots itself every night" || strings.Contains(p.BodyMD, "Replaced") || len(got.Tags) != 2 {
		t.Fatalf("after retitle: %q %q %v", got.Title, p.BodyMD, got.Tags)
	}
	if res := su.post("/p/"+qid+"/delete", nil); res.Code != http.StatusForbidden {
		t.Fatalf("superuser delete: %d", res.Code)
	}
	mustContain(t, a.client().get("/u/asker").Body, "<dt>Reputation</dt>")
}
