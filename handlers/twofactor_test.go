package handlers

import (
	"context"
	"github.com/crowdcare/crowdcare/internal/testdb"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/crowdcare/crowdcare/models"
)

var (
	totpSecretRe   = regexp.MustCompile(`<code class="secret">([A-Z2-7]+)</code>`)
	recoveryCodeRe = regexp.MustCompile(`<li><code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code></li>`)
)

// totpCode is the app's code for secret, steps time steps from the store's now.
func (a *testApp) totpCode(secret string, steps int) string {
	a.t.Helper()
	code, err := totp.GenerateCode(secret, a.store.Now().Add(time.Duration(steps)*30*time.Second))
	if err != nil {
		a.t.Fatal(err)
	}
	return code
}

// enableTOTP sets up an authenticator app for the browser's member
// through the settings pages; it returns the secret and the recovery codes.
func (c *client) enableTOTP(password string) (string, []string) {
	c.app.t.Helper()
	f := url.Values{}
	if password != "" {
		f.Set("password", password)
	}
	res := c.post("/settings/2fa/totp/new", f)
	m := totpSecretRe.FindStringSubmatch(res.Body)
	if res.Code != http.StatusOK || m == nil {
		c.app.t.Fatalf("new totp: %d %s", res.Code, res.Body)
	}
	secret := m[1]
	res = c.post("/settings/2fa/totp", url.Values{"code": {c.app.totpCode(secret, 0)}})
	if res.Code != http.StatusOK {
		c.app.t.Fatalf("enable totp: %d %s", res.Code, res.Body)
	}
	var codes []string
	for _, m := range recoveryCodeRe.FindAllStringSubmatch(res.Body, -1) {
		codes = append(codes, m[1])
	}
	return secret, codes
}

// passwordStep logs in with the password only: the browser holds a
// pending login, not a session.
func (c *client) passwordStep(name string) {
	c.app.t.Helper()
	res := c.post("/login", url.Values{"username": {name}, "password": {"correct horse"}})
	if res.Code != http.StatusSeeOther || res.Location != "/login/2fa" {
		c.app.t.Fatalf("password step of %s: %d %q", name, res.Code, res.Location)
	}
}

func TestTOTPLoginWithRecoveryCodes(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	c := a.client()
	c.register("tess")
	other := a.client()
	other.login("tess") // a session from before the app was set up
	mustContain(t, c.get("/settings").Body, `href="/settings/security"`)
	mustContain(t, c.get("/settings/security").Body, "Set up an authenticator app", "Off.")
	// A wrong code keeps the same secret on the page.
	res := c.post("/settings/2fa/totp/new", nil)
	secret := totpSecretRe.FindStringSubmatch(res.Body)[1]
	mustContain(t, res.Body, `src="data:image/png;base64,`)
	res = c.post("/settings/2fa/totp", url.Values{"code": {"000000"}})
	if res.Code != http.StatusUnprocessableEntity || !strings.Contains(res.Body, secret) {
		t.Fatalf("wrong setup code: %d", res.Code)
	}
	res = c.post("/settings/2fa/totp", url.Values{"code": {a.totpCode(secret, 0)}})
	codes := recoveryCodeRe.FindAllStringSubmatch(res.Body, -1)
	if res.Code != http.StatusOK || len(codes) != models.RecoveryCodeCount {
		t.Fatalf("enable: %d, %d codes", res.Code, len(codes))
	}
	// This browser stays logged in; the session from before is over.
	if who := c.signedIn(); who != "tess" {
		t.Fatalf("after setup, logged in as %q", who)
	}
	if who := other.signedIn(); who != "" {
		t.Fatalf("the older session still works, as %q", who)
	}
	// Logging in asks for the second factor; the password alone is no session.
	d := a.client()
	d.passwordStep("tess")
	if who := d.signedIn(); who != "" {
		t.Fatalf("logged in as %q after the password alone", who)
	}
	mustContain(t, d.get("/login/2fa").Body, "Two-factor authentication", `name="code"`)
	if res := d.post("/login/2fa", url.Values{"code": {"123456"}}); res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("wrong code: %d", res.Code)
	}
	// The code used at setup is spent; the next one works, once.
	if res := d.post("/login/2fa", url.Values{"code": {a.totpCode(secret, 0)}}); res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("the setup code again: %d", res.Code)
	}
	next := a.totpCode(secret, 1)
	if res := d.post("/login/2fa", url.Values{"code": {next}, "_csrf": {"forged"}}); res.Code != http.StatusForbidden {
		t.Fatalf("forged second factor: %d", res.Code)
	}
	if res := d.post("/login/2fa", url.Values{"code": {next}}); res.Code != http.StatusSeeOther || res.Location != "/" {
		t.Fatalf("right code: %d %q", res.Code, res.Location)
	}
	if who := d.signedIn(); who != "tess" {
		t.Fatalf("logged in as %q", who)
	}
	e := a.client()
	e.passwordStep("tess")
	if res := e.post("/login/2fa", url.Values{"code": {next}}); res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("a code used for one login, again for another: %d", res.Code)
	}
	// A recovery code works once, typed any way.
	rc := codes[3][1]
	res = e.post("/login/2fa", url.Values{"code": {strings.ToUpper(strings.ReplaceAll(rc, "-", " "))}})
	if res.Code != http.StatusSeeOther {
		t.Fatalf("recovery code: %d %s", res.Code, res.Body)
	}
	mustContain(t, e.get("/").Body, "You used a recovery code: 9 codes are left.")
	f := a.client()
	f.passwordStep("tess")
	if res := f.post("/login/2fa", url.Values{"code": {rc}}); res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("a recovery code twice: %d", res.Code)
	}
	// Only hashes are kept.
	u, _ := a.store.UserByUsername(ctx, "tess")
	var n int
	a.scanRow(`SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND (code_hash LIKE ? OR code_hash = ?)`, []any{u.ID, "%" + rc[:4] + "%", strings.ReplaceAll(rc, "-", "")}, &n)
	if n != 0 {
		t.Fatal("a recovery code is stored as typed")
	}
	// Changing the factors asks for the password.
	if res := d.post("/settings/2fa/totp/off", url.Values{"password": {"wrong"}}); res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("turn off with a wrong password: %d", res.Code)
	}
	if res := d.post("/settings/2fa/recovery", nil); res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("new recovery codes without the password: %d", res.Code)
	}
	res = d.post("/settings/2fa/recovery", url.Values{"password": {"correct horse"}})
	if fresh := recoveryCodeRe.FindAllStringSubmatch(res.Body, -1); res.Code != http.StatusOK || len(fresh) != models.RecoveryCodeCount {
		t.Fatalf("new recovery codes: %d", res.Code)
	}
	g := a.client()
	g.passwordStep("tess")
	if res := g.post("/login/2fa", url.Values{"code": {codes[5][1]}}); res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("an old recovery code after new ones were made: %d", res.Code)
	}
	if res := d.post("/settings/2fa/totp/off", url.Values{"password": {"correct horse"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("turn off: %d", res.Code)
	}
	a.client().login("tess") // the password alone again
}

func TestSecondFactorAttemptsAreLimited(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.register("tess")
	secret, _ := c.enableTOTP("")
	d := a.client()
	d.passwordStep("tess")
	for i := range 5 {
		if res := d.post("/login/2fa", url.Values{"code": {"000000"}}); res.Code != http.StatusUnprocessableEntity {
			t.Fatalf("wrong code %d: %d", i, res.Code)
		}
	}
	// Even the right code waits now, from any browser.
	e := a.client()
	e.passwordStep("tess")
	res := e.post("/login/2fa", url.Values{"code": {a.totpCode(secret, 1)}})
	if res.Code != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("right code after five wrong ones: %d", res.Code)
	}
	a.advance(16 * time.Minute)
	e.passwordStep("tess")
	if res := e.post("/login/2fa", url.Values{"code": {a.totpCode(secret, 0)}}); res.Code != http.StatusSeeOther {
		t.Fatalf("after the wait: %d", res.Code)
	}
}

func TestPendingLoginExpiresAndEndsWithThePassword(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.register("tess")
	secret, _ := c.enableTOTP("")
	d := a.client()
	d.passwordStep("tess")
	// A password change (elsewhere) voids the pending login.
	if res := c.post("/settings/password", url.Values{"current_password": {"correct horse"}, "new_password": {"another horse"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("change password: %d", res.Code)
	}
	if who := c.signedIn(); who != "tess" {
		t.Fatalf("after changing the password, this browser is %q", who)
	}
	res := d.post("/login/2fa", url.Values{"code": {a.totpCode(secret, 1)}})
	if res.Code != http.StatusSeeOther || res.Location != "/login" {
		t.Fatalf("second factor after a password change: %d %q", res.Code, res.Location)
	}
	if who := d.signedIn(); who != "" {
		t.Fatalf("logged in as %q", who)
	}
	// Cancelling drops it.
	e := a.client()
	if res := e.post("/login", url.Values{"username": {"tess"}, "password": {"another horse"}}); res.Location != "/login/2fa" {
		t.Fatalf("password step: %d %q", res.Code, res.Location)
	}
	if res := e.post("/logout/pending", nil); res.Code != http.StatusSeeOther {
		t.Fatalf("cancel: %d", res.Code)
	}
	if res := e.get("/login/2fa"); res.Code != http.StatusSeeOther || res.Location != "/login" {
		t.Fatalf("second-factor page after cancelling: %d %q", res.Code, res.Location)
	}
}

func TestPasswordResetStillAsksForTheSecondFactor(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.register("tess")
	secret, _ := c.enableTOTP("")
	v := a.client()
	if res := v.post("/password/forgot", url.Values{"email": {"tess@example.com"}}); res.Code != http.StatusOK {
		t.Fatalf("forgot: %d", res.Code)
	}
	link := a.outboxLink("tess@example.com", "/password/reset/")
	res := v.post(link, url.Values{"password": {"brand new horse"}, "password_confirm": {"brand new horse"}})
	if res.Code != http.StatusSeeOther || res.Location != "/login/2fa" {
		t.Fatalf("reset: %d %q", res.Code, res.Location)
	}
	if who := v.signedIn(); who != "" {
		t.Fatalf("a reset link alone logged in as %q", who)
	}
	if res := v.post("/login/2fa", url.Values{"code": {a.totpCode(secret, 1)}}); res.Code != http.StatusSeeOther || res.Location != "/" {
		t.Fatalf("second factor after reset: %d %q", res.Code, res.Location)
	}
	mustContain(t, v.get("/").Body, "Your password is changed")
}

func TestDraftSurvivesTheSecondFactor(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.register("tess")
	thread := c.ask("Router reboots itself every night")
	secret, _ := c.enableTOTP("")
	// The session ends elsewhere; an answer sent then comes back on the login page.
	if res := c.post("/logout/all", nil); res.Code != http.StatusSeeOther {
		t.Fatalf("log out everywhere: %d", res.Code)
	}
	body := "Turn off the nightly maintenance window in the router's settings."
	res := c.post("/t/"+itoa(threadID(thread))+"/answers", url.Values{"body": {body}})
	if res.Code != http.StatusUnauthorized {
		t.Fatalf("answer without a session: %d", res.Code)
	}
	f := url.Values{"username": {"tess"}, "password": {"correct horse"}, "draft_action": {"/t/" + itoa(threadID(thread)) + "/answers"}, "draft_body": {body}}
	res = c.post("/login", f)
	if res.Code != http.StatusOK || !strings.Contains(res.Body, `name="draft_body"`) {
		t.Fatalf("password step with a draft: %d %s", res.Code, res.Body)
	}
	res = c.post("/login/2fa", url.Values{"code": {a.totpCode(secret, 1)}, "draft_action": {"/t/" + itoa(threadID(thread)) + "/answers"}, "draft_body": {body}})
	if res.Code != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/t/"+itoa(threadID(thread))) {
		t.Fatalf("second factor with a draft: %d %q", res.Code, res.Location)
	}
	mustContain(t, c.follow(res).Body, "ready to send", "nightly maintenance window")
}

// staffRouteTable is every staff route of the real route table, as routes
// registers it (method, path with its parameters, permission).
func staffRouteTable(t *testing.T) []staffRouteKey {
	t.Helper()
	ctx := context.Background()
	store, err := models.Open(ctx, testdb.Location(t, "routes.db"), withFilesDir(t, models.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	h, e, err := newHandler(ctx, Config{BaseURL: "http://forum.test"}, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	var out []staffRouteKey
	for _, r := range e.Routes() {
		if p, ok := h.staffRoutes[routeKey(r.Method, r.Path)]; ok {
			out = append(out, staffRouteKey{method: r.Method, path: r.Path, perm: p})
		}
	}
	if len(out) != len(h.staffRoutes) || len(out) < 40 {
		t.Fatalf("%d staff routes in the table, %d registered", len(out), len(h.staffRoutes))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].method+out[i].path < out[j].method+out[j].path })
	return out
}

type staffRouteKey struct {
	method, path string
	perm         models.Permission
}

// concrete fills a route's parameters.
func (r staffRouteKey) concrete() string {
	return regexp.MustCompile(`:[a-z]+`).ReplaceAllStringFunc(r.path, func(p string) string {
		if p == ":chart" {
			return "responsiveness.csv"
		}
		return "1"
	})
}

// TestSecondFactorCannotBeBypassedOnAnyStaffRoute calls every staff route
// of the route table with a browser that passed the password step only
// (an admin's and a moderator's, whose roles may do everything there), and
// with a full session of staff who must have a second factor and have none.
func TestSecondFactorCannotBeBypassedOnAnyStaffRoute(t *testing.T) {
	routes := staffRouteTable(t)
	a := newApp(t)
	ctx := context.Background()
	boss := a.roleClient("boss", models.RoleAdmin)
	if res := boss.post("/admin/settings", adminSettings(url.Values{"require_2fa": {"moderators"}})); res.Code != http.StatusSeeOther {
		t.Fatalf("require 2FA: %d %s", res.Code, res.Body)
	}
	boss.enableTOTP("")
	for _, role := range []models.Role{models.RoleAdmin, models.RoleModerator, models.RoleAmbassador} {
		name := "x" + string(role)
		c := a.roleClient(name, role)
		c.enableTOTP("")
		pending := a.client()
		pending.passwordStep(name)
		before, _ := a.store.ModLog(ctx, 1)
		for _, r := range routes {
			var res *response
			if r.method == http.MethodGet {
				res = pending.get(r.concrete())
			} else {
				res = pending.post(r.concrete(), url.Values{"reason": {"bypass"}, "days": {"1"}, "role": {"member"}})
			}
			if res.Code != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/login") {
				t.Errorf("%s %s with the password step only (%s): %d %q", r.method, r.path, role, res.Code, res.Location)
			}
		}
		after, _ := a.store.ModLog(ctx, 1)
		if len(after.Entries) != len(before.Entries) {
			t.Errorf("%s: the password step alone wrote %d audit lines", role, len(after.Entries)-len(before.Entries))
		}
		// Nor is it a member's session.
		if res := pending.get("/settings"); res.Code != http.StatusSeeOther {
			t.Errorf("%s: settings with the password step only: %d", role, res.Code)
		}
	}
	// Staff who must have a second factor and have none are sent to set
	// one up from every staff route; an ambassador (not required) is not.
	mod := a.roleClient("newmod", models.RoleModerator)
	for _, r := range routes {
		var res *response
		if r.method == http.MethodGet {
			res = mod.get(r.concrete())
		} else {
			res = mod.post(r.concrete(), url.Values{"reason": {"bypass"}})
		}
		if res.Code != http.StatusSeeOther || res.Location != "/settings/security" {
			t.Errorf("%s %s, moderator without a second factor: %d %q", r.method, r.path, res.Code, res.Location)
		}
	}
	mustContain(t, mod.get("/settings/security").Body, "Set up two-factor authentication to use the staff pages", "Your role must use two-factor authentication")
	if got := a.auditedBy("newmod"); len(got) != 0 {
		t.Errorf("moderator without a second factor wrote audit lines: %v", got)
	}
	amb := a.roleClient("amb", models.RoleAmbassador)
	if res := amb.get("/mod/flags"); res.Code != http.StatusOK {
		t.Errorf("ambassador (not required) on a staff page: %d", res.Code)
	}
	// Once set up, the moderator's pages work.
	mod.enableTOTP("")
	if res := mod.get("/mod/flags"); res.Code != http.StatusOK {
		t.Errorf("moderator with a second factor: %d", res.Code)
	}
	// "All staff" takes in ambassadors too.
	if res := boss.post("/admin/settings", adminSettings(url.Values{"require_2fa": {"staff"}})); res.Code != http.StatusSeeOther {
		t.Fatalf("require 2FA of all staff: %d", res.Code)
	}
	if res := amb.get("/mod/flags"); res.Code != http.StatusSeeOther || res.Location != "/settings/security" {
		t.Errorf("ambassador when all staff must: %d %q", res.Code, res.Location)
	}
}

func TestSecurityPageUnlocksWithThePassword(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.register("una")
	secret, _ := c.enableTOTP("")
	page := c.get("/settings/security").Body
	mustContain(t, page, `action="/settings/security/confirm"`)
	mustNotContain(t, page, `action="/settings/2fa/totp/off"`, `action="/settings/2fa/recovery"`)
	if res := c.post("/settings/2fa/totp/off", nil); res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("remove the app while locked: %d", res.Code)
	}
	res := c.post("/settings/security/confirm", url.Values{"password": {"wrong"}})
	if res.Code != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "That is not your password.") {
		t.Fatalf("unlock with a wrong password: %d", res.Code)
	}
	if res := c.post("/settings/security/confirm", url.Values{"password": {"correct horse"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("unlock: %d", res.Code)
	}
	mustContain(t, c.get("/settings/security").Body, `action="/settings/2fa/totp/off"`, `action="/settings/2fa/recovery"`)
	// Another browser of the member is still locked.
	d := a.client()
	d.passwordStep("una")
	if res := d.get("/settings/security"); res.Code != http.StatusSeeOther {
		t.Fatalf("a pending login on the security page: %d", res.Code)
	}
	if res := d.post("/login/2fa", url.Values{"code": {a.totpCode(secret, 1)}}); res.Code != http.StatusSeeOther {
		t.Fatalf("second factor: %d", res.Code)
	}
	mustContain(t, d.get("/settings/security").Body, `action="/settings/security/confirm"`)
	// It counts for minutes.
	a.advance(reauthTTL + time.Minute)
	if res := c.post("/settings/2fa/recovery", nil); res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("new codes after the unlock expired: %d", res.Code)
	}
	a.skew.Store(0)
	c.post("/settings/security/confirm", url.Values{"password": {"correct horse"}})
	if res := c.post("/settings/2fa/totp/off", nil); res.Code != http.StatusSeeOther {
		t.Fatalf("remove the app when unlocked: %d", res.Code)
	}
	if f, _ := a.store.SecondFactors(context.Background(), a.userID("una")); f.Any() {
		t.Fatal("the app is still there")
	}
}

func (a *testApp) userID(name string) int64 {
	a.t.Helper()
	u, err := a.store.UserByUsername(context.Background(), name)
	if err != nil {
		a.t.Fatal(err)
	}
	return u.ID
}

// TestUnprovedStaffActAsMembers: a staff session not proved as the
// settings ask (no second factor yet while the role must have one; a
// password session while staff must use company sign-in) is refused the
// staff pages, and everywhere else acts as a member's: it does not read a
// private category, edit, delete or accept another member's post. Once
// proved, the same account does.
func TestUnprovedStaffActAsMembers(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	boss := a.roleClient("boss", models.RoleAdmin)
	boss.enableTOTP("")
	if res := boss.post("/admin/categories", url.Values{"name": {"Partners"}, "group": {"partners"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("create category: %d", res.Code)
	}
	asker, helper := a.client(), a.client()
	asker.register("asker")
	helper.register("helper")
	thread := asker.ask("Router reboots itself every night")
	answerID := atoi(helper.answer(thread, "Turn off the nightly maintenance window."))
	th, err := a.store.Thread(ctx, threadID(thread))
	if err != nil {
		t.Fatal(err)
	}
	private := boss.askIn("partners", "Partner pricing for the new routers", "The partner price list for the new routers, not for members.")

	if res := boss.post("/admin/settings", adminSettings(url.Values{"require_2fa": {"moderators"}})); res.Code != http.StatusSeeOther {
		t.Fatalf("require 2FA: %d %s", res.Code, res.Body)
	}
	mod := a.roleClient("newmod", models.RoleModerator)
	check := func(stage string, proved bool) {
		t.Helper()
		if res := mod.get(private); (res.Code == http.StatusOK) != proved || strings.Contains(res.Body, "partner price list") != proved {
			t.Errorf("%s: private thread %d (shown: %v), want shown %v", stage, res.Code, strings.Contains(res.Body, "partner price list"), proved)
		}
		edited := mod.post("/p/"+itoa(answerID)+"/edit", url.Values{"body": {"Edited by " + stage + "."}})
		p, err := a.store.Post(ctx, answerID)
		if err != nil {
			t.Fatal(err)
		}
		if (p.BodyMD == "Edited by "+stage+".") != proved {
			t.Errorf("%s: edit of another's answer: %d, stored %q; want it stored: %v", stage, edited.Code, p.BodyMD, proved)
		}
		if proved {
			return
		}
		if res := mod.post("/p/"+itoa(answerID)+"/accept", nil); res.Code < 400 {
			if got, _ := a.store.Thread(ctx, th.ID); got.AcceptedID != 0 {
				t.Errorf("%s: accepted another's answer (%d)", stage, res.Code)
			}
		}
		mod.post("/p/"+itoa(answerID)+"/delete", nil)
		if p, err := a.store.Post(ctx, answerID); err != nil || p.Deleted {
			t.Errorf("%s: deleted another's answer (%v)", stage, err)
		}
		if res := mod.get("/mod/flags"); res.Code != http.StatusSeeOther || res.Location != "/settings/security" {
			t.Errorf("%s: a staff page: %d %q, want the way to set up a second factor", stage, res.Code, res.Location)
		}
	}
	check("a moderator without a second factor", false)
	// The header still leads to the staff pages, which ask for the proof.
	mustContain(t, mod.get("/").Body, `href="/mod/flags">Moderation</a>`)
	mustContain(t, mod.get("/settings/security").Body, "Your role must use two-factor authentication")
	mod.enableTOTP("")
	check("the moderator with a second factor", true)
}
