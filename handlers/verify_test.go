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

// A new member reads, is asked to confirm their address before posting
// (the refusal keeps what they typed), and posts once they followed the
// link from their welcome email.
func TestUnverifiedMembersConfirmBeforePosting(t *testing.T) {
	a := newApp(t)
	peer := a.client()
	peer.register("peer")
	thread := peer.ask("Router reboots itself every night")

	c := a.client()
	c.registerUnverified("newbie")
	welcome := a.outbox("newbie@example.com")
	if len(welcome) != 1 || welcome[0].Kind != models.EmailSignUp || !strings.Contains(welcome[0].Body, "/email/verify/") {
		t.Fatalf("welcome email: %+v", welcome)
	}
	res := c.post("/login", url.Values{"username": {"newbie"}, "password": {"correct horse"}})
	if res.Code != http.StatusSeeOther {
		t.Fatalf("login: %d", res.Code)
	}
	mustContain(t, c.get("/").Body, "Confirm your email address to post", "newbie@example.com")
	if res := c.get(thread); res.Code != http.StatusOK {
		t.Fatalf("read: %d", res.Code)
	}
	res = c.post("/ask", url.Values{"title": {"Hub 3 loses Wi-Fi every evening"}, "category": {"general"},
		"body": {"Every evening the wireless drops for a minute or two."}})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("ask unverified: %d", res.Code)
	}
	mustContain(t, res.Body, "Confirm your email address before you post", "Hub 3 loses Wi-Fi every evening",
		"Every evening the wireless drops for a minute or two.")
	res = c.post("/t/"+itoa(threadID(thread))+"/answers", url.Values{"body": {"Turn off the nightly maintenance window."}})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("answer unverified: %d", res.Code)
	}
	mustContain(t, res.Body, "Confirm your email address before you post", "Turn off the nightly maintenance window.")
	mustContain(t, c.get("/settings").Body, "not confirmed yet", `action="/settings/verify"`)

	// Asking again for a link: the latest one works, the first does not.
	first := a.outboxLink("newbie@example.com", "/email/verify/")
	if res := c.post("/settings/verify", nil); res.Code != http.StatusSeeOther {
		t.Fatalf("resend: %d", res.Code)
	}
	mustContain(t, c.get("/settings").Body, "A new link is on its way to newbie@example.com")
	latest := a.outboxLink("newbie@example.com", "/email/verify/")
	if latest == first {
		t.Fatal("no new link")
	}
	if res := c.get(first); res.Code != http.StatusNotFound {
		t.Fatalf("the replaced link: %d", res.Code)
	}
	// Opening the link changes nothing by itself; its button does, and
	// works without logging in (the link is the proof).
	visitor := a.client()
	page := visitor.get(latest)
	mustContain(t, page.Body, "Confirm that <strong>newbie@example.com</strong> is the address of the account <strong>newbie</strong>")
	if u := mustUser(t, a, "newbie"); u.EmailVerified() {
		t.Fatal("opening the link verified the address")
	}
	if res := visitor.post(latest, nil); res.Code != http.StatusSeeOther || res.Location != "/login" {
		t.Fatalf("confirm: %d %q", res.Code, res.Location)
	}
	if res := visitor.post(latest, nil); res.Code != http.StatusNotFound {
		t.Fatalf("confirm twice: %d", res.Code)
	}
	if res := c.post("/t/"+itoa(threadID(thread))+"/answers", url.Values{"body": {"Turn off the nightly maintenance window."}}); res.Code != http.StatusSeeOther {
		t.Fatalf("answer after confirming: %d %s", res.Code, res.Body)
	}
	// Resending for a confirmed address is refused with a reason.
	c.post("/settings/verify", nil)
	mustContain(t, c.get("/settings").Body, "already confirmed")
}

// Verification links expire, and resending is limited.
func TestVerificationLinksExpireAndResendIsLimited(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.registerUnverified("newbie")
	c.login("newbie")
	link := a.outboxLink("newbie@example.com", "/email/verify/")
	a.advance(models.VerifyLinkTTL + time.Minute)
	if res := c.get(link); res.Code != http.StatusNotFound {
		t.Fatalf("expired: %d", res.Code)
	}
	mustContain(t, c.get(link).Body, "This link does not work", `href="/settings"`)
	for i := 0; i < 4; i++ { // the sign-up's link is two days old: three more an hour
		c.post("/settings/verify", nil)
	}
	mustContain(t, c.get("/settings").Body, "Three links were sent in the last hour")
	if n := len(a.outbox("newbie@example.com")); n != 4 { // the welcome and three links
		t.Fatalf("%d emails", n)
	}
}

// Changing the address: a link to the new one first, the old one told once
// it took effect; an address another account has gets a note instead, and
// the member the same answer.
func TestChangingTheEmailAddress(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.register("alice")
	other := a.client()
	other.register("bob")
	res := c.post("/settings/email", url.Values{"email": {"alice@new.example"}, "email_password": {"wrong password"}})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("wrong password: %d", res.Code)
	}
	mustContain(t, res.Body, "That is not your current password.", `value="alice@new.example"`)
	if res := c.post("/settings/email", url.Values{"email": {"alice@new.example"}, "email_password": {"correct horse"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("change: %d %s", res.Code, res.Body)
	}
	settings := c.get("/settings").Body
	mustContain(t, settings, "A link is on its way to alice@new.example", "A link went to alice@new.example")
	if u := mustUser(t, a, "alice"); u.Email != "alice@example.com" {
		t.Fatalf("changed before the link was opened: %s", u.Email)
	}
	link := a.outboxLink("alice@new.example", "/email/verify/")
	mustContain(t, a.client().get(link).Body, "Make <strong>alice@new.example</strong> the address of the account <strong>alice</strong>")
	if res := c.post(link, nil); res.Code != http.StatusSeeOther || res.Location != "/settings" {
		t.Fatalf("confirm: %d %q", res.Code, res.Location)
	}
	mustContain(t, c.get("/settings").Body, "Your email address is now alice@new.example.")
	if u := mustUser(t, a, "alice"); u.Email != "alice@new.example" || !u.EmailVerified() {
		t.Fatalf("after confirming: %s %v", u.Email, u.EmailVerified())
	}
	notices := a.outbox("alice@example.com")
	if last := notices[len(notices)-1]; last.Kind != models.EmailChanged || !strings.Contains(last.Body, "is now alice@new.example") {
		t.Fatalf("notice to the old address: %+v", last)
	}
	// Bob's address: the same answer, a note to Bob, no link.
	res = c.post("/settings/email", url.Values{"email": {"bob@example.com"}, "email_password": {"correct horse"}})
	if res.Code != http.StatusSeeOther {
		t.Fatalf("taken address: %d", res.Code)
	}
	mustContain(t, c.get("/settings").Body, "A link is on its way to bob@example.com")
	bobs := a.outbox("bob@example.com")
	if last := bobs[len(bobs)-1]; strings.Contains(last.Body, "/email/verify/") || !strings.Contains(last.Body, "already has an account") {
		t.Fatalf("email to the taken address: %+v", last)
	}
}

// The profile: display name and bio, escaped, length-limited, with what
// was typed kept on a refusal; the watching list is the member's own.
func TestProfileNameBioAndOwnLists(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.register("alice")
	peer := a.client()
	peer.register("peer")
	watched := peer.ask("Router reboots itself every night")
	if res := c.post("/t/"+itoa(threadID(watched))+"/watch", url.Values{"watch": {"1"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("watch: %d", res.Code)
	}
	long := strings.Repeat("x", models.BioMaxLen+1)
	res := c.post("/settings/profile", url.Values{"display_name": {"Alice <b>L</b>"}, "bio": {long}})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("too long: %d", res.Code)
	}
	mustContain(t, res.Body, "Use at most 300 characters.", `value="Alice &lt;b&gt;L&lt;/b&gt;"`, long)
	res = c.post("/settings/profile", url.Values{"display_name": {`Alice <script>alert(1)</script>`}, "bio": {"Line one\nLine <i>two</i>"}})
	if res.Code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", res.Code, res.Body)
	}
	for _, viewer := range []*client{a.client(), peer, c} {
		body := viewer.get("/u/alice").Body
		mustContain(t, body, "Alice &lt;script&gt;alert(1)&lt;/script&gt;", "Line one<br>Line &lt;i&gt;two&lt;/i&gt;")
		mustNotContain(t, body, "<script>alert(1)", "<i>two</i>")
	}
	own := c.get("/u/alice?tab=watching").Body
	mustContain(t, own, "My questions", "My answers", `?tab=watching" aria-current="true"`, "Router reboots itself every night", "Edit your profile")
	for _, viewer := range []*client{a.client(), peer} {
		body := viewer.get("/u/alice?tab=watching").Body
		mustNotContain(t, body, "Router reboots itself every night", "tab=watching", "My questions")
	}
}

// mustUserByID is the account as stored now.
func mustUserByID(t *testing.T, a *testApp, id int64) *models.User {
	t.Helper()
	u, err := a.store.UserByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
