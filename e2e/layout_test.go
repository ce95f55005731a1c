package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/crowdcare/crowdcare/handlers"
	"github.com/crowdcare/crowdcare/internal/demo"
	"github.com/crowdcare/crowdcare/models"
)

// visit is who looks at which pages: login "" is a visitor.
type visit struct {
	login string
	paths []string
}

// layoutPages seeds the demo, adds what the staff pages need to show
// something (a flag, an import job, a post with wide content) and returns
// the public and staff pages as a visitor, a member, a moderator and an
// admin see them.
func layoutPages(t *testing.T, s *site) []visit {
	t.Helper()
	seedDemo(t, s)
	ctx := context.Background()
	member, err := s.store.UserByUsername(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	admin, err := s.store.UserByUsername(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	mod := s.user("mona.moderator-of-the-north", models.RoleModerator)
	list, err := s.store.Threads(ctx, models.ThreadQuery{Show: models.ShowSolved})
	if err != nil || len(list.Threads) == 0 {
		t.Fatalf("no solved demo thread: %v", err)
	}
	solved := list.Threads[0]
	art, err := s.store.ArticleForThread(ctx, solved.ID)
	if err != nil {
		t.Fatal(err)
	}
	// What breaks narrow layouts: a long unbroken address, a long code
	// line, a wide table, a long word in the title.
	body := "The update from https://downloads.example.com/firmware/hub-3/releases/2024/stable/hub3-firmware-v4.2.17-final-build-20240611.bin stops at 99%.\n\n" +
		"```\n" + strings.Repeat("ERROR upgrade_agent[1432]: checksum mismatch ", 6) + "\n```\n\n" +
		"| Step | Started | Finished | Result | Log line | Retries | Next attempt |\n|---|---|---|---|---|---|---|\n" +
		"| download | 02:00:01 | 02:03:44 | ok | fetched 48,211,456 bytes | 0 | none |\n| verify | 02:03:45 | 02:03:46 | failed | checksum mismatch | 3 | 03:00:00 |\n"
	wide, err := s.store.CreateThread(ctx, member, models.NewThread{CategorySlug: "general",
		Title: "Supercalifragilisticexpialidocious-router-firmware-update fails at 99%", Body: body})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := s.store.CreateAnswer(ctx, admin, wide.ID, "Clear the download cache from Settings › System › Updates, then try again.")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.store.FlagPost(ctx, member, reply.ID, "off-topic", strings.Repeat("This does not answer the question at all. ", 5)); err != nil {
		t.Fatal(err)
	}
	if err := s.store.EditPost(ctx, member, wide.QuestionID, models.PostEdit{Body: body + "\nStill failing every night.",
		Title: wide.Title, Tags: "firmware"}); err != nil {
		t.Fatal(err)
	}
	csv := filepath.Join(t.TempDir(), "mentions.csv")
	if err := os.WriteFile(csv, []byte("tweet_id,text\n1862000000000000001,my hub keeps rebooting\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	job, err := s.store.QueueImportJob(ctx, admin, "mentions.csv", csv, models.ImportOptions{Triage: true})
	if err != nil {
		t.Fatal(err)
	}
	id := func(n int64) string { return fmt.Sprint(n) }
	return []visit{
		{"", []string{"/", "/c/broadband-wifi", solved.URL(), wide.URL(), "/search?q=router", "/search", "/kb", art.URL(),
			"/login", "/register", "/u/demo", "/leaderboard", "/ambassadors", "/no-such-page"}},
		{"demo", []string{"/", "/ask", "/notifications", "/settings", wide.URL(), "/p/" + id(wide.QuestionID) + "/edit",
			"/p/" + id(wide.QuestionID) + "/delete", "/p/" + id(reply.ID) + "/flag", "/p/" + id(wide.QuestionID) + "/revisions"}},
		{mod.Username, []string{"/mod/flags", "/mod/queue", "/mod/log", "/mod/users/" + id(member.ID), wide.URL()}},
		{"admin", []string{"/insights?days=90", "/insights/incidents/new?term=outage&category=broadband-wifi", "/admin/settings",
			"/admin/search", "/admin/ambassadors", "/mod/social", "/mod/social/rules", "/mod/social/import", "/mod/social/import/" + id(job),
			"/kb/" + id(art.ID) + "/edit", "/mod/users/" + id(member.ID), "/mod/log", solved.URL()}},
	}
}

// signIn logs a tab in as a layoutPages user; the demo's users have the
// demo password, the others the test password.
func (b *tab) signIn(base, login string) {
	b.t.Helper()
	switch login {
	case "":
	case "demo", "admin":
		b.loginWith(base, login, demo.Password)
	default:
		b.login(base, login)
	}
}

// overflow is how far a page is wider than its viewport, and the elements
// that stick out (outside any box that scrolls or clips them).
type overflow struct {
	Over      float64
	Culprits  []string
	HeaderH   float64
	ViewportH float64
	OneRow    bool
}

const measureJS = `(() => {
	const de = document.documentElement, vw = de.clientWidth;
	const culprits = [];
	const over = de.scrollWidth - vw;
	if (over > 0) {
		for (const el of document.body.querySelectorAll('*')) {
			const r = el.getBoundingClientRect();
			if (r.width === 0 || r.right <= vw + 1) continue;
			let p = el.parentElement, boxed = false;
			for (; p && p !== document.body; p = p.parentElement) {
				const o = getComputedStyle(p).overflowX;
				if (o !== 'visible') { boxed = true; break; }
			}
			if (boxed) continue;
			const cls = typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\s+/).join('.') : '';
			culprits.push(el.tagName.toLowerCase() + cls + ' to ' + Math.round(r.right) + 'px');
			if (culprits.length >= 6) break;
		}
	}
	const header = document.querySelector('.site-header');
	const kids = [...document.querySelectorAll('.header-inner > *')].filter(e => e.getClientRects().length > 0);
	const rects = kids.map(e => e.getBoundingClientRect());
	const oneRow = rects.length > 0 && Math.max(...rects.map(r => r.top)) < Math.min(...rects.map(r => r.bottom));
	return {Over: over, Culprits: culprits, HeaderH: header ? header.getBoundingClientRect().height : 0, ViewportH: innerHeight, OneRow: oneRow};
})()`

func (b *tab) measure() overflow {
	b.t.Helper()
	return get(b, chromedp.Evaluate[overflow](measureJS))
}

// emulate sets the viewport and the prefers-color-scheme the page sees.
func emulate(width, height int64, scheme string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(chromedp.EmulateViewport(width, height),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
			return err
		}))
}

// TestNoPageScrollsSidewaysOnAPhone loads the public and staff pages, as a
// visitor, a member, a moderator and an admin, at 390×844 (a phone) and at
// 1366×900 (a laptop): no page is wider than the screen (wide tables
// scroll in their own box), the header takes at most 15% of the phone's
// first screen and is one row on the laptop.
func TestNoPageScrollsSidewaysOnAPhone(t *testing.T) {
	// A community name as long as a brand's, and a long username.
	s := newSiteWith(t, handlers.Config{BaseURL: "http://127.0.0.1", SiteName: "Northwind Community Forum"})
	for _, v := range layoutPages(t, s) {
		who := v.login
		if who == "" {
			who = "visitor"
		}
		b := newTabFor(t, 1366, 900, 5*time.Minute)
		b.signIn(s.url, v.login)
		for _, path := range v.paths {
			for _, size := range []struct{ w, h int64 }{{390, 844}, {1366, 900}} {
				b.run(emulate(size.w, size.h, "light"), chromedp.Navigate(s.url+path))
				m := b.measure()
				if m.Over > 0 {
					t.Errorf("%s %s at %dpx: %.0fpx wider than the screen: %s", who, path, size.w, m.Over, strings.Join(m.Culprits, ", "))
				}
				if size.w == 390 && m.HeaderH > 0.15*m.ViewportH {
					t.Errorf("%s %s on a phone: header %.0fpx high, %.0f%% of the screen", who, path, m.HeaderH, 100*m.HeaderH/m.ViewportH)
				}
				if size.w == 1366 && !m.OneRow {
					t.Errorf("%s %s at 1366px: the header wraps onto a second row (%.0fpx high)", who, path, m.HeaderH)
				}
			}
		}
		if p := b.problems(); len(p) > 0 {
			t.Errorf("%s: script problems: %v", who, p)
		}
	}
}

// TestAxeInBothColourSchemes runs axe-core on the same pages in the light
// scheme on a laptop, in the dark one the system asks for
// (prefers-color-scheme) on a phone, and in the dark one the footer's Dark
// button forces (the theme cookie) on a laptop whose system asks for light;
// it fails on serious or critical violations. The last pass runs only the
// rules that colours decide: the first one ran the others on that layout.
func TestAxeInBothColourSchemes(t *testing.T) {
	axe := axeSource(t)
	s := newSite(t)
	for _, v := range layoutPages(t, s) {
		who := v.login
		if who == "" {
			who = "visitor"
		}
		b := newTabFor(t, 1366, 900, 8*time.Minute)
		b.signIn(s.url, v.login)
		b.run(emulate(1366, 900, "light"))
		for _, path := range v.paths {
			checkAxe(t, b, axe, s.url+path, who+" light", nil)
		}
		b.run(emulate(390, 844, "dark"))
		for _, path := range v.paths {
			checkAxe(t, b, axe, s.url+path, who+" dark (system, phone)", nil)
		}
		b.run(emulate(1366, 900, "light"), chromedp.Navigate(s.url+"/"),
			chromedp.Click(chromedp.CSS(`.theme-switch button[value=dark]`)),
			chromedp.WaitReady(chromedp.CSS(`html[data-theme=dark]`)))
		for _, path := range v.paths {
			checkAxe(t, b, axe, s.url+path, who+" dark (theme cookie)", []string{"color-contrast", "link-in-text-block"})
			if theme := get(b, chromedp.AttributeValue(chromedp.CSS(`html`), "data-theme")); theme.Value != "dark" {
				t.Errorf("%s %s: data-theme %q after choosing dark", who, path, theme.Value)
			}
		}
	}
}

// checkAxe runs axe-core (only the given rules, if any) on url and reports
// serious and critical violations.
func checkAxe(t *testing.T, b *tab, axe, url, scheme string, rules []string) {
	t.Helper()
	b.run(chromedp.Navigate(url), chromedp.Evaluate[chromedp.Void](axe))
	opts := `{resultTypes: ['violations']}`
	if len(rules) > 0 {
		opts = `{resultTypes: ['violations'], runOnly: {type: 'rule', values: ['` + strings.Join(rules, `', '`) + `']}}`
	}
	vs := get(b, chromedp.Evaluate[[]axeViolation](`axe.run(document, `+opts+`).then(r => r.violations)`, chromedp.EvalAwaitPromise))
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			var targets []string
			for _, n := range v.Nodes {
				targets = append(targets, strings.Join(n.Target, " "))
			}
			t.Errorf("%s, %s: %s (%s) %s at %v", url, scheme, v.ID, v.Impact, v.Help, targets)
		}
	}
}

// TestThemeToggleWorksWithoutJavaScript uses the footer's buttons in a
// browser with JavaScript off: Dark and Light override the system's
// scheme, on this page (query string kept) and the next ones, and System
// follows the system again.
func TestThemeToggleWorksWithoutJavaScript(t *testing.T) {
	s := newSite(t)
	seedDemo(t, s)
	b := newTab(t, 1366, 900)
	b.run(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
	const lightBG, darkBG = "rgb(246, 248, 250)", "rgb(15, 20, 25)"
	background := func() string {
		for _, p := range get(b, chromedp.ComputedStyle(chromedp.CSS(`html`))) {
			if p.Name == "background-color" {
				return p.Value
			}
		}
		t.Fatal("no background-color on html")
		return ""
	}
	state := func(want, bg string) {
		t.Helper()
		theme := get(b, chromedp.AttributeValue(chromedp.CSS(`html`), "data-theme"))
		if theme.Value != want {
			t.Errorf("data-theme %q, want %q", theme.Value, want)
		}
		if got := background(); got != bg {
			t.Errorf("with data-theme %q: background %s, want %s", want, got, bg)
		}
		name := want
		if name == "" {
			name = "system"
		}
		if p := get(b, chromedp.AttributeValue(chromedp.CSS(`.theme-switch button[value=`+name+`]`), "aria-pressed")); p.Value != "true" {
			t.Errorf("the %s button is not pressed", name)
		}
	}
	choose := func(theme, ready string) {
		t.Helper()
		b.run(chromedp.Click(chromedp.CSS(`.theme-switch button[value=`+theme+`]`)), chromedp.WaitReady(chromedp.CSS(ready)))
	}

	b.run(emulate(1366, 900, "light"), chromedp.Navigate(s.url+"/search?q=router"))
	state("", lightBG)
	b.run(emulate(1366, 900, "dark"))
	state("", darkBG) // no cookie: the system's scheme

	choose("light", `html[data-theme=light]`)
	if loc := b.location(); loc != s.url+"/search?q=router" {
		t.Errorf("after choosing light: at %s", loc)
	}
	state("light", lightBG) // although the system asks for dark

	choose("dark", `html[data-theme=dark]`)
	b.run(emulate(1366, 900, "light"))
	state("dark", darkBG) // although the system asks for light
	b.run(chromedp.Navigate(s.url + "/kb"))
	state("dark", darkBG) // and on the next pages

	choose("system", `html:not([data-theme]) .theme-switch`)
	if loc := b.location(); loc != s.url+"/kb" {
		t.Errorf("after choosing system: at %s", loc)
	}
	state("", lightBG)
	if p := b.problems(); len(p) > 0 {
		t.Errorf("script problems: %v", p)
	}
}

// TestAccountMenu opens the header's account menu and reaches a staff
// page from it; a click elsewhere or Escape closes it (menu.js), and
// without JavaScript it opens all the same (<details>).
func TestAccountMenu(t *testing.T) {
	s := newSite(t)
	s.user("mona", models.RoleModerator)
	const open, closed = `details.menu[open]`, `details.menu:not([open])`
	shown := func(b *tab) bool {
		return get(b, chromedp.Evaluate[bool](`document.querySelector('details.menu .menu-panel a[href="/settings"]').checkVisibility()`))
	}
	b := newTab(t, 390, 844)
	b.login(s.url, "mona")
	if shown(b) {
		t.Fatal("the menu is open before anyone opens it")
	}
	b.run(chromedp.Click(chromedp.CSS(`details.menu summary`)), chromedp.WaitReady(chromedp.CSS(open)))
	if !shown(b) {
		t.Fatal("the menu's links are hidden once it is open")
	}
	b.run(chromedp.Click(chromedp.CSS(`main h1`)), chromedp.WaitReady(chromedp.CSS(closed)))
	b.run(chromedp.Click(chromedp.CSS(`details.menu summary`)), chromedp.WaitReady(chromedp.CSS(open)),
		chromedp.KeyEvent(kb.Escape), chromedp.WaitReady(chromedp.CSS(closed)))
	if focused := get(b, chromedp.Evaluate[bool](`document.activeElement === document.querySelector('details.menu summary')`)); !focused {
		t.Error("after Escape the focus is not on the menu's button")
	}
	b.run(chromedp.Click(chromedp.CSS(`details.menu summary`)), chromedp.WaitReady(chromedp.CSS(open)),
		chromedp.Click(chromedp.CSS(`.menu-panel a[href="/mod/flags"]`)), chromedp.WaitReady(chromedp.CSS(`main h1`)))
	if loc := b.location(); loc != s.url+"/mod/flags" {
		t.Errorf("the menu's Moderation link led to %s", loc)
	}

	nojs := newTab(t, 1366, 900)
	nojs.login(s.url, "mona")
	nojs.run(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}), chromedp.Navigate(s.url+"/"), chromedp.Click(chromedp.CSS(`details.menu summary`)), chromedp.WaitReady(chromedp.CSS(open)),
		chromedp.Click(chromedp.CSS(`.menu-panel button`)), chromedp.WaitReady(chromedp.CSS(`a[href^="/login"]`)))
	for _, tb := range []*tab{b, nojs} {
		if p := tb.problems(); len(p) > 0 {
			t.Errorf("script problems: %v", p)
		}
	}
}
