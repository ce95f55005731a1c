package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/tweets"
)

// TestAskAnswerAcceptFindInKB is the whole loop: register, ask, another user
// answers, the asker accepts, the answer is in the KB, a visitor finds it.
func TestAskAnswerAcceptFindInKB(t *testing.T) {
	s := newSite(t)
	asker := newTab(t, 1280, 900)
	asker.run(chromedp.Navigate(s.url+"/register"),
		chromedp.SendKeys(chromedp.CSS("#f-username"), "maria"),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "maria@example.com"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), "correct horse"),
		chromedp.Click(chromedp.CSS(`form[action="/register"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)))
	// Signing up says "check your email" (whether or not the address was new) and logs nobody in.
	mustHave(t, asker.text(".flash"), "Check your email")
	asker.login(s.url, "maria")
	// Asked to confirm the address first; the welcome email's link does it.
	mustHave(t, asker.text(".flash"), "Confirm your email address to post")
	asker.run(chromedp.Navigate(s.url+s.mailedLink("maria@example.com", "/email/verify/")),
		chromedp.Click(chromedp.CSS(`form[action^="/email/verify/"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)))
	mustHave(t, asker.text(".flash"), "your email address maria@example.com is confirmed")
	asker.run(chromedp.Navigate(s.url+"/ask"),
		chromedp.SendKeys(chromedp.CSS("#f-title"), "Hub 3 drops Wi-Fi every evening around 8pm"),
		chromedp.SetValue(chromedp.CSS("#f-category"), "general"),
		chromedp.SendKeys(chromedp.CSS("#f-body"), "Every evening the **Wi-Fi** drops for a minute. Wired devices stay online."),
		chromedp.SendKeys(chromedp.CSS("#f-tags"), "wifi, hub-3"),
		chromedp.Click(chromedp.CSS(`form[action="/ask"] button[type=submit]:not([name])`)),
		chromedp.WaitVisible(chromedp.CSS(`.thread-head`)))
	thread := asker.location()
	if !strings.Contains(thread, "/t/") {
		t.Fatalf("after asking: %s", thread)
	}

	s.user("peer", models.RoleMember)
	peer := newTab(t, 1280, 900)
	peer.login(s.url, "peer")
	peer.run(chromedp.Navigate(thread),
		chromedp.SendKeys(chromedp.CSS("#f-body"), "Set a fixed channel: **Settings › Wi-Fi › Channel 36**, and turn band steering off."),
		chromedp.Click(chromedp.CSS(`form[action*="/answers"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.post:not(.question) .post-body strong`)))

	asker.run(chromedp.Navigate(thread),
		chromedp.Click(chromedp.CSS(`button.accept-button`)),
		chromedp.WaitVisible(chromedp.CSS(`.accepted-label`)))
	mustHave(t, asker.text(".thread-head"), "Solved")
	mustHave(t, asker.text(".kb-link"), "This answer is in the knowledge base")

	visitor := newTab(t, 1280, 900)
	visitor.run(chromedp.Navigate(s.url+"/"),
		chromedp.SendKeys(chromedp.CSS(`#site-search-q`), "band steering"),
		chromedp.Submit(chromedp.CSS(`#site-search-q`)),
		chromedp.WaitVisible(chromedp.CSS(`.search-hit`)))
	results := visitor.text(".search-results")
	mustHave(t, results, "Knowledge base")
	mustHave(t, results, "Hub 3 drops Wi-Fi every evening around 8pm")
	visitor.run(chromedp.Click(chromedp.CSS(`.search-hit .badge.kb`)))
	visitor.run(chromedp.Click(chromedp.CSS(`.search-results li:first-child .hit-title a`)),
		chromedp.WaitVisible(chromedp.CSS(`.solution`)))
	mustHave(t, visitor.text(".solution"), "band steering off")
	for _, tb := range []*tab{asker, peer, visitor} {
		if p := tb.problems(); len(p) > 0 {
			t.Errorf("script problems: %v", p)
		}
	}
}

// TestAmbassadorTriagesTweetIntoThread: an imported post waits in the inbox
// and an ambassador turns it into a thread from the browser.
func TestAmbassadorTriagesTweetIntoThread(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	im, err := s.store.NewImporter(ctx, models.ImportOptions{Triage: true})
	if err != nil {
		t.Fatal(err)
	}
	im.Add(ctx, tweets.Tweet{ID: "1861000000000000001", AuthorHandle: "jo_k", Lang: "en", CreatedAt: time.Now().UTC(),
		Text: "@ExampleCare no internet since 8am in Leeds, is there an outage?"})
	if _, err := im.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	s.user("amy", models.RoleAmbassador)
	amb := newTab(t, 1280, 900)
	amb.login(s.url, "amy")
	amb.run(chromedp.Navigate(s.url+"/mod/social"),
		chromedp.Click(chromedp.CSS(`input[name=items][value="1861000000000000001"]`)),
		chromedp.Click(chromedp.CSS(`input[name=action][value=convert]`)),
		chromedp.SendKeys(chromedp.CSS(`#b-title`), "Outage in Leeds since 8am"))
	amb.follow(chromedp.Click(chromedp.CSS(`fieldset.bulk button[type=submit]`)))
	amb.run(chromedp.WaitVisible(chromedp.CSS(`.flash`)))
	mustHave(t, amb.text(".flash"), "1 thread created")
	amb.run(chromedp.Navigate(s.url + "/"))
	amb.follow(chromedp.Click(chromedp.CSS(`.thread-title a`)))
	amb.run(chromedp.WaitVisible(chromedp.CSS(`.thread-head`)))
	mustHave(t, amb.text("h1"), "Outage in Leeds since 8am")
	mustHave(t, amb.text(".thread-head"), "View on X")
	mustHave(t, amb.text(".thread-head"), "Reply on X")
}

// TestModeratorHidesPost: a moderator hides an answer from the thread page.
func TestModeratorHidesPost(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	asker, spammer := s.user("asker", models.RoleMember), s.user("spammer", models.RoleMember)
	th, err := s.store.CreateThread(ctx, asker, models.NewThread{Title: "Router reboots itself every night", CategorySlug: "general",
		Body: "The router reboots itself every night at about 2am."})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.CreateAnswer(ctx, spammer, th.ID, "Buy cheap followers at our shop today!"); err != nil {
		t.Fatal(err)
	}
	s.user("mod", models.RoleModerator)
	mod := newTab(t, 1280, 900)
	mod.login(s.url, "mod")
	mod.run(chromedp.Navigate(s.url+th.URL()),
		chromedp.Click(chromedp.CSS(`.post:not(.question) details.tool:last-of-type summary`)),
		chromedp.SendKeys(chromedp.CSS(`.post:not(.question) form[action$="/hide"] input[name=reason]`), "Advertising"),
		chromedp.Click(chromedp.CSS(`.post:not(.question) form[action$="/hide"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)))
	visitor := newTab(t, 1280, 900)
	visitor.run(chromedp.Navigate(s.url + th.URL()))
	body := visitor.text("main")
	mustHave(t, body, "This answer was hidden by a moderator.")
	if strings.Contains(body, "cheap followers") {
		t.Error("hidden text still shown to visitors")
	}
}

// TestForgotPasswordInTheBrowser: from the login page's link to a new
// password, without JavaScript doing anything.
func TestForgotPasswordInTheBrowser(t *testing.T) {
	s := newSite(t)
	s.user("maria", models.RoleMember)
	b := newTab(t, 390, 844)
	b.run(chromedp.Navigate(s.url+"/login"),
		chromedp.Click(chromedp.CSS(`a[href="/password/forgot"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/password/forgot"]`)),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "maria@example.com"),
		chromedp.Click(chromedp.CSS(`form[action="/password/forgot"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/password/forgot"]`)))
	mustHave(t, b.text("h1"), "Check your email")
	b.run(chromedp.Navigate(s.url+s.mailedLink("maria@example.com", "/password/reset/")),
		chromedp.WaitVisible(chromedp.CSS("#f-password_confirm")),
		chromedp.SendKeys(chromedp.CSS("#f-password"), "a brand new password"),
		chromedp.SendKeys(chromedp.CSS("#f-password_confirm"), "a brand new password"),
		chromedp.Click(chromedp.CSS(`form[action^="/password/reset/"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/u/maria"]`)))
	mustHave(t, b.text(".flash"), "Your password is changed")
	if p := b.problems(); len(p) > 0 {
		t.Errorf("script problems: %v", p)
	}
}
