package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
)

// brandView is the community's branding as every page shows it (page.Brand):
// the names, the logo and favicon, the colours' stylesheet and the footer's
// links. It is made once per settings load (settingsCache), not per page.
type brandView struct {
	// Name is the brand in "Recommended by …" and "Reviewed by …".
	Name string
	// Community is the site's name: the header, titles, og:site_name.
	Community string
	// LogoURL is the uploaded logo's address, "" for the default mark.
	LogoURL string
	// LogoAbsURL is LogoURL with the site's base URL, for og:image.
	LogoAbsURL string
	// LogoWidth is the logo's width at the header's 40 pixels high, 0 when
	// its aspect ratio is unknown.
	LogoWidth int
	// FaviconURL and FaviconType are the uploaded favicon, "" for the default.
	FaviconURL, FaviconType string
	// StyleURL is the colours' stylesheet, "" when the site's own colours apply.
	StyleURL    string
	FooterLinks []models.FooterLink
	// css is the stylesheet at StyleURL; cssHash names it.
	css     []byte
	cssHash string
	// stamp changes whenever anything a page shows of the branding does:
	// renders cached across requests (thread and article caches) carry it.
	stamp string
}

// String is the brand name, so a template that prints {{.Brand}} still
// reads "Recommended by <brand>".
func (b brandView) String() string { return b.Name }

// logoHeight is the logo's height in the header, in CSS pixels.
const logoHeight = 40

// brandURL is where a branding file is served: /brand/<name>.<hash>.<ext>.
func brandURL(name, hash, ext string) string { return "/brand/" + name + "." + hash + "." + ext }

// newBrandView makes the branding of settings s.
func (h *Handler) newBrandView(s models.SiteSettings) brandView {
	b := brandView{Name: s.BrandName, Community: s.CommunityName, FooterLinks: s.FooterLinks}
	if b.Community == "" {
		b.Community = h.cfg.SiteName
	}
	if s.Logo.Set() {
		b.LogoURL = brandURL(models.AssetLogo, s.Logo.Hash, s.Logo.Ext())
		b.LogoAbsURL = h.cfg.BaseURL + b.LogoURL
		if s.Logo.Width > 0 && s.Logo.Height > 0 {
			b.LogoWidth = int(math.Round(logoHeight * float64(s.Logo.Width) / float64(s.Logo.Height)))
		}
	}
	if s.Favicon.Set() {
		b.FaviconURL, b.FaviconType = brandURL(models.AssetFavicon, s.Favicon.Hash, s.Favicon.Ext()), s.Favicon.ContentType
	}
	palette, err := models.DerivePalette(s.PrimaryColor, s.AccentColor)
	if err != nil {
		// Saved colours are checked; these were put there some other way.
		h.log.Error("brand colours refused, the site's own apply", "err", err)
	} else if css := brandCSS(palette, h.darkPalette); css != nil {
		sum := sha256.Sum256(css)
		b.css, b.cssHash = css, hex.EncodeToString(sum[:8])
		b.StyleURL = brandURL("colors", b.cssHash, "css")
	}
	b.stamp = strings.Join([]string{b.Name, b.Community, b.LogoURL, b.FaviconURL, b.StyleURL, fmt.Sprint(b.FooterLinks)}, "\x00")
	return b
}

// darkSelector is how site.css opens its forced dark palette (the selectors
// are shared by everything that emits colours).
const darkSelector = `:root[data-theme="dark"]`

// brandCSS sets the colour properties of the shared contract (site.css's
// :root and its dark palette selectors) to the brand's, nil when neither
// colour is set. It is linked after site.css, so the same selectors win.
// The dark scheme's shades only when site.css has a dark scheme: on light
// backgrounds they would not read, and the light ones do.
func brandCSS(p models.BrandPalette, dark bool) []byte {
	if !p.HasPrimary && !p.HasAccent {
		return nil
	}
	vars := func(dark bool) string {
		var b strings.Builder
		if p.HasPrimary {
			brand, hover, on := p.Brand, p.BrandDark, p.OnBrand
			if dark {
				brand, hover, on = p.DarkBrand, p.DarkBrandDark, p.DarkOnBrand
			}
			fmt.Fprintf(&b, " --brand: %s; --brand-dark: %s; --on-brand: %s;", brand.Hex(), hover.Hex(), on.Hex())
		}
		if p.HasAccent {
			fmt.Fprintf(&b, " --accent: %s; --accent-ink: %s;", p.Accent.Hex(), p.AccentInk.Hex())
		}
		return b.String()
	}
	css := "/* Brand colours from the site settings, checked for WCAG AA; the dark scheme's are derived. */\n" +
		":root {" + vars(false) + " }\n"
	if dark {
		css += "@media (prefers-color-scheme: dark) { :root:not([data-theme=\"light\"]) {" + vars(true) + " } }\n" +
			darkSelector + " {" + vars(true) + " }\n"
	}
	return []byte(css)
}

// brandFileCSP is the policy of every branding file: an uploaded SVG opened
// on its own runs nothing and loads nothing, whatever the cleaner missed.
const brandFileCSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"

// serveBrandFile serves GET /brand/<name>.<hash>.<ext>: the logo, the
// favicon or the colours' stylesheet. A current hash is cached for a
// year; an old one (a page rendered before a change) gets today's file,
// not pinned, as serveStatic does.
func (h *Handler) serveBrandFile(c echo.Context) error {
	name, rest, _ := strings.Cut(c.Param("file"), ".")
	hash, ext, _ := strings.Cut(rest, ".")
	ctx := c.Request().Context()
	var ctype, current string
	var body []byte
	switch name {
	case "colors":
		b := h.brand(ctx)
		if b.css == nil || ext != "css" {
			return echo.ErrNotFound
		}
		ctype, current, body = "text/css; charset=utf-8", b.cssHash, b.css
	case models.AssetLogo, models.AssetFavicon:
		a, err := h.store.SiteAsset(ctx, name)
		if errors.Is(err, models.ErrNotFound) || (err == nil && a.Ext() != ext) {
			return echo.ErrNotFound
		}
		if err != nil {
			return err
		}
		ctype, current, body = a.ContentType, a.Hash, a.Data
	default:
		return echo.ErrNotFound
	}
	header := c.Response().Header()
	header.Set("Content-Security-Policy", brandFileCSP)
	if hash == current {
		header.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		header.Set("Cache-Control", "public, max-age=300")
	}
	return c.Blob(http.StatusOK, ctype, body)
}
