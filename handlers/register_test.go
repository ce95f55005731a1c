package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models"
)

// TestSockpuppetVotesGiveNoReputation: twenty fresh accounts voting for one
// member's answer, and accepting its answers to their questions, give it
// no points, even once they are old; votes from accounts with standing do.
func TestSockpuppetVotesGiveNoReputation(t *testing.T) {
	a := newAppWith(t, testdb.Location(t, "test.db"), Config{RegistrationsPerDay: 100})
	ctx := context.Background()
	boss, asker := a.client(), a.client()
	boss.register("boss")
	asker.register("asker")
	thread := asker.ask("Router reboots itself every night")
	ans := boss.answer(thread, "Disable the nightly maintenance window.")
	puppets := make([]*client, 20)
	for i := range puppets {
		puppets[i] = a.client()
		puppets[i].register(fmt.Sprintf("puppet%02d", i))
		if res := puppets[i].post("/p/"+ans+"/vote", nil); res.Code != http.StatusSeeOther {
			t.Fatalf("puppet vote: %d", res.Code)
		}
		q := puppets[i].ask(fmt.Sprintf("Question number %d about the router", i))
		mine := boss.answer(q, "Restart it and disable the maintenance window.")
		if res := puppets[i].post("/p/"+mine+"/accept", nil); res.Code != http.StatusSeeOther {
			t.Fatalf("puppet accept: %d", res.Code)
		}
	}
	if p, _ := a.store.Post(ctx, atoi(ans)); p.HelpfulCount != 20 {
		t.Errorf("helpful count %d: the votes themselves still count", p.HelpfulCount)
	}
	if u := mustUser(t, a, "boss"); u.Reputation != 0 || u.Role != models.RoleMember {
		t.Fatalf("after 20 new accounts' votes and acceptances: %d points, %s", u.Reputation, u.Role)
	}
	// Old accounts without points of their own still give nothing.
	a.advance(4 * 24 * time.Hour) // past the 3 days, within a session's 30
	late := boss.answer(thread, "Also check that the firmware is up to date.")
	for _, p := range puppets {
		p.post("/p/"+late+"/vote", nil)
	}
	if u := mustUser(t, a, "boss"); u.Reputation != 0 {
		t.Fatalf("old puppets gave %d points", u.Reputation)
	}
	// Staff always have standing; a member has it once old enough and with some points.
	mod := a.roleClient("mod", models.RoleModerator)
	mod.post("/p/"+ans+"/vote", nil)
	if u := mustUser(t, a, "boss"); u.Reputation != models.PointsHelpfulAnswer {
		t.Fatalf("after a moderator's vote: %d", u.Reputation)
	}
	helper := asker.answer(thread, "Thanks, the maintenance window was the cause here as well.")
	mod.post("/p/"+helper+"/vote", nil)
	asker.post("/p/"+late+"/vote", nil)
	if u := mustUser(t, a, "boss"); u.Reputation != 2*models.PointsHelpfulAnswer {
		t.Fatalf("after a member with standing voted: %d", u.Reputation)
	}
}

var flashText = regexp.MustCompile(`<p class="flash" role="status">([^<]*)</p>`)

// TestRegisterDoesNotRevealATakenEmail: signing up with an address that
// already has an account gets the same answer as a new sign-up, creates
// nothing, and tells the address's owner by email.
func TestRegisterDoesNotRevealATakenEmail(t *testing.T) {
	a, smtpd := newMailApp(t)
	ctx := context.Background()
	if _, err := a.store.CreateUser(ctx, models.NewUser{Username: "alice", Email: "alice@example.com", Password: "correct horse"}); err != nil {
		t.Fatal(err)
	}
	fresh, probe := a.client(), a.client()
	r1 := fresh.post("/register", url.Values{"username": {"newbie"}, "email": {"newbie@example.com"}, "password": {"correct horse"}})
	r2 := probe.post("/register", url.Values{"username": {"mallory"}, "email": {"Alice@Example.com"}, "password": {"correct horse"}})
	if r1.Code != http.StatusSeeOther || r1.Code != r2.Code || r1.Location != r2.Location {
		t.Fatalf("new address: %d %q; taken address: %d %q", r1.Code, r1.Location, r2.Code, r2.Location)
	}
	p1, p2 := fresh.get(r1.Location), probe.get(r2.Location)
	f1, f2 := flashText.FindStringSubmatch(p1.Body), flashText.FindStringSubmatch(p2.Body)
	if f1 == nil || f2 == nil {
		t.Fatalf("no message after signing up:\n%s", p2.Body)
	}
	mustContain(t, f1[1], "Check your email")
	if strings.Replace(f1[1], "newbie@example.com", "X", 1) != strings.Replace(f2[1], "Alice@Example.com", "X", 1) {
		t.Errorf("different answers: %q and %q", f1[1], f2[1])
	}
	for _, c := range []*client{fresh, probe} {
		if res := c.get("/settings"); res.Code != http.StatusSeeOther {
			t.Errorf("logged in after signing up: %d", res.Code)
		}
	}
	if _, err := a.store.UserByUsername(ctx, "mallory"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("an account was made for a taken address: %v", err)
	}
	if _, err := a.store.UserByUsername(ctx, "newbie"); err != nil {
		t.Errorf("the new account: %v", err)
	}
	// Neither email was sent by the request: the mail worker sends both.
	if n := len(smtpd.Messages()); n != 0 {
		t.Fatalf("%d emails sent during the sign-up requests, want them queued", n)
	}
	if _, err := sendQueued(t, a, smtpd); err != nil {
		t.Fatal(err)
	}
	msgs := smtpd.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d emails, want 2", len(msgs))
	}
	for _, m := range msgs {
		switch m.To[0] {
		case "newbie@example.com":
			mustContain(t, m.Data, "newbie", "/login")
		case "alice@example.com":
			mustContain(t, m.Data, "already has an account", "alice", "/login")
			mustNotContain(t, m.Data, "mallory")
		default:
			t.Errorf("email to %s", m.To[0])
		}
	}
	// The new account logs in with what was typed.
	if res := fresh.post("/login", url.Values{"username": {"newbie"}, "password": {"correct horse"}}); res.Code != http.StatusSeeOther {
		t.Errorf("login after signing up: %d", res.Code)
	}
	// Usernames are public: a taken one is still said.
	res := a.client().post("/register", url.Values{"username": {"Alice"}, "email": {"other@example.com"}, "password": {"correct horse"}})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("taken username: %d", res.Code)
	}
	mustContain(t, res.Body, "That username is taken")
}

func TestRegistrationsPerAddressAreLimited(t *testing.T) {
	a := newAppWith(t, testdb.Location(t, "test.db"), Config{RegistrationsPerDay: 3})
	ctx := context.Background()
	for i := range 3 {
		a.client().register(fmt.Sprintf("member%d", i))
	}
	res := a.client().post("/register", url.Values{"username": {"member3"}, "email": {"member3@example.com"}, "password": {"correct horse"}})
	if res.Code != http.StatusTooManyRequests {
		t.Fatalf("fourth sign-up from one address: %d", res.Code)
	}
	mustContain(t, res.Body, "Too many accounts", `value="member3"`)
	if _, err := a.store.UserByUsername(ctx, "member3"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("the refused account exists: %v", err)
	}
	a.advance(25 * time.Hour)
	a.client().register("member3")

	var c Config
	c.defaults()
	if c.RegistrationsPerDay != DefaultRegistrationsPerDay {
		t.Errorf("default limit %d", c.RegistrationsPerDay)
	}
}

// One IPv6 subscriber holds a whole /64: its addresses share one sign-up
// limit, as they share the login throttle.
func TestRegistrationLimitCoversAnIPv6Network(t *testing.T) {
	a := newAppWith(t, testdb.Location(t, "test.db"), Config{RegistrationsPerDay: 3, TrustProxy: true})
	signUp := func(i int) *response {
		c := a.client()
		body := url.Values{"_csrf": {c.token()}, "username": {fmt.Sprintf("puppet%d", i)},
			"email": {fmt.Sprintf("puppet%d@example.com", i)}, "password": {"correct horse"}}.Encode()
		req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/register", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("2001:db8:7:9::%x", i+1))
		return c.do(req)
	}
	for i := range 3 {
		if res := signUp(i); res.Code != http.StatusSeeOther {
			t.Fatalf("sign-up %d: %d", i, res.Code)
		}
	}
	if res := signUp(3); res.Code != http.StatusTooManyRequests {
		t.Fatalf("fourth sign-up from one /64: %d, want 429", res.Code)
	}
}
