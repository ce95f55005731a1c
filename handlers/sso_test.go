package handlers

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models"
)

// newSSOApp serves a forum whose company sign-in is the test provider.
func newSSOApp(t *testing.T, cfg SSOConfig) (*testApp, *testOP) {
	t.Helper()
	o := newTestOP(t)
	cfg.Issuer, cfg.ClientID, cfg.ClientSecret = o.srv.URL, testClientID, testClientSecret
	if cfg.Ambassador == "" {
		cfg.Ambassador = "groups=community-ambassadors"
	}
	if cfg.Moderator == "" {
		cfg.Moderator = "groups=community-moderators"
	}
	a := newAppWith(t, testdb.Location(t, "test.db"), Config{SSO: cfg})
	return a, o
}

// ssoAccount is the account an identity at the test provider is linked to.
func (a *testApp) ssoAccount(subject string) *models.User {
	a.t.Helper()
	u, err := a.store.UserByIdentity(context.Background(), a.issuer(), subject)
	if err != nil {
		a.t.Fatalf("account of %s: %v", subject, err)
	}
	return u
}

// issuer is the test provider's issuer: the one identity on every account here.
func (a *testApp) issuer() string {
	a.t.Helper()
	var issuer string
	a.scanRow(`SELECT issuer FROM user_identities LIMIT 1`, nil, &issuer)
	return issuer
}

// scanRow reads one row straight from the database.
func (a *testApp) scanRow(q string, args []any, dest ...any) {
	a.t.Helper()
	db := testdb.Raw(a.t, a.store.Path())
	defer db.Close()
	if err := db.QueryRow(q, args...).Scan(dest...); err != nil {
		a.t.Fatal(err)
	}
}

// signedIn reports the username the browser is logged in as, "" for a visitor.
func (c *client) signedIn() string {
	c.app.t.Helper()
	res := c.get("/settings")
	if res.Code != http.StatusOK {
		return ""
	}
	m := regexp.MustCompile(`your username, ([^.<]+)\.`).FindStringSubmatch(res.Body)
	if m == nil {
		c.app.t.Fatalf("settings page names no username: %s", res.Body)
	}
	return m[1]
}

func TestSSOSignsUpANewMemberWhoChoosesAUsername(t *testing.T) {
	a, o := newSSOApp(t, SSOConfig{})
	o.addUser(testOPUser{Subject: "u-100", Email: "Alice.Smith@corp.example", EmailVerified: true, Name: "Alice Smith", PreferredUsername: "alice smith"})
	c := a.client()
	// The login page offers the button.
	mustContain(t, c.get("/login").Body, `action="/sso/start"`, DefaultSSOButton)
	res := o.signIn(c, "u-100", "/leaderboard")
	if res.Code != http.StatusSeeOther || res.Location != "/sso/signup" {
		t.Fatalf("callback: %d %q %s", res.Code, res.Location, res.Body)
	}
	page := c.get("/sso/signup")
	mustContain(t, page.Body, "Choose your username", "Alice.Smith@corp.example", `value="alice.smith"`)
	// Nothing is made before the username is chosen, and nobody is logged in.
	if _, err := a.store.UserByUsername(context.Background(), "alice.smith"); err == nil {
		t.Fatal("an account was made before the username was chosen")
	}
	if who := c.signedIn(); who != "" {
		t.Fatalf("logged in as %q before choosing a username", who)
	}
	// CSRF is checked; a bad username comes back with what was typed.
	if res := c.post("/sso/signup", url.Values{"username": {"alice"}, "_csrf": {"forged"}}); res.Code != http.StatusForbidden {
		t.Fatalf("forged sign-up: %d", res.Code)
	}
	res = c.post("/sso/signup", url.Values{"username": {"a!"}})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad username: %d", res.Code)
	}
	mustContain(t, res.Body, `value="a!"`, "Use 3–30 letters")
	res = c.post("/sso/signup", url.Values{"username": {"alice"}})
	if res.Code != http.StatusSeeOther || res.Location != "/leaderboard" {
		t.Fatalf("sign-up: %d %q %s", res.Code, res.Location, res.Body)
	}
	if who := c.signedIn(); who != "alice" {
		t.Fatalf("logged in as %q", who)
	}
	u := a.ssoAccount("u-100")
	if u.Username != "alice" || u.Email != "Alice.Smith@corp.example" || !u.EmailVerified() || u.DisplayName != "Alice Smith" || u.Role != models.RoleMember {
		t.Fatalf("account: %+v", u)
	}
	// No password: the login form refuses any.
	if res := a.client().post("/login", url.Values{"username": {"alice"}, "password": {""}}); res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("password login of an SSO account: %d", res.Code)
	}
	// The pending identity was used once: sending the form again does nothing.
	if res := c.post("/sso/signup", url.Values{"username": {"alice2"}}); res.Code != http.StatusBadRequest {
		t.Fatalf("second sign-up with the same identity: %d", res.Code)
	}
	// The next sign-in, from another browser, logs straight in.
	d := a.client()
	if res := o.signIn(d, "u-100", "/"); res.Code != http.StatusSeeOther || res.Location != "/" {
		t.Fatalf("second sign-in: %d %q", res.Code, res.Location)
	}
	if who := d.signedIn(); who != "alice" {
		t.Fatalf("second sign-in as %q", who)
	}
	mustContain(t, d.get("/settings/security").Body, "Company sign-in", "Alice.Smith@corp.example")
}

func TestSSOWrongStateIsRefused(t *testing.T) {
	a, o := newSSOApp(t, SSOConfig{})
	o.addUser(testOPUser{Subject: "u-1", Email: "sam@corp.example", EmailVerified: true, PreferredUsername: "sam"})
	c := a.client()
	path := o.callbackPath(c, "u-1", "/")
	u, _ := url.Parse(path)
	q := u.Query()
	good := q.Get("state")
	q.Set("state", good[:len(good)-1]+"x")
	if res := c.get("/sso/callback?" + q.Encode()); res.Code != http.StatusBadRequest || !a.logged("state does not match") {
		t.Fatalf("wrong state: %d", res.Code)
	}
	// Another browser (an attacker sending their own callback to a victim, or
	// the victim's to theirs) has no cookie with the state.
	other := a.client()
	if res := other.get(path); res.Code != http.StatusBadRequest {
		t.Fatalf("callback in another browser: %d", res.Code)
	}
	q.Del("state")
	if res := c.get("/sso/callback?" + q.Encode()); res.Code != http.StatusBadRequest {
		t.Fatalf("no state: %d", res.Code)
	}
	if who := other.signedIn(); who != "" {
		t.Fatal("another browser was signed in")
	}
	// The forged attempts did not spoil the real one.
	if res := c.get(path); res.Code != http.StatusSeeOther || res.Location != "/sso/signup" {
		t.Fatalf("the real callback after forged ones: %d %q %s", res.Code, res.Location, res.Body)
	}
}

func TestSSOReplayedCodeIsRefused(t *testing.T) {
	a, o := newSSOApp(t, SSOConfig{})
	o.addUser(testOPUser{Subject: "u-1", Email: "sam@corp.example", EmailVerified: true, PreferredUsername: "sam"})
	c := a.client()
	path := o.callbackPath(c, "u-1", "/")
	if res := c.get(path); res.Code != http.StatusSeeOther || res.Location != "/sso/signup" {
		t.Fatalf("callback: %d %q", res.Code, res.Location)
	}
	if res := c.post("/sso/signup", url.Values{"username": {"sam"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("sign-up: %d", res.Code)
	}
	// The same callback again: its state was used.
	if res := c.get(path); res.Code != http.StatusBadRequest {
		t.Fatalf("replayed callback: %d", res.Code)
	}
	// The code with the state of a fresh sign-in in another browser: the
	// state is right, but the provider refuses a code it already traded
	// (and the PKCE verifier is another's).
	old, _ := url.Parse(path)
	thief := a.client()
	fresh, _ := url.Parse(o.callbackPath(thief, "u-1", "/"))
	q := fresh.Query()
	q.Set("code", old.Query().Get("code"))
	res := thief.get("/sso/callback?" + q.Encode())
	if res.Code != http.StatusForbidden {
		t.Fatalf("replayed code: %d %s", res.Code, res.Body)
	}
	mustContain(t, res.Body, "could not be checked")
	if !a.logged(`invalid_grant`) {
		t.Fatal("the replayed code was not refused by the provider")
	}
	if who := thief.signedIn(); who != "" {
		t.Fatalf("a replayed code logged in as %q", who)
	}
}

func TestSSOWrongAudienceIsRefused(t *testing.T) {
	a, o := newSSOApp(t, SSOConfig{})
	o.addUser(testOPUser{Subject: "u-1", Email: "sam@corp.example", EmailVerified: true, PreferredUsername: "sam"})
	o.issueTo = "another-application"
	c := a.client()
	res := o.signIn(c, "u-1", "/")
	if res.Code != http.StatusForbidden || !a.logged(`oidc: expected audience \"`+testClientID+`\"`) {
		t.Fatalf("token for another audience: %d %s", res.Code, res.Body)
	}
	// Also when ours is one of several but another party is the one it was issued to.
	o.audience = []string{testClientID}
	if res := o.signIn(c, "u-1", "/"); res.Code != http.StatusForbidden || !a.logged("issued to another party (azp)") {
		t.Fatalf("token with our client among others, azp another: %d", res.Code)
	}
	if who := c.signedIn(); who != "" {
		t.Fatalf("signed in as %q", who)
	}
	if n, _ := a.store.CountUsers(context.Background()); n != 0 {
		t.Fatalf("%d accounts made", n)
	}
}

func TestSSOExpiredTokenIsRefused(t *testing.T) {
	a, o := newSSOApp(t, SSOConfig{})
	o.addUser(testOPUser{Subject: "u-1", Email: "sam@corp.example", EmailVerified: true, PreferredUsername: "sam"})
	o.idTokenLifetime = time.Minute
	c := a.client()
	path := o.callbackPath(c, "u-1", "/")
	// The answer arrives after the ID token expired (but within the time a
	// sign-in may take).
	a.advance(5 * time.Minute)
	res := c.get(path)
	if res.Code != http.StatusForbidden || !a.logged("token is expired") {
		t.Fatalf("expired token: %d %s", res.Code, res.Body)
	}
	if who := c.signedIn(); who != "" {
		t.Fatalf("signed in as %q", who)
	}
	// A fresh token works.
	a.skew.Store(0)
	if res := o.signIn(c, "u-1", "/"); res.Code != http.StatusSeeOther || res.Location != "/sso/signup" {
		t.Fatalf("fresh token: %d %q", res.Code, res.Location)
	}
}

func TestSSOSignInTakesTooLong(t *testing.T) {
	a, o := newSSOApp(t, SSOConfig{})
	o.addUser(testOPUser{Subject: "u-1", Email: "sam@corp.example", EmailVerified: true, PreferredUsername: "sam"})
	c := a.client()
	path := o.callbackPath(c, "u-1", "/")
	a.advance(ssoStartTTL + time.Minute)
	if res := c.get(path); res.Code != http.StatusBadRequest {
		t.Fatalf("callback after the sign-in expired: %d", res.Code)
	}
}

func TestSSOClaimsGrantAndRevokeRoles(t *testing.T) {
	a, o := newSSOApp(t, SSOConfig{})
	ctx := context.Background()
	o.addUser(testOPUser{Subject: "emp-7", Email: "dana@northwind.example", EmailVerified: true, PreferredUsername: "dana",
		Groups: []string{"staff", "community-ambassadors"}})
	c := a.client()
	o.signIn(c, "emp-7", "/")
	if res := c.post("/sso/signup", url.Values{"username": {"dana"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("sign-up: %d", res.Code)
	}
	if u := a.ssoAccount("emp-7"); u.Role != models.RoleAmbassador {
		t.Fatalf("role after sign-up in the ambassadors' group: %s", u.Role)
	}
	if res := c.get("/insights"); res.Code != http.StatusOK {
		t.Fatalf("ambassador's insights: %d", res.Code)
	}
	// The group grants moderator now: the more trusted role wins.
	o.update("emp-7", func(u *testOPUser) { u.Groups = []string{"community-moderators", "community-ambassadors"} })
	o.signIn(a.client(), "emp-7", "/")
	if u := a.ssoAccount("emp-7"); u.Role != models.RoleModerator {
		t.Fatalf("role with the moderators' group: %s", u.Role)
	}
	// The employee leaves the groups: the next sign-in takes the role back.
	o.update("emp-7", func(u *testOPUser) { u.Groups = []string{"staff"} })
	d := a.client()
	o.signIn(d, "emp-7", "/")
	if u := a.ssoAccount("emp-7"); u.Role != models.RoleMember {
		t.Fatalf("role after leaving the groups: %s", u.Role)
	}
	if res := d.get("/insights"); res.Code != http.StatusForbidden {
		t.Fatalf("former ambassador's insights: %d", res.Code)
	}
	admin := a.roleClient("boss", models.RoleAdmin)
	log := admin.get("/mod/log").Body
	mustContain(t, log, "company sign-in", "Granted a role through company sign-in", "Revoked a role granted through company sign-in",
		"ambassador (groups=community-ambassadors)", "moderator (groups=community-moderators)")
	// A role an admin gives is the admin's: the provider does not take it.
	dana := a.ssoAccount("emp-7")
	if res := admin.post("/mod/users/"+itoa(dana.ID)+"/role", url.Values{"role": {"ambassador"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("admin grants ambassador: %d", res.Code)
	}
	o.signIn(a.client(), "emp-7", "/")
	if u := a.ssoAccount("emp-7"); u.Role != models.RoleAmbassador {
		t.Fatalf("role an admin gave, after a sign-in without the claim: %s", u.Role)
	}
	// An email domain the provider vouches for can grant the role too; an
	// unverified address on that domain cannot.
	b, o2 := newSSOApp(t, SSOConfig{Ambassador: "email_domain=northwind.example"})
	o2.addUser(testOPUser{Subject: "e1", Email: "eve@northwind.example", EmailVerified: true, PreferredUsername: "eve"})
	o2.signIn(b.client(), "e1", "/")
	e := b.client()
	o2.signIn(e, "e1", "/")
	if res := e.post("/sso/signup", url.Values{"username": {"eve"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("eve's sign-up: %d", res.Code)
	}
	if u, _ := b.store.UserByUsername(ctx, "eve"); u.Role != models.RoleAmbassador {
		t.Fatalf("role by verified email domain: %s", u.Role)
	}
}

func TestSSOLinksAnExistingMemberOnlyWithVerifiedEmailAndPassword(t *testing.T) {
	a, o := newSSOApp(t, SSOConfig{})
	ctx := context.Background()
	bob := a.client()
	bob.register("bob") // bob@example.com, confirmed
	// The provider says it has not verified the address: never linked.
	o.addUser(testOPUser{Subject: "b-1", Email: "bob@example.com", EmailVerified: false, PreferredUsername: "bob"})
	c := a.client()
	res := o.signIn(c, "b-1", "/")
	if res.Code != http.StatusForbidden {
		t.Fatalf("unverified address: %d %s", res.Code, res.Body)
	}
	mustContain(t, res.Body, "has not verified your email address")
	u, _ := a.store.UserByUsername(ctx, "bob")
	if ids, _ := a.store.Identities(ctx, u.ID); len(ids) != 0 {
		t.Fatalf("linked on an unverified address: %+v", ids)
	}
	if who := c.signedIn(); who != "" {
		t.Fatalf("signed in as %q on an unverified address", who)
	}
	// Verified: the owner confirms with the account's password first.
	o.update("b-1", func(u *testOPUser) { u.EmailVerified = true })
	res = o.signIn(c, "b-1", "/kb")
	if res.Code != http.StatusSeeOther || res.Location != "/sso/link" {
		t.Fatalf("verified address: %d %q", res.Code, res.Location)
	}
	mustContain(t, c.get("/sso/link").Body, "Connect your company sign-in", "bob@example.com", "Password of bob")
	if ids, _ := a.store.Identities(ctx, u.ID); len(ids) != 0 {
		t.Fatal("linked before the password was given")
	}
	if res := c.post("/sso/link", url.Values{"password": {"wrong password"}}); res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("wrong password: %d", res.Code)
	}
	if res := c.post("/sso/link", url.Values{"password": {"correct horse"}, "_csrf": {"forged"}}); res.Code != http.StatusForbidden {
		t.Fatalf("forged link: %d", res.Code)
	}
	res = c.post("/sso/link", url.Values{"password": {"correct horse"}})
	if res.Code != http.StatusSeeOther || res.Location != "/kb" {
		t.Fatalf("link: %d %q %s", res.Code, res.Location, res.Body)
	}
	if who := c.signedIn(); who != "bob" {
		t.Fatalf("signed in as %q", who)
	}
	if got := a.ssoAccount("b-1"); got.ID != u.ID {
		t.Fatalf("linked to %d, want %d", got.ID, u.ID)
	}
	// Later sign-ins go straight in, even if the provider stops vouching for
	// the address: the link is by subject.
	o.update("b-1", func(u *testOPUser) { u.EmailVerified = false })
	d := a.client()
	if res := o.signIn(d, "b-1", "/"); res.Code != http.StatusSeeOther || res.Location != "/" {
		t.Fatalf("linked sign-in: %d %q", res.Code, res.Location)
	}
	// A new person with an unverified address gets no account either.
	o.addUser(testOPUser{Subject: "n-1", Email: "new@corp.example", EmailVerified: false})
	if res := o.signIn(a.client(), "n-1", "/"); res.Code != http.StatusForbidden {
		t.Fatalf("new person, unverified address: %d", res.Code)
	}
}

func TestSSORequireConditionAndDisabledSSO(t *testing.T) {
	a, o := newSSOApp(t, SSOConfig{Require: "groups=staff"})
	o.addUser(testOPUser{Subject: "x", Email: "x@corp.example", EmailVerified: true, PreferredUsername: "xavier"})
	if res := o.signIn(a.client(), "x", "/"); res.Code != http.StatusForbidden {
		t.Fatalf("outside the allowed group: %d", res.Code)
	}
	o.update("x", func(u *testOPUser) { u.Groups = []string{"staff"} })
	if res := o.signIn(a.client(), "x", "/"); res.Code != http.StatusSeeOther || res.Location != "/sso/signup" {
		t.Fatalf("in the allowed group: %d %q", res.Code, res.Location)
	}
	// Without an issuer there is no button and the routes are not there.
	plain := newApp(t)
	c := plain.client()
	mustNotContain(t, c.get("/login").Body, "/sso/start")
	for _, p := range []string{"/sso/callback?state=x&code=y", "/sso/link", "/sso/signup"} {
		if res := c.get(p); res.Code != http.StatusNotFound {
			t.Errorf("GET %s without SSO: %d", p, res.Code)
		}
	}
	if res := c.post("/sso/start", nil); res.Code != http.StatusNotFound {
		t.Errorf("POST /sso/start without SSO: %d", res.Code)
	}
}

func TestStaffMustUseSSO(t *testing.T) {
	a, o := newSSOApp(t, SSOConfig{})
	ctx := context.Background()
	admin := a.roleClient("boss", models.RoleAdmin)
	mod := a.roleClient("mod", models.RoleModerator) // a password session from before the setting
	member := a.client()
	member.register("member")
	// The setting cannot be turned on where nobody could sign in by SSO.
	plain := newApp(t)
	padmin := plain.roleClient("boss", models.RoleAdmin)
	res := padmin.post("/admin/settings", adminSettings(url.Values{"staff_sso": {"1"}}))
	if res.Code != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Company sign-in is not configured") {
		t.Fatalf("staff SSO without SSO: %d", res.Code)
	}
	if res := admin.post("/admin/settings", adminSettings(url.Values{"staff_sso": {"1"}})); res.Code != http.StatusSeeOther {
		t.Fatalf("turn on staff SSO: %d %s", res.Code, res.Body)
	}
	if s, _ := a.store.SiteSettings(ctx); !s.StaffSSO {
		t.Fatal("setting not saved")
	}
	// Staff password logins are refused (with the way in), members' are not.
	res = a.client().post("/login", url.Values{"username": {"mod"}, "password": {"correct horse"}})
	if res.Code != http.StatusForbidden {
		t.Fatalf("moderator's password login: %d", res.Code)
	}
	mustContain(t, res.Body, "Staff accounts log in with company sign-in", `action="/sso/start"`)
	a.client().login("member")
	// A staff session that began with a password no longer opens staff pages.
	res = mod.get("/mod/flags")
	if res.Code != http.StatusForbidden {
		t.Fatalf("password session on a staff page: %d", res.Code)
	}
	mustContain(t, res.Body, "Staff pages need company sign-in", `name="next" value="/mod/flags"`)
	if res := mod.post("/mod/users/1/suspend", url.Values{"days": {"1"}, "reason": {"x"}}); res.Code != http.StatusForbidden {
		t.Fatalf("password session posting a staff action: %d", res.Code)
	}
	// Nor does it act as staff anywhere else: another member's question
	// cannot be edited or deleted through it.
	question := member.ask("Router reboots itself every night")
	th, err := a.store.Thread(ctx, threadID(question))
	if err != nil {
		t.Fatal(err)
	}
	mod.post("/p/"+itoa(th.QuestionID)+"/edit", url.Values{"title": {"Edited by a password session"}, "body": {"Edited by a password session."}})
	mod.post("/p/"+itoa(th.QuestionID)+"/delete", nil)
	if p, err := a.store.Post(ctx, th.QuestionID); err != nil || p.Deleted || strings.Contains(p.BodyMD, "password session") {
		t.Fatalf("a staff password session changed a member's question: %+v %v", p, err)
	}
	// Company sign-in: linked by the verified address and the password once.
	o.addUser(testOPUser{Subject: "m-1", Email: "mod@example.com", EmailVerified: true, Groups: []string{"community-moderators"}})
	if res := o.signIn(mod, "m-1", "/mod/flags"); res.Location != "/sso/link" {
		t.Fatalf("moderator's sign-in: %d %q", res.Code, res.Location)
	}
	if res := mod.post("/sso/link", url.Values{"password": {"correct horse"}}); res.Code != http.StatusSeeOther || res.Location != "/mod/flags" {
		t.Fatalf("moderator links: %d %q", res.Code, res.Location)
	}
	if res := mod.get("/mod/flags"); res.Code != http.StatusOK {
		t.Fatalf("moderator by SSO on a staff page: %d", res.Code)
	}
	// The staff session lasts StaffSession, not a month.
	u, _ := a.store.UserByUsername(ctx, "mod")
	var expires int64
	a.scanRow(`SELECT MAX(expires_at) FROM sessions WHERE user_id = ?`, []any{u.ID}, &expires)
	if left := time.Until(time.Unix(expires, 0)); left > DefaultStaffSession+time.Minute || left < DefaultStaffSession-time.Hour {
		t.Fatalf("staff SSO session lasts %v", left)
	}
	// A reset link does not log staff in with a password either.
	if err := a.store.SetRole(ctx, "member", models.RoleAmbassador); err != nil {
		t.Fatal(err)
	}
	res = a.client().post("/login", url.Values{"username": {"member"}, "password": {"correct horse"}})
	if res.Code != http.StatusForbidden {
		t.Fatalf("ambassador's password login: %d", res.Code)
	}
}

func TestSSOConfirmsAccountDeletion(t *testing.T) {
	a, o := newSSOApp(t, SSOConfig{})
	ctx := context.Background()
	o.addUser(testOPUser{Subject: "d-1", Email: "dee@corp.example", EmailVerified: true, PreferredUsername: "dee"})
	o.addUser(testOPUser{Subject: "d-2", Email: "someone@corp.example", EmailVerified: true, PreferredUsername: "someone"})
	c := a.client()
	o.signIn(c, "d-1", "/")
	if res := c.post("/sso/signup", url.Values{"username": {"dee"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("sign-up: %d", res.Code)
	}
	// No password to confirm with: the company button instead.
	page := c.get("/settings/delete").Body
	mustContain(t, page, `name="confirm" value="1"`, DefaultSSOButton)
	mustNotContain(t, page, `id="f-password"`)
	if res := c.post("/settings/delete", url.Values{"posts": {"keep"}}); res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("delete unconfirmed: %d", res.Code)
	}
	// Another person's company account does not confirm it.
	res := c.get(o.callbackPathWith(c, "d-2", url.Values{"next": {"/settings/delete"}, "confirm": {"1"}}))
	if res.Code != http.StatusForbidden || !strings.Contains(res.Body, "not the one connected to your account") {
		t.Fatalf("confirm as someone else: %d %s", res.Code, res.Body)
	}
	if n, _ := a.store.CountUsers(ctx); n != 1 {
		t.Fatalf("a confirmation made an account: %d accounts", n)
	}
	res = c.get(o.callbackPathWith(c, "d-1", url.Values{"next": {"/settings/delete"}, "confirm": {"1"}}))
	if len(o.lastPrompt) != 1 || o.lastPrompt[0] != "login" {
		t.Fatalf("the provider was not asked for a fresh login: prompt %v", o.lastPrompt)
	}
	if res.Code != http.StatusSeeOther || res.Location != "/settings/delete" {
		t.Fatalf("confirm: %d %q %s", res.Code, res.Location, res.Body)
	}
	mustContain(t, c.get("/settings/delete").Body, "You confirmed it is you a moment ago")
	// The confirmation is this browser's: another session of the member has none.
	d := a.client()
	o.signIn(d, "d-1", "/")
	if res := d.post("/settings/delete", url.Values{"posts": {"keep"}}); res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("delete from another session: %d", res.Code)
	}
	// It lasts minutes.
	a.advance(reauthTTL + time.Minute)
	if res := c.post("/settings/delete", url.Values{"posts": {"keep"}}); res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("delete after the confirmation expired: %d", res.Code)
	}
	a.skew.Store(0)
	c.get(o.callbackPathWith(c, "d-1", url.Values{"next": {"/settings/delete"}, "confirm": {"1"}}))
	if res := c.post("/settings/delete", url.Values{"posts": {"keep"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("delete confirmed: %d %s", res.Code, res.Body)
	}
	if _, err := a.store.UserByIdentity(ctx, o.srv.URL, "d-1"); err == nil {
		t.Fatal("the identity still signs in after deletion")
	}
}

func TestSSOProviderRefusal(t *testing.T) {
	a, o := newSSOApp(t, SSOConfig{})
	c := a.client()
	path := o.callbackPath(c, "nobody", "/") // the provider knows no such person, but the test OP signs in anyone chosen
	u, _ := url.Parse(path)
	q := url.Values{"state": {u.Query().Get("state")}, "error": {"access_denied"}}
	res := c.get("/sso/callback?" + q.Encode())
	if res.Code != http.StatusForbidden || !strings.Contains(res.Body, "(access_denied)") {
		t.Fatalf("provider refused: %d %s", res.Code, res.Body)
	}
	// The state was used by that answer, and made-up text is not repeated.
	path = o.callbackPath(c, "nobody", "/")
	u, _ = url.Parse(path)
	q = url.Values{"state": {u.Query().Get("state")}, "error": {"<b>Call 555-0100 for help</b>"}}
	res = c.get("/sso/callback?" + q.Encode())
	if res.Code != http.StatusForbidden || strings.Contains(res.Body, "555-0100") {
		t.Fatalf("provider refusal with made-up text: %d", res.Code)
	}
	if res := c.get(path); res.Code != http.StatusBadRequest {
		t.Fatalf("the callback after its state was used: %d", res.Code)
	}
}
