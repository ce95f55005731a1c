package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/crowdcare/crowdcare/models"
)

// longThread makes a thread with enough answers that its answer form is
// below the fold.
func longThread(t *testing.T, s *site) *models.Thread {
	t.Helper()
	ctx := context.Background()
	asker, peer := s.user("asker", models.RoleMember), s.user("peer", models.RoleMember)
	th, err := s.store.CreateThread(ctx, asker, models.NewThread{Title: "Router reboots itself every night", CategorySlug: "general",
		Body: "The router reboots itself every night at about 2am, and the Wi-Fi is gone for ten minutes."})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 8; i++ {
		if _, err := s.store.CreateAnswer(ctx, peer, th.ID, "Check whether automatic firmware updates run at 2am.\n\n"+
			strings.Repeat("Settings › System › Updates shows the schedule. ", 6)); err != nil {
			t.Fatal(err)
		}
	}
	return th
}

// The page's content keeps its distance from the footer, and the main
// navigation's links are apart.
func TestLayoutSpacing(t *testing.T) {
	s := newSite(t)
	th := longThread(t, s)
	b := newTab(t, 1366, 900)
	b.run(chromedp.Navigate(s.url + th.URL()))
	type spacing struct {
		MainBottom, MainTop, NavGap float64
	}
	got := get(b, chromedp.Evaluate[spacing](`(() => {
		const main = getComputedStyle(document.querySelector('main'));
		const links = document.querySelectorAll('.main-nav a');
		return {MainBottom: parseFloat(main.paddingBottom), MainTop: parseFloat(main.paddingTop),
			NavGap: links[1].getBoundingClientRect().left - links[0].getBoundingClientRect().right};
	})()`))
	if got.MainBottom < 24 || got.MainTop < 16 {
		t.Errorf("main's padding: top %.0fpx, bottom %.0fpx", got.MainTop, got.MainBottom)
	}
	if got.NavGap < 12 {
		t.Errorf("main nav links %.0fpx apart", got.NavGap)
	}
}

// A refused answer lands at the answer form, scrolled to it; an answer sent
// after the session ended elsewhere survives the login, line breaks and all.
func TestAnswerFormKeepsTheUserWhereTheyAre(t *testing.T) {
	s := newSite(t)
	th := longThread(t, s)
	member := s.user("maria", models.RoleMember)
	b := newTab(t, 1366, 900)
	b.login(s.url, "maria")
	b.run(chromedp.Navigate(s.url+th.URL()),
		chromedp.SendKeys(chromedp.CSS("#f-body"), "Too short"),
		chromedp.Click(chromedp.CSS(`form[action*="/answers"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#body-error`)))
	if loc := b.location(); !strings.HasSuffix(loc, "#answer") {
		t.Errorf("after a refused answer: %s", loc)
	}
	// The browser scrolls to the fragment once the page has loaded.
	inView := `(() => { const r = document.querySelector('#body-error').getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; })()`
	seen := false
	for i := 0; i < 50 && !seen; i++ {
		if seen = get(b, chromedp.Evaluate[bool](inView)); !seen {
			b.run(chromedp.Sleep(100 * time.Millisecond))
		}
	}
	if !seen {
		t.Errorf("after a refused answer the error is out of view (page at %.0fpx)", get(b, chromedp.Evaluate[float64](`scrollY`)))
	}

	if err := s.store.EndAllSessions(context.Background(), member); err != nil {
		t.Fatal(err)
	}
	answer := "First line: turn off the nightly reboot.\nSecond line: Settings › System › Reboot schedule, <off> & \"save\"."
	b.run(chromedp.SetValue(chromedp.CSS("#f-body"), answer),
		chromedp.Click(chromedp.CSS(`form[action*="/answers"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.auth .notice`)),
		chromedp.SendKeys(chromedp.CSS("#f-username"), "maria"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), "correct horse"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#answer .notice`)))
	if got := get(b, chromedp.Evaluate[string](`document.querySelector('#f-body').value`)); got != answer {
		t.Errorf("restored answer %q, typed %q", got, answer)
	}
	b.run(chromedp.Click(chromedp.CSS(`form[action*="/answers"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.post .flash`)))
	mustHave(t, b.text(".post .flash"), "Your answer is posted.")
	if p := b.problems(); len(p) > 0 {
		t.Errorf("script problems: %v", p)
	}
}
