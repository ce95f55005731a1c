package handlers

import (
	"context"
	"github.com/crowdcare/crowdcare/internal/testdb"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/mailer"
	"github.com/crowdcare/crowdcare/mailer/smtptest"
	"github.com/crowdcare/crowdcare/models"
)

// newMailApp is newApp with an in-process SMTP server that the mail
// worker's rounds (sendQueued) deliver to.
func newMailApp(t *testing.T) (*testApp, *smtptest.Server) {
	t.Helper()
	ctx := context.Background()
	smtpd := smtptest.Start(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	store, err := models.Open(ctx, testdb.Location(t, "mail.db"), withFilesDir(t, models.Options{PasswordCost: bcrypt.MinCost}))
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(ctx, Config{BaseURL: "http://forum.test"}, store, log)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(func() {
		srv.Close()
		store.Close()
	})
	return &testApp{t: t, srv: srv, store: store}, smtpd
}

// sendQueued runs one round of the mail worker against the test SMTP server.
func sendQueued(t *testing.T, a *testApp, smtpd *smtptest.Server) (mailer.Round, error) {
	t.Helper()
	m, err := mailer.New(mailer.Config{Host: "127.0.0.1", Port: smtpd.Port(), From: "Community <community@forum.test>", TLS: mailer.TLSNone},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return mailer.NewWorker(m, a.store, mailer.WorkerConfig{SiteName: "Crowdcare", BaseURL: "http://forum.test"}).RunOnce(context.Background())
}

var verifyLink = regexp.MustCompile(`http://forum\.test(/ambassador/verify\?token=[0-9a-f]+)`)

// linkIn finds the verification link in the n-th email, decoding quoted-printable.
func linkIn(t *testing.T, smtpd *smtptest.Server, n int) string {
	t.Helper()
	msgs := smtpd.Messages()
	if len(msgs) <= n {
		t.Fatalf("%d emails arrived, want more than %d", len(msgs), n)
	}
	body := strings.ReplaceAll(msgs[n].Data, "=\r\n", "")
	body = strings.ReplaceAll(body, "=3D", "=")
	m := verifyLink.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no verification link in:\n%s", msgs[n].Data)
	}
	return m[1]
}

func TestAmbassadorVerificationByEmail(t *testing.T) {
	a, smtpd := newMailApp(t)
	admin := a.roleClient("boss", models.RoleAdmin)
	if res := admin.post("/admin/settings", adminSettings(url.Values{"ambassador_domains": {"example-isp.com"}})); res.Code != http.StatusSeeOther {
		t.Fatalf("settings: %d %s", res.Code, res.Body)
	}
	staff, other := a.client(), a.client()
	staff.register("sam")
	other.register("mallory")
	// Signing up queues each a welcome; the worker sends them first.
	if r, err := sendQueued(t, a, smtpd); err != nil || r.Sent != 2 {
		t.Fatalf("welcomes: %+v, %v", r, err)
	}
	welcomes := len(smtpd.Messages())

	// A wrong domain is refused, keeps the input and sends nothing.
	res := staff.post("/settings/ambassador", url.Values{"work_email": {"sam@gmail.com"}})
	if res.Code != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `value="sam@gmail.com"`) {
		t.Fatalf("wrong domain: %d", res.Code)
	}
	mustContain(t, res.Body, "not on a company domain")
	if n := len(smtpd.Messages()) - welcomes; n != 0 {
		t.Fatalf("%d emails sent for a wrong domain", n)
	}

	if res := staff.post("/settings/ambassador", url.Values{"work_email": {"sam@example-isp.com"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("request: %d %s", res.Code, res.Body)
	}
	if r, err := sendQueued(t, a, smtpd); err != nil || r.Sent != 1 {
		t.Fatalf("mail worker: %+v, %v", r, err)
	}
	msgs := smtpd.Messages()
	if len(msgs) != welcomes+1 || msgs[welcomes].To[0] != "sam@example-isp.com" {
		t.Fatalf("emails: %+v", msgs)
	}
	link := linkIn(t, smtpd, welcomes)
	token := strings.TrimPrefix(link, "/ambassador/verify?token=")

	// Opening the link shows a confirmation; it changes nothing by itself.
	mustContain(t, staff.get(link).Body, "Confirm to become an ambassador as <strong>sam</strong>")
	if u, _ := a.store.UserByUsername(context.Background(), "sam"); u.Role != models.RoleMember {
		t.Fatalf("GET changed the role to %s", u.Role)
	}
	// Someone else cannot use it.
	other.post("/ambassador/verify", url.Values{"token": {token}})
	if u, _ := a.store.UserByUsername(context.Background(), "mallory"); u.Role != models.RoleMember {
		t.Fatalf("another account used the link: %s", u.Role)
	}
	// A visitor following the link is asked to log in first, and comes back to it.
	visit := a.client().get(link)
	if visit.Code != http.StatusSeeOther || !strings.Contains(visit.Location, url.QueryEscape(link)) {
		t.Fatalf("visitor: %d %q", visit.Code, visit.Location)
	}
	if res := staff.post("/ambassador/verify", url.Values{"token": {token}}); res.Code != http.StatusSeeOther || res.Location != "/u/sam" {
		t.Fatalf("verify: %d %q", res.Code, res.Location)
	}
	u, _ := a.store.UserByUsername(context.Background(), "sam")
	if u.Role != models.RoleAmbassador || u.WorkEmail != "sam@example-isp.com" {
		t.Fatalf("after verify: %s %q", u.Role, u.WorkEmail)
	}
	// Reused: refused with an explanation.
	res = staff.post("/ambassador/verify", url.Values{"token": {token}})
	mustContain(t, staff.get(res.Location).Body, "That link is not valid")
	mustContain(t, a.client().get("/ambassadors").Body, `href="/u/sam"`, "Example ISP Employee")
	mustContain(t, admin.get("/admin/ambassadors").Body, "sam@example-isp.com")
	mustContain(t, admin.get("/mod/log").Body, "Verified a work address and became an ambassador")
}

// TestAmbassadorLinkWhileSMTPIsDown: the mail server is down when a member
// asks for the link. Before, the member got a 500 while the token was stored
// and no mail was ever sent. Now the page says the link is on its way, and
// it arrives, once, when the server is back.
func TestAmbassadorLinkWhileSMTPIsDown(t *testing.T) {
	a, smtpd := newMailApp(t)
	admin := a.roleClient("boss", models.RoleAdmin)
	if res := admin.post("/admin/settings", adminSettings(url.Values{"ambassador_domains": {"example-isp.com"}})); res.Code != http.StatusSeeOther {
		t.Fatalf("settings: %d %s", res.Code, res.Body)
	}
	staff := a.roleClient("sam", models.RoleMember)
	smtpd.Down()
	res := staff.post("/settings/ambassador", url.Values{"work_email": {"sam@example-isp.com"}})
	if res.Code != http.StatusSeeOther {
		t.Fatalf("request with SMTP down: %d %s", res.Code, res.Body)
	}
	mustContain(t, staff.get(res.Location).Body, "A link to sam@example-isp.com is on its way")
	if r, err := sendQueued(t, a, smtpd); err == nil || r.Sent != 0 {
		t.Fatalf("mail worker with SMTP down: %+v, %v; want an error", r, err)
	}
	smtpd.Up()
	for range 3 {
		if _, err := sendQueued(t, a, smtpd); err != nil {
			t.Fatalf("mail worker with SMTP back: %v", err)
		}
	}
	if msgs := smtpd.Messages(); len(msgs) != 1 || msgs[0].To[0] != "sam@example-isp.com" {
		t.Fatalf("emails: %+v, want one to sam@example-isp.com", msgs)
	}
	link := linkIn(t, smtpd, 0)
	if res := staff.post("/ambassador/verify", url.Values{"token": {strings.TrimPrefix(link, "/ambassador/verify?token=")}}); res.Code != http.StatusSeeOther || res.Location != "/u/sam" {
		t.Fatalf("verify: %d %q", res.Code, res.Location)
	}
}

func TestOneClickUnsubscribeWithoutCSRF(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	c := a.client()
	c.register("alice")
	u, _ := a.store.UserByUsername(ctx, "alice")
	token, _ := a.store.UnsubscribeToken(ctx, u.ID)
	post := func(query string) int {
		req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/unsubscribe?"+query, strings.NewReader("List-Unsubscribe=One-Click"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := post("u=" + itoa(u.ID) + "&t=forged"); code != http.StatusBadRequest {
		t.Fatalf("forged one-click: %d", code)
	}
	if got, _ := a.store.UserByID(ctx, u.ID); !got.EmailNotifications {
		t.Fatal("a forged token unsubscribed")
	}
	if code := post("u=" + itoa(u.ID) + "&t=" + token); code != http.StatusOK {
		t.Fatalf("one-click: %d", code)
	}
	if got, _ := a.store.UserByID(ctx, u.ID); got.EmailNotifications {
		t.Fatal("still subscribed")
	}
	// Every other POST still needs the CSRF token.
	if res := c.postRaw("/settings", "email_notifications=1"); res.Code != http.StatusForbidden {
		t.Fatalf("settings without CSRF: %d", res.Code)
	}
}
