package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/crowdcare/crowdcare/models"
)

// An admin brands the site through the settings form in a real browser:
// the uploaded SVG logo is drawn in the header (its CSP and the cleaning
// leave it an image), the colours apply through the custom properties in
// both schemes, avatars are drawn at their size, and axe finds nothing
// serious on the branded settings page and home page.
func TestAdminBrandsTheSite(t *testing.T) {
	s := newSite(t)
	s.user("boss", models.RoleAdmin)
	asker := s.user("mary_jane", models.RoleMember)
	if _, err := s.store.CreateThread(t.Context(), asker, models.NewThread{Title: "Router reboots itself every night",
		CategorySlug: "general", Body: "The router reboots itself every night at about 2am."}); err != nil {
		t.Fatal(err)
	}
	logo := filepath.Join(t.TempDir(), "northwind.svg")
	if err := os.WriteFile(logo, []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="180" height="40" viewBox="0 0 180 40">`+
		`<circle cx="20" cy="20" r="16" fill="#1a5e3a"/><text x="44" y="27" font-size="20" fill="#1a5e3a">Northwind</text></svg>`), 0o644); err != nil {
		t.Fatal(err)
	}
	b := newTab(t, 1366, 900)
	b.login(s.url, "boss")
	b.run(chromedp.Navigate(s.url+"/admin/settings"),
		chromedp.SetValue(chromedp.CSS("#f-community_name"), "Northwind Community"),
		chromedp.SetValue(chromedp.CSS("#f-primary_color"), "#1a5e3a"),
		chromedp.SetValue(chromedp.CSS("#f-footer_terms_url"), "https://northwind.example/terms"),
		chromedp.SetUploadFiles(chromedp.CSS("#f-logo"), []string{logo}),
		chromedp.Click(chromedp.CSS(`form[action="/admin/settings"][enctype] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	mustHave(t, b.text(".flash"), "Settings saved.")

	b.run(chromedp.Navigate(s.url + "/"))
	type header struct {
		Alt        string
		Width      float64
		Loaded     bool
		Brand, Ink string
		Avatar     float64
		Footer     string
	}
	read := `(() => {
		const img = document.querySelector('.site-header .brand-logo');
		const av = document.querySelector('.thread-row .avatar');
		return {Alt: img.alt, Width: img.getBoundingClientRect().width, Loaded: img.complete && img.naturalWidth > 0,
			Brand: getComputedStyle(document.documentElement).getPropertyValue('--brand').trim(),
			Ink: getComputedStyle(document.querySelector('main a')).color,
			Avatar: av.getBoundingClientRect().width,
			Footer: document.querySelector('.footer-links').textContent};
	})()`
	got := get(b, chromedp.Evaluate[header](read))
	if got.Alt != "Northwind Community" || !got.Loaded || got.Width < 100 {
		t.Errorf("header logo: %+v", got)
	}
	if got.Brand != "#1a5e3a" || got.Ink != "rgb(26, 94, 58)" || got.Avatar != 20 || !strings.Contains(got.Footer, "Terms of service") {
		t.Errorf("light scheme: %+v", got)
	}
	p, err := models.DerivePalette("#1a5e3a", "")
	if err != nil {
		t.Fatal(err)
	}
	b.scheme("dark")
	b.run(chromedp.Navigate(s.url + "/"))
	// The dark shade applies where site.css has a dark palette; without
	// one, the page stays light and so does the brand colour.
	want := "#1a5e3a"
	if css, err := os.ReadFile("../static/css/site.css"); err != nil {
		t.Fatal(err)
	} else if strings.Contains(string(css), `:root[data-theme="dark"]`) {
		want = p.DarkBrand.Hex()
	}
	if dark := get(b, chromedp.Evaluate[header](read)); dark.Brand != want {
		t.Errorf("dark scheme: --brand %s, want %s", dark.Brand, want)
	}
	if problems := b.problems(); len(problems) != 0 {
		t.Errorf("browser problems: %v", problems)
	}

	if _, err := os.Stat(filepath.Join("node_modules", "axe-core", "axe.min.js")); err != nil && os.Getenv("CI") == "" {
		return // TestAccessibilityOfMainPages says why axe is missing
	}
	axe := axeSource(t)
	b.scheme("light")
	for _, path := range []string{"/", "/admin/settings"} {
		for _, v := range runAxe(b, axe, s.url+path) {
			if v.Impact == "serious" || v.Impact == "critical" {
				t.Errorf("%s: %s (%s) %s", path, v.ID, v.Impact, v.Help)
			}
		}
	}
}

// scheme emulates prefers-color-scheme.
func (b *tab) scheme(value string) {
	b.t.Helper()
	if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: value}}}); err != nil {
		b.t.Fatal(err)
	}
}
