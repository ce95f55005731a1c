package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/models"
)

// staffRoute is one staff URL and the permission it needs.
type staffRoute struct {
	perm   models.Permission
	method string
	path   string // {t} thread, {p} post, {u} user, {a} article
	form   url.Values
}

func staffRoutes() []staffRoute {
	return []staffRoute{
		{models.PermTriageFlags, "GET", "/mod/flags", nil},
		{models.PermTriageFlags, "POST", "/mod/flags/{p}/dismiss", nil},
		{models.PermHide, "GET", "/mod/queue", nil},
		{models.PermHide, "POST", "/p/{p}/approve", url.Values{"approve": {"1"}}},
		{models.PermHide, "POST", "/p/{p}/hide", url.Values{"reason": {"Off-topic"}}},
		{models.PermHide, "POST", "/p/{p}/unhide", nil},
		{models.PermRecommend, "POST", "/p/{p}/recommend", nil},
		{models.PermLock, "POST", "/t/{t}/lock", url.Values{"locked": {"1"}}},
		{models.PermLock, "POST", "/t/{t}/pin", url.Values{"pinned": {"1"}}},
		{models.PermLock, "POST", "/t/{t}/duplicate", url.Values{"original": {"0"}}},
		{models.PermMove, "POST", "/t/{t}/move", url.Values{"category": {"general"}}},
		{models.PermSeeModLog, "GET", "/mod/log", nil},
		{models.PermSeeInsights, "GET", "/insights", nil},
		{models.PermSeeInsights, "GET", "/insights/responsiveness.csv", nil},
		{models.PermSeeInsights, "GET", "/insights/answerers.csv", nil},
		{models.PermSeeInsights, "GET", "/insights/selfservice.csv", nil},
		{models.PermSeeInsights, "GET", "/insights/earlywarning.csv", nil},
		{models.PermIncidents, "GET", "/insights/incidents/new", nil},
		{models.PermIncidents, "POST", "/insights/incidents", url.Values{"category": {"general"}, "thread": {"/t/{t}"}, "message": {"Known outage."}}},
		{models.PermIncidents, "POST", "/insights/incidents/1/close", nil},
		{models.PermSuspend, "GET", "/mod/users/{u}", nil},
		{models.PermSuspend, "POST", "/mod/users/{u}/suspend", url.Values{"days": {"1"}, "reason": {"Rude"}}},
		{models.PermSuspend, "POST", "/mod/users/{u}/unsuspend", nil},
		{models.PermSuspend, "POST", "/mod/users/{u}/spammer", nil},
		{models.PermManageRoles, "POST", "/mod/users/{u}/role", url.Values{"role": {"member"}}},
		{models.PermManageRoles, "GET", "/admin/ambassadors", nil},
		{models.PermManageSite, "GET", "/admin/uploads", nil},
		{models.PermManageSite, "POST", "/admin/uploads", url.Values{"per_file_mb": {"20"}, "per_post_mb": {"50"}, "per_day_mb": {"200"}}},
		{models.PermRemoveAttachments, "GET", "/p/{p}/attachments", nil},
		{models.PermRemoveAttachments, "POST", "/uploads/{k}/remove", url.Values{"reason": {"A serial number"}}},
		{models.PermManageSite, "POST", "/mod/users/{u}/groups", url.Values{"group": {"partners"}}},
		{models.PermManageSite, "GET", "/admin/settings", nil},
		{models.PermManageSite, "POST", "/admin/settings", adminSettings(nil)},
		{models.PermManageSite, "POST", "/admin/categories", url.Values{"name": {"Partners"}}},
		{models.PermManageSite, "GET", "/admin/search", nil},
		{models.PermManageSite, "POST", "/admin/search", url.Values{"synonyms": {"router, hub, modem"}}},
		{models.PermTriageSocial, "GET", "/mod/social", nil},
		{models.PermTriageSocial, "POST", "/mod/social", url.Values{"action": {"dismiss"}, "items": {"1"}}},
		{models.PermTriageSocial, "GET", "/mod/social/rules", nil},
		{models.PermTriageSocial, "POST", "/mod/social/rules", url.Values{"name": {"Outages"}, "keywords": {"outage"}}},
		{models.PermTriageSocial, "GET", "/mod/social/import", nil},
		{models.PermCurateKB, "GET", "/kb/{a}/edit", nil},
		{models.PermCurateKB, "POST", "/kb/{a}/edit", url.Values{"title": {"Router reboots every night"}, "problem": {"It reboots."},
			"solution": {"Turn off the maintenance window."}}},
		{models.PermCurateKB, "POST", "/kb/{a}/publish", url.Values{"published": {"1"}}},
		{models.PermCurateKB, "POST", "/kb/{a}/outdated", url.Values{"outdated": {"0"}}},
		{models.PermCurateKB, "POST", "/kb/{a}/promote", url.Values{"post_id": {"0"}}},
		// Last: it deletes the account the routes above act on.
		{models.PermDeleteUsers, "POST", "/mod/users/{u}/delete", url.Values{"password": {"correct horse"}}},
	}
}

// TestPermissionMatrix calls every staff route as every kind of user and
// checks the answer against the permission table (models.Role.Can).
func TestPermissionMatrix(t *testing.T) {
	type who struct {
		name      string
		role      models.Role
		visitor   bool
		suspended bool
		// twoFactor: every staff role must use two-factor authentication
		// (the site setting), and the actor set up an authenticator app.
		twoFactor bool
	}
	people := []who{
		{name: "visitor", visitor: true},
		{name: "member", role: models.RoleMember},
		{name: "suspended", role: models.RoleMember, suspended: true},
		{name: "superuser", role: models.RoleSuperuser},
		{name: "ambassador", role: models.RoleAmbassador},
		{name: "moderator", role: models.RoleModerator},
		{name: "admin", role: models.RoleAdmin},
		// A suspended account reads what its role may read and changes nothing.
		{name: "suspended superuser", role: models.RoleSuperuser, suspended: true},
		{name: "suspended ambassador", role: models.RoleAmbassador, suspended: true},
		{name: "suspended moderator", role: models.RoleModerator, suspended: true},
		{name: "suspended admin", role: models.RoleAdmin, suspended: true},
		// Two-factor authentication required and passed changes nothing the role may do.
		{name: "ambassador with 2FA", role: models.RoleAmbassador, twoFactor: true},
		{name: "moderator with 2FA", role: models.RoleModerator, twoFactor: true},
		{name: "admin with 2FA", role: models.RoleAdmin, twoFactor: true},
	}
	for _, p := range people {
		t.Run(p.name, func(t *testing.T) {
			a := newApp(t)
			ctx := context.Background()
			asker, peer := a.client(), a.client()
			asker.register("asker")
			peer.register("peer")
			thread, ans := solve(t, a, asker, peer, "Router reboots itself every night", "Disable the nightly maintenance window.")
			art, err := a.store.ArticleForThread(ctx, threadID(thread))
			if err != nil {
				t.Fatal(err)
			}
			target, _ := a.store.UserByUsername(ctx, "peer")
			// The peer's answer shows a screenshot, for the attachment routes.
			key, _ := models.NewAttachmentKey()
			shot, err := a.store.CreateAttachment(ctx, target, models.NewAttachment{Key: key, Kind: models.AttachmentImage,
				ContentType: "image/png", Name: "shot.png", Size: 10, SHA256: strings.Repeat("ab", 32)})
			if err != nil {
				t.Fatal(err)
			}
			ansID, _ := strconv.ParseInt(ans, 10, 64)
			if err := a.store.EditPost(ctx, target, ansID, models.PostEdit{Body: "Disable the nightly maintenance window.\n\n" + shot.Markdown()}); err != nil {
				t.Fatal(err)
			}
			if res := asker.post("/p/"+ans+"/flag", url.Values{"reason": {"off-topic"}, "note": {"for the matrix"}}); res.Code != http.StatusSeeOther {
				t.Fatalf("flag: %d", res.Code)
			}
			c := a.client()
			if p.twoFactor {
				boss := a.roleClient("boss2", models.RoleAdmin)
				if res := boss.post("/admin/settings", adminSettings(url.Values{"require_2fa": {"staff"}})); res.Code != http.StatusSeeOther {
					t.Fatalf("require 2FA: %d", res.Code)
				}
			}
			if !p.visitor {
				c = a.roleClient("actor", p.role)
				if p.twoFactor {
					c.enableTOTP("")
				}
				if p.suspended {
					admin, _ := a.store.CreateUser(ctx, models.NewUser{Username: "boss", Email: "boss@example.com", Password: "correct horse", Role: models.RoleAdmin})
					actor, _ := a.store.UserByUsername(ctx, "actor")
					if err := a.store.SuspendUser(ctx, admin, actor.ID, time.Now().Add(24*time.Hour), "test"); err != nil {
						t.Fatal(err)
					}
				}
			}
			for _, r := range staffRoutes() {
				ids := strings.NewReplacer("{t}", itoa(threadID(thread)), "{p}", ans, "{u}", itoa(target.ID), "{a}", itoa(art.ID), "{k}", key)
				path := ids.Replace(r.path)
				form := url.Values{}
				for k, vs := range r.form {
					for _, v := range vs {
						form.Add(k, ids.Replace(v))
					}
				}
				var res *response
				if r.method == "GET" {
					res = c.get(path)
				} else {
					res = c.post(path, form)
				}
				label := r.method + " " + path
				switch {
				case p.visitor:
					if res.Code != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/login") {
						t.Errorf("%s: visitor got %d %q, want a redirect to log in", label, res.Code, res.Location)
					}
				case p.suspended && r.method != "GET":
					if res.Code != http.StatusForbidden || !strings.Contains(res.Body, "Your account is suspended until") {
						t.Errorf("%s: %s got %d, want 403 saying the account is suspended", label, p.name, res.Code)
					}
				case !p.role.Can(r.perm):
					if res.Code != http.StatusForbidden {
						t.Errorf("%s: %s got %d, want 403", label, p.name, res.Code)
					}
				default:
					if res.Code == http.StatusForbidden || res.Code >= 500 || strings.HasPrefix(res.Location, "/login") {
						t.Errorf("%s: %s got %d %q, want it allowed", label, p.name, res.Code, res.Location)
					}
					if r.method == "GET" && res.Code != http.StatusOK {
						t.Errorf("%s: %s got %d, want 200", label, p.name, res.Code)
					}
				}
			}
			// Refused requests change nothing: only allowed roles leave audit-log lines.
			log, err := a.store.ModLog(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			hasAny := false
			for _, r := range staffRoutes() {
				hasAny = hasAny || (!p.visitor && p.role.Can(r.perm))
			}
			wantLines := hasAny
			if p.suspended {
				wantLines = true // the admin's suspension of the actor
				if got := a.auditedBy("actor"); len(got) != 0 {
					t.Errorf("%s: audit-log lines by the suspended actor: %v", p.name, got)
				}
			}
			if (len(log.Entries) > 0) != wantLines {
				t.Errorf("%s: %d audit-log lines", p.name, len(log.Entries))
			}
		})
	}
}

// roleClient creates a user with a role directly and logs in through the form.
func (a *testApp) roleClient(name string, role models.Role) *client {
	a.t.Helper()
	if _, err := a.store.CreateUser(context.Background(), models.NewUser{Username: name, Email: name + "@example.com",
		Password: "correct horse", Role: role}); err != nil {
		a.t.Fatal(err)
	}
	c := a.client()
	if res := c.post("/login", url.Values{"username": {name}, "password": {"correct horse"}}); res.Code != http.StatusSeeOther {
		a.t.Fatalf("login %s: %d", name, res.Code)
	}
	return c
}

func TestSuspendedMemberCanReadButNotPost(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	asker := a.client()
	asker.register("asker")
	thread := asker.ask("Router reboots itself every night")
	mod := a.roleClient("mod", models.RoleModerator)
	u, _ := a.store.UserByUsername(ctx, "asker")
	if res := mod.post(fmt.Sprintf("/mod/users/%d/suspend", u.ID), url.Values{"days": {"3"}, "reason": {"Repeated rudeness"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("suspend: %d", res.Code)
	}
	if res := asker.get(thread); res.Code != http.StatusOK {
		t.Fatalf("suspended reading: %d", res.Code)
	}
	// Every change is refused in one place (refuseSuspended), with the end date and the reason.
	res := asker.post("/t/"+itoa(threadID(thread))+"/answers", url.Values{"body": {"Trying to answer while suspended."}})
	if res.Code != http.StatusForbidden {
		t.Fatalf("suspended answering: %d", res.Code)
	}
	mustContain(t, res.Body, "Your account is suspended until", "Repeated rudeness")
	res = asker.post("/ask", url.Values{"title": {"Another question while suspended"}, "category": {"general"}, "body": {"This should not be posted at all."}})
	if res.Code != http.StatusForbidden || !strings.Contains(res.Body, "suspended") {
		t.Fatalf("suspended asking: %d", res.Code)
	}
	mustContain(t, mod.get("/mod/log").Body, "Suspended an account", "Repeated rudeness")
}
