package handlers

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// loginForm is the login page's form as a browser sends it: its hidden
// fields (CSRF token, next, a kept draft) and the credentials.
func loginForm(t *testing.T, page, user string) url.Values {
	t.Helper()
	form := strings.Index(page, `<form method="post" action="/login"`)
	if form < 0 {
		t.Fatalf("no login form: %s", page)
	}
	v := url.Values{"username": {user}, "password": {"correct horse"}}
	for _, m := range hiddenInput.FindAllStringSubmatch(page[form:], -1) {
		v.Add(m[1], html.UnescapeString(m[2]))
	}
	return v
}

// endSessionElsewhere logs the user out of every browser from another one.
func endSessionElsewhere(t *testing.T, a *testApp, user string) {
	t.Helper()
	other := a.client()
	if res := other.post("/login", url.Values{"username": {user}, "password": {"correct horse"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("login elsewhere: %d", res.Code)
	}
	if res := other.post("/logout/all", nil); res.Code != http.StatusSeeOther {
		t.Fatalf("logout everywhere: %d", res.Code)
	}
}

// An answer sent after the session ended elsewhere is not lost: the login
// page carries it, and after logging in it is in the form, ready to send.
// A 50,000-character answer does not fit in a cookie, and does not go in one.
func TestAnswerSentAfterLogoutEverywhereIsKeptThroughLogin(t *testing.T) {
	a := newApp(t)
	laptop := a.client()
	laptop.register("alice")
	thread := laptop.ask("Router reboots itself every night")
	id := itoa(threadID(thread))
	endSessionElsewhere(t, a, "alice")

	answer := strings.Repeat("Line with <b>tags</b> & \"quotes\".\r\n", 1500)[:49990] + "\r\nEnd."
	res := laptop.post("/t/"+id+"/answers", url.Values{"body": {answer}})
	if res.Code != http.StatusUnauthorized {
		t.Fatalf("answer after logout: %d %q", res.Code, res.Location)
	}
	mustContain(t, res.Body, "Your session ended before your answer was sent", `name="draft_action" value="/t/`+id+`/answers"`)
	if th, _ := a.store.Thread(context.Background(), threadID(thread)); th.AnswerCount != 0 {
		t.Fatalf("answered while logged out: %d", th.AnswerCount)
	}

	login := laptop.post("/login", loginForm(t, res.Body, "alice"))
	if login.Code != http.StatusSeeOther || login.Location != "/t/"+id+"#answer" {
		t.Fatalf("login: %d %q", login.Code, login.Location)
	}
	for _, c := range login.Header.Values("Set-Cookie") {
		if len(c) > 4096 {
			t.Errorf("a cookie of %d bytes", len(c))
		}
	}
	page := laptop.follow(login)
	mustContain(t, page.Body, "ready to send")
	// As typed, line breaks and all (a browser sends them as CRLF).
	if !strings.Contains(strings.ReplaceAll(page.Body, "\r\n", "\n"), ">"+html.EscapeString(strings.ReplaceAll(answer, "\r\n", "\n"))+"</textarea>") {
		t.Error("the answer form does not hold the answer as typed")
	}
	// Shown once: the next visit has an empty form.
	mustNotContain(t, laptop.get(thread).Body, "ready to send", "End.</textarea>")
	// The restored form sends with the new session's token.
	if res := laptop.post("/t/"+id+"/answers", url.Values{"body": {answer}}); res.Code != http.StatusSeeOther {
		t.Fatalf("send the restored answer: %d", res.Code)
	}
}

func TestQuestionAndEditSentAfterLogoutAreKeptThroughLogin(t *testing.T) {
	a := newApp(t)
	laptop := a.client()
	laptop.register("alice")
	thread := laptop.ask("Router reboots itself every night")
	q := a.mustQuestionID(t, thread)
	endSessionElsewhere(t, a, "alice")

	res := laptop.post("/ask", url.Values{"title": {"Hub 3 drops Wi-Fi every evening"}, "category": {"general"},
		"body": {"Every evening at 8pm the Wi-Fi drops for a minute."}, "tags": {"wifi, hub-3"}})
	if res.Code != http.StatusUnauthorized {
		t.Fatalf("ask after logout: %d", res.Code)
	}
	mustContain(t, res.Body, "Your session ended before your question was sent")
	login := laptop.post("/login", loginForm(t, res.Body, "alice"))
	if login.Location != "/ask" {
		t.Fatalf("login: %d %q", login.Code, login.Location)
	}
	page := laptop.follow(login)
	mustContain(t, page.Body, "ready to send", `value="Hub 3 drops Wi-Fi every evening"`, `<option value="general" selected>`,
		"Every evening at 8pm the Wi-Fi drops for a minute.</textarea>", `value="wifi, hub-3"`)

	endSessionElsewhere(t, a, "alice")
	res = laptop.post("/p/"+q+"/edit", url.Values{"title": {"Router reboots itself every night at 2am"},
		"body": {"The router reboots itself every night at about 2am, since the update."}, "tags": {"router"}})
	if res.Code != http.StatusUnauthorized {
		t.Fatalf("edit after logout: %d", res.Code)
	}
	login = laptop.post("/login", loginForm(t, res.Body, "alice"))
	if login.Location != "/p/"+q+"/edit" {
		t.Fatalf("login: %d %q", login.Code, login.Location)
	}
	page = laptop.follow(login)
	mustContain(t, page.Body, "ready to send", "since the update.</textarea>", `value="Router reboots itself every night at 2am"`)
}

// The login form that carries a draft is a form like any other: without its
// CSRF token it is refused, and a draft for anything but the three forms,
// or for a form the user may not use, is not kept.
func TestKeptDraftNeedsTheLoginsCSRFAndAKnownForm(t *testing.T) {
	a := newApp(t)
	laptop := a.client()
	laptop.register("alice")
	thread := laptop.ask("Router reboots itself every night")
	endSessionElsewhere(t, a, "alice")
	res := laptop.post("/t/"+itoa(threadID(thread))+"/answers", url.Values{"body": {"Turn off the scheduled reboot in Settings."}})
	form := loginForm(t, res.Body, "alice")
	forged := url.Values{}
	for k, v := range form {
		forged[k] = v
	}
	forged.Set("_csrf", "forged")
	if res := laptop.post("/login", forged); res.Code != http.StatusForbidden {
		t.Fatalf("login with a forged token: %d", res.Code)
	}
	form.Set("draft_action", "/settings/password")
	if res := laptop.post("/login", form); res.Code != http.StatusSeeOther || strings.Contains(res.Location, "settings") {
		t.Fatalf("draft for another form: %d %q", res.Code, res.Location)
	}
	mustNotContain(t, laptop.get("/settings").Body, "ready to send")

	// Visitors who never logged in are still sent to the login page.
	if res := a.client().post("/ask", url.Values{"title": {"x"}}); res.Code != http.StatusUnauthorized || !strings.Contains(res.Body, `action="/login"`) {
		t.Fatalf("visitor asking: %d", res.Code)
	}
}
