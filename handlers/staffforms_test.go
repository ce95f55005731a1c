package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/models"
)

// typed is free text with characters that must come back escaped.
const typed = `Rude "again" & <b>again</b>`

// typedAttr is typed as html/template writes it in an attribute value.
const typedAttr = `value="Rude &#34;again&#34; &amp; &lt;b&gt;again&lt;/b&gt;"`

// mustRefuse checks a refused staff form: 422, its messages, the typed values.
func mustRefuse(t *testing.T, res *response, wants ...string) {
	t.Helper()
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("want 422, got %d %q", res.Code, res.Location)
	}
	mustContain(t, res.Body, wants...)
	mustNotContain(t, res.Body, "<b>again</b>")
}

func TestSuspendFormKeepsInput(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	a.client().register("rowdy")
	target, err := a.store.UserByUsername(ctx, "rowdy")
	if err != nil {
		t.Fatal(err)
	}
	mod := a.roleClient("mod", models.RoleModerator)
	path := "/mod/users/" + itoa(target.ID) + "/suspend"
	mustRefuse(t, mod.post(path, url.Values{"days": {"a fortnight"}, "reason": {typed}}),
		"Suspend for 1 to 3650 days.", `value="a fortnight"`, typedAttr)
	mustRefuse(t, mod.post(path, url.Values{"days": {"14"}, "reason": {"  "}}),
		"Give a reason: the author will see it.", `name="days" value="14"`)
	if u, _ := a.store.UserByUsername(ctx, "rowdy"); u.Suspended(time.Now()) {
		t.Fatal("a refused suspension suspended the member")
	}
	// The page as first shown offers a week.
	mustContain(t, mod.get("/mod/users/"+itoa(target.ID)).Body, `name="days" value="7"`)
	if res := mod.post(path, url.Values{"days": {"14"}, "reason": {"Repeated rudeness"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("suspend: %d", res.Code)
	}
}

func TestLinkPlaceholderFormKeepsInput(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	a.importTweets(models.ImportOptions{Category: "general"},
		tweet("601", "My router shows a red light since the update, what does it mean?"))
	ph, err := a.store.UserByUsername(ctx, "user601")
	if err != nil {
		t.Fatal(err)
	}
	admin := a.roleClient("boss", models.RoleAdmin)
	mustRefuse(t, admin.post("/mod/users/"+itoa(ph.ID)+"/link", url.Values{"username": {typed}}),
		"Give the username of a real account.", `name="username" `+typedAttr)
}

func TestNewCategoryFormKeepsInput(t *testing.T) {
	a := newApp(t)
	admin := a.roleClient("boss", models.RoleAdmin)
	res := admin.post("/admin/categories", url.Values{"name": {""}, "description": {typed}, "group": {"partners"}})
	// The settings form above it still shows the saved settings.
	mustRefuse(t, res, "Name the category.", `name="description" `+typedAttr, `name="group" value="partners"`, `name="posts_per_hour" type="text" inputmode="numeric" value="`)
	res = admin.post("/admin/categories", url.Values{"name": {"General"}, "description": {typed}})
	mustRefuse(t, res, "A category with that address exists.", `name="name" value="General"`, typedAttr)
	boss, err := a.store.UserByUsername(context.Background(), "boss")
	if err != nil {
		t.Fatal(err)
	}
	if cats, _ := a.store.Categories(context.Background(), boss); len(cats) != 1 {
		t.Fatalf("refused categories were created: %d categories", len(cats))
	}
}

func TestThreadStaffFormsKeepInput(t *testing.T) {
	a := newApp(t)
	asker := a.client()
	asker.register("asker")
	thread := asker.ask("Router reboots itself every night")
	id := itoa(threadID(thread))
	post := a.mustQuestionID(t, thread)
	mod := a.roleClient("mod", models.RoleAdmin)

	// Hide: no reason, then one too long; the typed one comes back.
	mustRefuse(t, mod.post("/p/"+post+"/hide", url.Values{"reason": {""}}), "Give a reason: the author will see it.",
		`action="/p/`+post+`/hide"`, "The router reboots itself every night")
	long := typed + strings.Repeat("x", 500)
	res := mod.post("/p/"+post+"/hide", url.Values{"reason": {long}})
	mustRefuse(t, res, "Keep the reason to 500 characters.", `value="Rude &#34;again&#34; &amp; &lt;b&gt;again&lt;/b&gt;xxx`)
	if p, _ := a.store.Post(context.Background(), atoi(post)); p.Hidden {
		t.Fatal("a refused hide hid the post")
	}

	// Move to a category that does not exist.
	mustRefuse(t, mod.post("/t/"+id+"/move", url.Values{"category": {"nowhere"}, "reason": {typed}}),
		"Choose a category.", `action="/t/`+id+`/move"`, `name="reason" `+typedAttr)

	// Close as a duplicate of something that is no thread, then of itself.
	mustRefuse(t, mod.post("/t/"+id+"/duplicate", url.Values{"original": {"the other one"}, "reason": {typed}}),
		"Give the original thread&#39;s number or address.", `name="original" value="the other one"`, `name="reason" `+typedAttr)
	mustRefuse(t, mod.post("/t/"+id+"/duplicate", url.Values{"original": {"/t/" + id + "/router"}, "reason": {typed}}),
		"A thread cannot duplicate itself.", `value="/t/`+id+`/router"`, typedAttr)
	if th, _ := a.store.Thread(context.Background(), atoi(id)); th.DuplicateOf != 0 || th.Locked {
		t.Fatal("a refused duplicate closed the thread")
	}
	// A pasted address still works.
	other := asker.ask("Wifi drops every evening at eight")
	if res := mod.post("/t/"+id+"/duplicate", url.Values{"original": {" http://forum.test" + other + " "}}); res.Code != http.StatusSeeOther {
		t.Fatalf("duplicate: %d", res.Code)
	}
}

func TestSocialTriageKeepsInput(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	a.importTweets(models.ImportOptions{Triage: true},
		tweet("701", "My router shows a red light since the update, what does it mean?"),
		tweet("702", "Is the Example TV app down for anyone else tonight?"))
	amb := a.roleClient("amy", models.RoleAmbassador)
	inbox := amb.get("/mod/social")
	mustContain(t, inbox.Body, `name="back" value="/mod/social"`)
	mustNotContain(t, inbox.Body, " checked")

	// A title too short: the action, category, title and ticked item are kept.
	res := amb.post("/mod/social", url.Values{"action": {"convert"}, "category": {"general"}, "items": {"702"},
		"title": {`"TV" <b>`}, "thread": {"12"}, "back": {"/mod/social"}})
	mustRefuse(t, res, "Make the title at least", `value="convert" checked`, `value="general" selected`,
		`name="title" value="&#34;TV&#34; &lt;b&gt;"`, `name="thread" value="12"`, `value="702" checked`)
	mustNotContain(t, res.Body, `value="701" checked`, `"TV" <b>`)

	// A thread that does not exist.
	res = amb.post("/mod/social", url.Values{"action": {"append"}, "items": {"701", "702"}, "thread": {typed}})
	mustRefuse(t, res, "There is no visible thread with that number.", `value="append" checked`, `name="thread" `+typedAttr,
		`value="701" checked`, `value="702" checked`)

	// Nothing ticked.
	mustRefuse(t, amb.post("/mod/social", url.Values{"action": {"dismiss"}}), "Select at least one item.", `value="dismiss" checked`)
	if list, _ := a.store.Threads(ctx, models.ThreadQuery{}); list.Total != 0 {
		t.Fatalf("refused triage made %d threads", list.Total)
	}
	mustContain(t, amb.get("/mod/social").Body, "new (2)")
}
