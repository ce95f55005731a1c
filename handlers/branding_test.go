package handlers

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/crowdcare/crowdcare/models"
)

// file is a file a browser sends in a form.
type file struct {
	field, name, ctype string
	data               []byte
}

// postForm sends the settings form as a browser does: multipart, with a
// valid CSRF token unless fields set _csrf.
func (c *client) postForm(path string, fields url.Values, files ...file) *response {
	c.app.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if _, ok := fields["_csrf"]; !ok {
		w.WriteField("_csrf", c.token())
	}
	for k, vs := range fields {
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, f.field, f.name))
		h.Set("Content-Type", f.ctype)
		part, err := w.CreatePart(h)
		if err != nil {
			c.app.t.Fatal(err)
		}
		part.Write(f.data)
	}
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, c.app.srv.URL+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.do(req)
}

const logoSVG = `<svg xmlns="http://www.w3.org/2000/svg" width="180" height="40" viewBox="0 0 180 40">` +
	`<title>Northwind</title><circle cx="20" cy="20" r="16" fill="#1a5e3a"/>` +
	`<text x="44" y="27" font-size="20" font-weight="700" fill="#1a5e3a">Northwind</text></svg>`

// pngOf is a w×h PNG of one colour.
func pngOf(t *testing.T, w, h int, c color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// brandForm is the settings form with branding, everything else as saved.
func brandForm(changes url.Values) url.Values {
	f := adminSettings(url.Values{"community_name": {"Northwind Community"}, "brand_name": {"Northwind"},
		"primary_color": {"#1a5e3a"}, "accent_color": {"#f2b705"},
		"footer_terms_url": {"https://northwind.example/terms"}, "footer_privacy_label": {"Your privacy"},
		"footer_privacy_url": {"https://northwind.example/privacy"}, "footer_contact_url": {"https://northwind.example/contact"},
		"footer_status_url": {"http://status.northwind.example"}})
	for k, v := range changes {
		f[k] = v
	}
	return f
}

func saveBranding(t *testing.T, admin *client, fields url.Values, files ...file) {
	t.Helper()
	if res := admin.postForm("/admin/settings", fields, files...); res.Code != http.StatusSeeOther {
		t.Fatalf("save branding: %d\n%s", res.Code, res.Body)
	}
}

var (
	logoImg      = regexp.MustCompile(`<img class="brand-logo" src="(/brand/logo\.[0-9a-f]{16}\.(?:svg|png))" alt="([^"]*)" height="40"( width="\d+")?>`)
	faviconLink  = regexp.MustCompile(`<link rel="icon" href="(/brand/favicon\.[0-9a-f]{16}\.png)" type="image/png">`)
	colorsLink   = regexp.MustCompile(`<link rel="stylesheet" href="/static/[0-9a-f]+/css/site\.css">\s*<link rel="stylesheet" href="(/brand/colors\.[0-9a-f]{16}\.css)">`)
	footerLinkRe = regexp.MustCompile(`<nav class="footer-links" aria-label="About this site"><ul>(.*?)</ul></nav>`)
)

// The branding an admin saves shows on every page: the name in the header
// and titles, the logo (named by the community), the favicon, the colours'
// stylesheet after site.css, the footer's links, and og:image on pages
// that are shared; the files are served with their type, nosniff, a year's
// cache and, for the SVG, a policy that runs and loads nothing.
func TestBrandingShowsOnEveryPage(t *testing.T) {
	a := newApp(t)
	asker, peer := a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	thread, _ := solve(t, a, asker, peer, "Router reboots itself every night", "Disable the nightly maintenance window in Settings.")
	kb := articlePath(t, a, thread)
	admin := a.adminClient("boss")
	saveBranding(t, admin, brandForm(nil),
		file{"logo", "northwind.svg", "image/svg+xml", []byte(logoSVG)},
		file{"favicon", "icon.png", "image/png", pngOf(t, 32, 32, color.RGBA{0x1a, 0x5e, 0x3a, 0xff})})

	visitor := a.client()
	var logoURL, faviconURL, cssURL string
	for _, path := range []string{"/", thread, kb, "/c/general", "/kb", "/login", "/u/peer", "/search?q=router", "/nowhere"} {
		res := visitor.get(path)
		body := res.Body
		m := logoImg.FindStringSubmatch(body)
		if m == nil || m[2] != "Northwind Community" || m[3] != ` width="180"` {
			t.Errorf("%s: no logo named by the community in the header: %v", path, m)
			continue
		}
		logoURL = m[1]
		mustContain(t, body, "· Northwind Community</title>")
		mustNotContain(t, body, `alt="" width="28" height="28"> Northwind Community`) // the logo stands for the name
		faviconURL = regexpFind(t, body, faviconLink.String())
		cssURL = regexpFind(t, body, colorsLink.String())
		links := footerLinkRe.FindStringSubmatch(body)
		if links == nil || links[1] != `<li><a href="https://northwind.example/terms">Terms of service</a></li>`+
			`<li><a href="https://northwind.example/privacy">Your privacy</a></li>`+
			`<li><a href="https://northwind.example/contact">Contact</a></li>`+
			`<li><a href="http://status.northwind.example">Status</a></li>` {
			t.Errorf("%s: footer links: %v", path, links)
		}
	}
	for _, path := range []string{thread, kb, "/c/general"} {
		og := openGraph(visitor.get(path).Body)
		if og["og:image"] != "http://forum.test"+logoURL || og["og:site_name"] != "Northwind Community" {
			t.Errorf("%s: %v", path, og)
		}
	}

	mustContain(t, visitor.get("/feed.atom").Body, "<title>Northwind Community: latest questions</title>")
	mustContain(t, visitor.get("/").Body, `<meta name="description" content="Northwind Community: ask questions`)
	logo := visitor.get(logoURL)
	if logo.Code != http.StatusOK || logo.Header.Get("Content-Type") != "image/svg+xml" ||
		logo.Header.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.Contains(logo.Header.Get("Content-Security-Policy"), "default-src 'none'; style-src 'unsafe-inline'") ||
		logo.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Errorf("logo: %d %v", logo.Code, logo.Header)
	}
	if !strings.HasPrefix(logo.Body, `<svg xmlns="http://www.w3.org/2000/svg" width="180" height="40"`) || !strings.Contains(logo.Body, ">Northwind</text>") {
		t.Errorf("logo body: %s", logo.Body)
	}
	fav := visitor.get(faviconURL)
	if fav.Code != http.StatusOK || fav.Header.Get("Content-Type") != "image/png" || fav.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("favicon: %d %v", fav.Code, fav.Header)
	}
	css := visitor.get(cssURL)
	if css.Code != http.StatusOK || !strings.HasPrefix(css.Header.Get("Content-Type"), "text/css") ||
		css.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Errorf("colours: %d %v", css.Code, css.Header)
	}
	p, err := models.DerivePalette("#1a5e3a", "#f2b705")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, css.Body, ":root { --brand: #1a5e3a; --brand-dark: "+p.BrandDark.Hex()+"; --on-brand: #ffffff; --accent: #f2b705; --accent-ink: #1c2430; }")
	if siteHasDarkPalette(t) {
		mustContain(t, css.Body, `@media (prefers-color-scheme: dark) { :root:not([data-theme="light"]) { --brand: `+p.DarkBrand.Hex(),
			`:root[data-theme="dark"] { --brand: `+p.DarkBrand.Hex())
	} else {
		mustNotContain(t, css.Body, "prefers-color-scheme", "data-theme")
	}
	if res := visitor.get("/brand/logo.0000000000000000.png"); res.Code != http.StatusNotFound {
		t.Errorf("logo under another type: %d", res.Code)
	}
	for _, bad := range []string{"/brand/other.0000000000000000.css", "/brand/..%2f..%2fetc", "/brand/session_hash_key.x.y"} {
		if res := visitor.get(bad); res.Code != http.StatusNotFound {
			t.Errorf("%s: %d", bad, res.Code)
		}
	}

	// What changed is in the audit log.
	log := admin.get("/mod/log").Body
	mustContain(t, log, "Changed the site settings", "community name, primary colour, footer links, logo, favicon.")
}

// A fresh install looks finished: the default mark beside the configured
// name, the default favicon, no extra stylesheet, no empty footer list.
func TestFreshInstallHasTheDefaultBranding(t *testing.T) {
	a := newApp(t)
	body := a.client().get("/").Body
	mustContain(t, body, `<a class="brand" href="/"><img src="/static/`, `/img/favicon.svg" alt="" width="28" height="28"> <span class="brand-name">Crowdcare</span></a>`,
		`<link rel="icon" href="/static/`, "Latest questions · Crowdcare</title>")
	mustNotContain(t, body, "/brand/", "footer-links", "og:image")
	if og := openGraph(body); og["og:site_name"] != "Crowdcare" {
		t.Errorf("og: %v", og)
	}
}

// Asset and stylesheet addresses change with their content; an old address
// serves today's file without pinning it.
func TestBrandAddressesFollowTheContent(t *testing.T) {
	a := newApp(t)
	admin := a.adminClient("boss")
	visitor := a.client()
	saveBranding(t, admin, brandForm(nil), file{"logo", "a.png", "image/png", pngOf(t, 120, 40, color.Black)})
	first := logoImg.FindStringSubmatch(visitor.get("/").Body)
	css1 := regexpFind(t, visitor.get("/").Body, colorsLink.String())
	saveBranding(t, admin, brandForm(url.Values{"primary_color": {"#8a1538"}}),
		file{"logo", "b.png", "image/png", pngOf(t, 120, 40, color.RGBA{0x8a, 0x15, 0x38, 0xff})})
	body := visitor.get("/").Body
	second := logoImg.FindStringSubmatch(body)
	css2 := regexpFind(t, body, colorsLink.String())
	if first == nil || second == nil || first[1] == second[1] || css1 == css2 {
		t.Fatalf("addresses did not change: %v %v, %s %s", first, second, css1, css2)
	}
	if first[3] != ` width="120"` {
		t.Errorf("a 120×40 logo is %s wide at 40 px high", first[3])
	}
	old := visitor.get(first[1])
	cur := visitor.get(second[1])
	if old.Code != http.StatusOK || old.Body != cur.Body || old.Header.Get("Cache-Control") != "public, max-age=300" {
		t.Errorf("old logo address: %d %q", old.Code, old.Header.Get("Cache-Control"))
	}
	if !strings.Contains(visitor.get(css2).Body, "--brand: #8a1538;") || visitor.get(css1).Header.Get("Cache-Control") != "public, max-age=300" {
		t.Error("colours after a change")
	}

	// Back to the defaults: no logo, no colours.
	saveBranding(t, admin, brandForm(url.Values{"primary_color": {""}, "accent_color": {""}, "remove_logo": {"1"}}))
	body = visitor.get("/").Body
	mustNotContain(t, body, "brand-logo", "/brand/colors.")
	if res := visitor.get(second[1]); res.Code != http.StatusNotFound {
		t.Errorf("removed logo: %d", res.Code)
	}
}

// Every refusal shows the form again (422) with what was typed, says what
// is wrong with the field, and saves nothing.
func TestBrandingRefusals(t *testing.T) {
	a := newApp(t)
	admin := a.adminClient("boss")
	webp, _ := base64.StdEncoding.DecodeString("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
	svg := func(body string) []byte {
		return []byte(`<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">` + body + `</svg>`)
	}
	laughs := []byte(`<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">` +
		`<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><svg xmlns="http://www.w3.org/2000/svg"><text>&c;</text></svg>`)
	for name, c := range map[string]struct {
		fields url.Values
		files  []file
		field  string // whose error shows
		says   string
	}{
		"colour not hex":    {url.Values{"primary_color": {"green"}}, nil, "primary_color", "Give the colour as #rrggbb"},
		"low contrast":      {url.Values{"primary_color": {"#3399ff"}}, nil, "primary_color", "#3399ff as link text on the light background #ffffff has a contrast of 2."},
		"accent unreadable": {url.Values{"accent_color": {"#7f7f7f"}}, nil, "accent_color", "Text on #7f7f7f"},
		"footer javascript": {url.Values{"footer_terms_url": {"javascript:alert(1)"}}, nil, "footer_terms_url", "starting with https://"},
		"footer ftp":        {url.Values{"footer_status_url": {"ftp://status.example"}}, nil, "footer_status_url", "starting with https://"},
		"footer no host":    {url.Values{"footer_contact_url": {"https:///contact"}}, nil, "footer_contact_url", "starting with https://"},
		"label, no address": {url.Values{"footer_contact_url": {""}, "footer_contact_label": {"Write to us"}}, nil, "footer_contact_url", "address (https://…), or clear its label"},
		"long name":         {url.Values{"community_name": {strings.Repeat("N", 61)}}, nil, "community_name", "60 characters"},
		"script":            {nil, []file{{"logo", "x.svg", "image/svg+xml", svg(`<script>alert(1)</script>`)}}, "logo", "&lt;script&gt; element"},
		"onload":            {nil, []file{{"logo", "x.svg", "image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`)}}, "logo", "event attribute (onload"},
		"foreignObject":     {nil, []file{{"logo", "x.svg", "image/svg+xml", svg(`<foreignObject><p>hi</p></foreignObject>`)}}, "logo", "&lt;foreignObject&gt;"},
		"xlink:href http":   {nil, []file{{"favicon", "x.svg", "image/svg+xml", svg(`<use xlink:href="http://evil.example/a.svg#x"/>`)}}, "favicon", "never to another file"},
		"use href external": {nil, []file{{"logo", "x.svg", "image/svg+xml", svg(`<use href="https://evil.example/sprite.svg#icon"/>`)}}, "logo", "never to another file"},
		"style url":         {nil, []file{{"logo", "x.svg", "image/svg+xml", svg(`<rect style="fill:url(https://evil.example/t.png)"/>`)}}, "logo", "url()"},
		"billion laughs":    {nil, []file{{"logo", "x.svg", "image/svg+xml", laughs}}, "logo", "declares entities"},
		"huge svg":          {nil, []file{{"logo", "x.svg", "image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="90000000" height="90000000"/>`)}}, "logo", "at most 10000"},
		"huge png":          {nil, []file{{"logo", "x.png", "image/png", pngOf(t, 2049, 1, color.White)}}, "logo", "2049×1 pixels"},
		"png named svg":     {nil, []file{{"logo", "logo.svg", "image/svg+xml", pngOf(t, 4, 4, color.White)}}, "logo", "is a PNG image, not SVG"},
		"webp named png":    {nil, []file{{"favicon", "icon.png", "image/png", webp}}, "favicon", "is a WebP image, not PNG"},
		"not an image":      {nil, []file{{"logo", "notes.txt", "text/plain", []byte("just some notes")}}, "logo", "not an image the site takes"},
		"text named png":    {nil, []file{{"logo", "logo.png", "image/png", []byte("just some notes")}}, "logo", "not an image the site takes"},
		"svg named png":     {nil, []file{{"logo", "logo.png", "image/png", []byte(logoSVG)}}, "logo", "named as a PNG image but is not one"},
		"broken png":        {nil, []file{{"logo", "logo.png", "image/png", pngOf(t, 64, 64, color.White)[:60]}}, "logo", "cannot be read"},
		"pdf":               {nil, []file{{"logo", "logo.pdf", "application/pdf", []byte("%PDF-1.4\n1 0 obj\n")}}, "logo", "not an image the site takes"},
		"too big":           {nil, []file{{"logo", "big.png", "image/png", bytes.Repeat([]byte{0}, models.MaxAssetBytes+1)}}, "logo", "the most a logo may be is 512 KB"},
	} {
		fields := brandForm(url.Values{"community_name": {"Typed Community"}, "footer_privacy_label": {"Typed label"}})
		for k, v := range c.fields {
			fields[k] = v
		}
		res := admin.postForm("/admin/settings", fields, c.files...)
		if res.Code != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d", name, res.Code)
			continue
		}
		if !strings.Contains(res.Body, c.says) {
			t.Errorf("%s: the page does not say %q", name, c.says)
		}
		if !regexp.MustCompile(`id="f-` + c.field + `"[^>]*aria-invalid="true"`).MatchString(res.Body) {
			t.Errorf("%s: %s is not marked invalid", name, c.field)
		}
		if c.fields["community_name"] == nil {
			mustContain(t, res.Body, `value="Typed Community"`, `value="Typed label"`)
		}
		set, err := a.store.SiteSettings(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if set.CommunityName != "" || set.Logo.Set() || set.Favicon.Set() || set.PrimaryColor != "" {
			t.Fatalf("%s: saved anyway: %+v", name, set)
		}
	}
	// The accepted formats are taken.
	for _, f := range []file{{"logo", "l.png", "image/png", pngOf(t, 8, 8, color.White)}, {"favicon", "f.webp", "image/webp", webp}} {
		saveBranding(t, admin, brandForm(nil), f)
	}
	set, _ := a.store.SiteSettings(context.Background())
	if set.Logo.ContentType != "image/png" || set.Favicon.ContentType != "image/webp" {
		t.Errorf("saved: %+v %+v", set.Logo, set.Favicon)
	}
}

// Only admins change the branding: members, ambassadors and moderators are
// refused the page and the upload, before their body is read.
func TestBrandingIsForAdminsOnly(t *testing.T) {
	a := newApp(t)
	member := a.client()
	member.register("member1")
	for _, c := range []*client{member, a.roleClient("amb", models.RoleAmbassador), a.roleClient("mod", models.RoleModerator)} {
		if res := c.get("/admin/settings"); res.Code != http.StatusForbidden {
			t.Errorf("GET: %d", res.Code)
		}
		res := c.postForm("/admin/settings", brandForm(nil), file{"logo", "x.svg", "image/svg+xml", []byte(logoSVG)})
		if res.Code != http.StatusForbidden {
			t.Errorf("POST: %d", res.Code)
		}
	}
	if res := a.client().postForm("/admin/settings", brandForm(nil), file{"logo", "x.svg", "image/svg+xml", []byte(logoSVG)}); res.Code != http.StatusSeeOther ||
		!strings.HasPrefix(res.Location, "/login") {
		t.Errorf("visitor POST: %d %s", res.Code, res.Location)
	}
	// An admin's form without its CSRF token is refused too.
	admin := a.adminClient("boss")
	if res := admin.postForm("/admin/settings", brandForm(url.Values{"_csrf": {"forged"}}), file{"logo", "x.svg", "image/svg+xml", []byte(logoSVG)}); res.Code != http.StatusForbidden {
		t.Errorf("forged token: %d", res.Code)
	}
	// A body over the route's limit is refused unread.
	huge := file{"logo", "huge.png", "image/png", bytes.Repeat([]byte{1}, settingsBodyLimit+1)}
	if res := admin.postForm("/admin/settings", brandForm(nil), huge); res.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("huge body: %d", res.Code)
	}
	set, _ := a.store.SiteSettings(context.Background())
	if set.Logo.Set() || set.CommunityName != "" {
		t.Errorf("saved: %+v", set)
	}
}

// A change shows on the next page even where pages are cached: the page
// cache, the thread cache and the article cache.
func TestBrandingChangeShowsAtOnceOnCachedPages(t *testing.T) {
	a := newApp(t)
	asker, peer := a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	thread, _ := solve(t, a, asker, peer, "Router reboots itself every night", "Disable the nightly maintenance window in Settings.")
	kb := articlePath(t, a, thread)
	visitor := a.client()
	for _, p := range []string{"/", thread, kb} {
		visitor.get(p)
		mustContain(t, visitor.get(p).Body, "· Crowdcare</title>") // the second from the cache
	}
	admin := a.adminClient("boss")
	saveBranding(t, admin, brandForm(url.Values{"community_name": {"Northwind Help"}}))
	for _, p := range []string{"/", thread, kb} {
		body := visitor.get(p).Body
		mustContain(t, body, "· Northwind Help</title>", "https://northwind.example/terms")
		mustNotContain(t, body, "· Crowdcare</title>")
	}
}

// siteHasDarkPalette reports whether site.css has a dark colour scheme.
func siteHasDarkPalette(t *testing.T) bool {
	t.Helper()
	css, err := os.ReadFile("../static/css/site.css")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains(string(css), darkSelector)
}

// The colours' stylesheet sets the shared contract's properties under
// site.css's own selectors, the dark scheme's only beside a dark palette.
func TestBrandStylesheetUsesTheContractSelectors(t *testing.T) {
	p, err := models.DerivePalette("#8a1538", "#ffd23f")
	if err != nil {
		t.Fatal(err)
	}
	want := "/* Brand colours from the site settings, checked for WCAG AA; the dark scheme's are derived. */\n" +
		":root { --brand: #8a1538; --brand-dark: " + p.BrandDark.Hex() + "; --on-brand: #ffffff; --accent: #ffd23f; --accent-ink: #1c2430; }\n"
	if got := string(brandCSS(p, false)); got != want {
		t.Errorf("light only:\n%s", got)
	}
	dark := " --brand: " + p.DarkBrand.Hex() + "; --brand-dark: " + p.DarkBrandDark.Hex() + "; --on-brand: " + p.DarkOnBrand.Hex() +
		"; --accent: #ffd23f; --accent-ink: #1c2430; }"
	if got := string(brandCSS(p, true)); got != want+"@media (prefers-color-scheme: dark) { :root:not([data-theme=\"light\"]) {"+dark+" }\n"+
		":root[data-theme=\"dark\"] {"+dark+"\n" {
		t.Errorf("with a dark palette:\n%s", got)
	}
	if p, _ := models.DerivePalette("", ""); brandCSS(p, true) != nil {
		t.Error("a stylesheet with no colour set")
	}
}
