package handlers

import (
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"
)

// themeCookie holds the colour scheme a browser chose: "light" or "dark".
// Without it pages follow the system's prefers-color-scheme. A forced
// scheme is rendered as <html data-theme="light|dark"> (site.css has both
// palettes), so every cache of rendered HTML keys on it (docs/theme.md).
const themeCookie = "theme"

// themeMaxAge keeps the choice for a year; choosing "system" deletes it.
const themeMaxAge = 365 * 24 * time.Hour

// themeOf is the scheme the request forces: "light", "dark", or "" to
// follow the system. Any other cookie value counts as "".
func themeOf(r *http.Request) string {
	ck, err := r.Cookie(themeCookie)
	if err != nil {
		return ""
	}
	switch ck.Value {
	case "light", "dark":
		return ck.Value
	}
	return ""
}

// setTheme handles POST /theme, the colour scheme buttons in the footer:
// theme=light|dark keeps the choice in the cookie, theme=system deletes
// it; then back to the page the form was on.
//
// The route takes no CSRF token (routes.go): the form is on every page,
// visitor pages are served from the shared page cache where a token would
// be someone else's, and all a forged request could do is switch a
// browser's colours. Cross-site posts are still refused (fetchMetadata) and
// the cookie is SameSite=Lax; docs/theme.md has the reasoning.
func (h *Handler) setTheme(c echo.Context) error {
	ck := &http.Cookie{Name: themeCookie, Path: "/", HttpOnly: true, Secure: h.cfg.secure(), SameSite: http.SameSiteLaxMode}
	switch v := c.FormValue("theme"); v {
	case "light", "dark":
		ck.Value, ck.MaxAge = v, int(themeMaxAge.Seconds())
	case "system":
		ck.MaxAge = -1
	default:
		return echo.NewHTTPError(http.StatusBadRequest, "Choose a colour scheme: light, dark or system.")
	}
	c.SetCookie(ck)
	return c.Redirect(http.StatusSeeOther, themeReturn(c))
}

// themeReturn is where the theme form goes back to: its "next" field (the
// page's path, kept on this site by localPath), with the query string of the
// Referer when that is the same page on this site, so a search or a list's
// second page comes back as it was.
func themeReturn(c echo.Context) string {
	back := url.URL{Path: localPath(c.FormValue("next"))}
	if ref, err := url.Parse(c.Request().Referer()); err == nil && ref.Host == c.Request().Host && ref.Path == back.Path {
		back.RawQuery = ref.RawQuery
	}
	return back.String()
}
