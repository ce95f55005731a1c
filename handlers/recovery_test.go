package handlers

import (
	"bytes"
	"context"
	"github.com/crowdcare/crowdcare/internal/testdb"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/mailer/smtptest"
	"github.com/crowdcare/crowdcare/models"
)

var resetLink = regexp.MustCompile(`http://forum\.test(/password/reset/[0-9a-f]+)`)

// mailedLink finds a link matching re in the n-th email the SMTP server
// received, decoding quoted-printable.
func mailedLink(t *testing.T, smtpd *smtptest.Server, n int, re *regexp.Regexp) string {
	t.Helper()
	msgs := smtpd.Messages()
	if len(msgs) <= n {
		t.Fatalf("%d emails arrived, want more than %d", len(msgs), n)
	}
	body := strings.ReplaceAll(msgs[n].Data, "=\r\n", "")
	body = strings.ReplaceAll(body, "=3D", "=")
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no link like %s in:\n%s", re, msgs[n].Data)
	}
	return m[1]
}

// The whole recovery through a real SMTP server: ask, receive, open, set a
// new password; every other session ends, this browser is logged in, and
// the link never works again.
func TestForgotPasswordByEmail(t *testing.T) {
	a, smtpd := newMailApp(t)
	ctx := context.Background()
	if _, err := a.store.CreateUser(ctx, models.NewUser{Username: "alice", Email: "alice@example.com", Password: "correct horse"}); err != nil {
		t.Fatal(err)
	}
	elsewhere := a.client()
	elsewhere.login("alice")
	if res := elsewhere.get("/settings"); res.Code != http.StatusOK {
		t.Fatalf("the other session: %d", res.Code)
	}
	login := a.client().get("/login")
	mustContain(t, login.Body, `href="/password/forgot"`, "Forgot password?")

	browser := a.client()
	mustContain(t, browser.get("/password/forgot").Body, `name="email"`, `action="/password/forgot"`)
	res := browser.post("/password/forgot", url.Values{"email": {"Alice@Example.com"}})
	if res.Code != http.StatusOK {
		t.Fatalf("ask: %d %s", res.Code, res.Body)
	}
	mustContain(t, res.Body, "If an account uses Alice@Example.com, we sent a link")
	if r, err := sendQueued(t, a, smtpd); err != nil || r.Sent != 1 {
		t.Fatalf("mail worker: %+v %v", r, err)
	}
	if to := smtpd.Messages()[0].To[0]; to != "alice@example.com" {
		t.Fatalf("sent to %s", to)
	}
	link := mailedLink(t, smtpd, 0, resetLink)

	page := browser.get(link)
	if page.Code != http.StatusOK {
		t.Fatalf("open the link: %d", page.Code)
	}
	mustContain(t, page.Body, "Choose a new password", "<strong>alice</strong>", `name="password_confirm"`, `content="noindex`)
	// The two passwords differ: the form again, nothing changed.
	res = browser.post(link, url.Values{"password": {"a brand new password"}, "password_confirm": {"a brand new passw0rd"}})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("passwords differ: %d", res.Code)
	}
	mustContain(t, res.Body, "The two passwords differ")
	res = browser.post(link, url.Values{"password": {"a brand new password"}, "password_confirm": {"a brand new password"}})
	if res.Code != http.StatusSeeOther || res.Location != "/" {
		t.Fatalf("reset: %d %q %s", res.Code, res.Location, res.Body)
	}
	mustContain(t, browser.get("/").Body, "Your password is changed, and you are logged out everywhere else.")
	if res := browser.get("/settings"); res.Code != http.StatusOK {
		t.Fatalf("the browser that reset is not logged in: %d", res.Code)
	}
	if res := elsewhere.get("/settings"); res.Code != http.StatusSeeOther {
		t.Fatalf("the other session survived the reset: %d", res.Code)
	}
	// Used once: the link now says it does not work, and changes nothing.
	again := a.client()
	res = again.get(link)
	if res.Code != http.StatusNotFound {
		t.Fatalf("the link again: %d", res.Code)
	}
	mustContain(t, res.Body, "This link does not work", `href="/password/forgot"`)
	if res := again.post(link, url.Values{"password": {"taken over!!"}, "password_confirm": {"taken over!!"}}); res.Code != http.StatusNotFound {
		t.Fatalf("reuse: %d", res.Code)
	}
	if _, err := a.store.Authenticate(ctx, "alice", "a brand new password", "192.0.2.1"); err != nil {
		t.Fatalf("log in with the new password: %v", err)
	}
}

// normalized is a page with what legitimately differs between two
// requests (the CSRF token, the request id, the address typed) blanked.
var pageNoise = regexp.MustCompile(`value="[A-Za-z0-9_-]{20,}"|[0-9a-f]{32}|[A-Za-z0-9]{20,}`)

func normalized(body, typed string) string {
	return pageNoise.ReplaceAllString(strings.ReplaceAll(body, typed, "ADDRESS"), "X")
}

// Nobody learns from the forgot-password form whether an address has an
// account: the status, headers and page are the same (and the same steps
// are taken: models.TestPasswordResetTakesTheSameStepsForUnknownAddresses).
func TestForgotPasswordAnswersTheSameForUnknownAddresses(t *testing.T) {
	a := newApp(t)
	if _, err := a.store.CreateUser(context.Background(), models.NewUser{Username: "alice", Email: "alice@example.com", Password: "correct horse"}); err != nil {
		t.Fatal(err)
	}
	known := a.client().post("/password/forgot", url.Values{"email": {"alice@example.com"}})
	unknown := a.client().post("/password/forgot", url.Values{"email": {"zelda@example.com"}})
	if known.Code != http.StatusOK || unknown.Code != known.Code {
		t.Fatalf("status: known %d, unknown %d", known.Code, unknown.Code)
	}
	if k, u := normalized(known.Body, "alice@example.com"), normalized(unknown.Body, "zelda@example.com"); k != u {
		t.Fatalf("the pages differ:\n%s\n---\n%s", k, u)
	}
	header := func(r *response) string {
		var keys []string
		for k, v := range r.Header {
			if k != "Date" && k != "X-Request-Id" && k != "Content-Length" {
				keys = append(keys, k+"×"+itoa(int64(len(v))))
			}
		}
		slices.Sort(keys)
		return strings.Join(keys, " ")
	}
	if header(known) != header(unknown) {
		t.Fatalf("headers differ: %v / %v", header(known), header(unknown))
	}
	if n := len(a.outbox("alice@example.com")); n != 1 {
		t.Fatalf("%d emails to the member", n)
	}
	if n := len(a.outbox("zelda@example.com")); n != 0 {
		t.Fatalf("%d emails to an address with no account", n)
	}
	// A malformed address: the form again, with what was typed.
	res := a.client().post("/password/forgot", url.Values{"email": {"alice at example"}})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("malformed: %d", res.Code)
	}
	mustContain(t, res.Body, `value="alice at example"`, "Enter an email address like")
}

// One client address asking again and again is told to slow down; the
// request limit lives in the database.
func TestForgotPasswordIsLimitedPerClient(t *testing.T) {
	a := newApp(t)
	c := a.client()
	for i := 0; i < 20; i++ {
		if res := c.post("/password/forgot", url.Values{"email": {"someone" + itoa(int64(i)) + "@example.com"}}); res.Code != http.StatusOK {
			t.Fatalf("request %d: %d", i, res.Code)
		}
	}
	res := c.post("/password/forgot", url.Values{"email": {"alice@example.com"}})
	if res.Code != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("over the limit: %d %q", res.Code, res.Header.Get("Retry-After"))
	}
	mustContain(t, res.Body, "Too many reset requests", `value="alice@example.com"`)
	// An hour later it works again.
	a.advance(time.Hour + time.Second)
	if res := c.post("/password/forgot", url.Values{"email": {"alice@example.com"}}); res.Code != http.StatusOK {
		t.Fatalf("an hour later: %d", res.Code)
	}
}

// An expired link is refused like a used one.
func TestPasswordResetLinkExpires(t *testing.T) {
	a := newApp(t)
	if _, err := a.store.CreateUser(context.Background(), models.NewUser{Username: "alice", Email: "alice@example.com", Password: "correct horse"}); err != nil {
		t.Fatal(err)
	}
	c := a.client()
	c.post("/password/forgot", url.Values{"email": {"alice@example.com"}})
	link := a.outboxLink("alice@example.com", "/password/reset/")
	if res := c.get(link); res.Code != http.StatusOK {
		t.Fatalf("fresh link: %d", res.Code)
	}
	a.advance(models.ResetLinkTTL + time.Minute)
	if res := c.get(link); res.Code != http.StatusNotFound {
		t.Fatalf("expired link: %d", res.Code)
	}
	if res := c.post(link, url.Values{"password": {"a brand new password"}, "password_confirm": {"a brand new password"}}); res.Code != http.StatusNotFound {
		t.Fatalf("expired link used: %d", res.Code)
	}
}

// lockedBuffer is a log destination tests read while the server writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// One-time links never reach the server log, whose request lines name
// the path: it shows the route instead of the secret.
func TestOneTimeLinksStayOutOfTheLog(t *testing.T) {
	ctx := context.Background()
	logs := &lockedBuffer{}
	store, err := models.Open(ctx, testdb.Location(t, "log.db"), withFilesDir(t, models.Options{PasswordCost: bcrypt.MinCost}))
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(ctx, Config{BaseURL: "http://forum.test"}, store, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(func() {
		srv.Close()
		store.Close()
	})
	a := &testApp{t: t, srv: srv, store: store}
	c := a.client()
	c.registerUnverified("alice")
	c.post("/password/forgot", url.Values{"email": {"alice@example.com"}})
	for _, prefix := range []string{"/password/reset/", "/email/verify/"} {
		link := a.outboxLink("alice@example.com", prefix)
		c.get(link)
		token := strings.TrimPrefix(link, prefix)
		if strings.Contains(logs.String(), token) {
			t.Errorf("the log holds the %s token", prefix)
		}
	}
	mustContain(t, logs.String(), "path=/password/reset/…", "path=/email/verify/…")
}

// Every new form refuses a request without the CSRF token, changing nothing.
func TestAccountFormsRefuseMissingCSRF(t *testing.T) {
	a := newApp(t)
	member := a.client()
	member.register("alice")
	member.post("/password/forgot", url.Values{"email": {"alice@example.com"}})
	reset := a.outboxLink("alice@example.com", "/password/reset/")
	visitor := a.client()
	cases := []struct {
		c    *client
		path string
		form url.Values
	}{
		{visitor, "/password/forgot", url.Values{"email": {"alice@example.com"}}},
		{visitor, reset, url.Values{"password": {"taken over!!"}, "password_confirm": {"taken over!!"}}},
		{member, "/settings/profile", url.Values{"display_name": {"Mallory"}}},
		{member, "/settings/email", url.Values{"email": {"mallory@example.com"}, "email_password": {"correct horse"}}},
		{member, "/settings/verify", nil},
		{member, "/settings/export", nil},
		{member, "/settings/delete", url.Values{"password": {"correct horse"}}},
	}
	for _, cs := range cases {
		form := url.Values{"_csrf": {""}}
		for k, v := range cs.form {
			form[k] = v
		}
		if res := cs.c.post(cs.path, form); res.Code != http.StatusForbidden {
			t.Errorf("%s without a token: %d", cs.path, res.Code)
		}
		form.Set("_csrf", "forged-token")
		if res := cs.c.post(cs.path, form); res.Code != http.StatusForbidden {
			t.Errorf("%s with a forged token: %d", cs.path, res.Code)
		}
	}
	// Nothing happened: the reset link still works, the account is there, unchanged.
	if res := visitor.get(reset); res.Code != http.StatusOK {
		t.Fatalf("reset link after the refused posts: %d", res.Code)
	}
	u := mustUser(t, a, "alice")
	if u.DisplayName != "" || u.Email != "alice@example.com" || u.Deleted() {
		t.Fatalf("the account changed: %+v", u)
	}
	if n := len(a.outbox("mallory@example.com")); n != 0 {
		t.Fatalf("%d emails to the forged address", n)
	}
}
