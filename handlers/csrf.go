package handlers

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// csrfCookie is the CSRF token's cookie and form field (routes.go).
const csrfCookie = "_csrf"

// csrfFromBodyOnly refuses a state-changing request with _csrf in its URL.
// Echo's "form:" token lookup reads the query string as well as the body,
// and a token in a URL leaks through logs, browser history and Referer; so
// the token counts only in the body.
func csrfFromBodyOnly(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		switch req.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		default:
			if req.URL.Query().Has(csrfCookie) {
				return echo.ErrForbidden
			}
		}
		return next(c)
	}
}

// dropCSRFToken deletes the browser's CSRF token, replacing the cookie the
// middleware set on this response, so the next page the browser loads gets
// a new one (echo makes a new token when the cookie is missing). Called when
// a session starts or ends: a token seen before login is worthless after it.
func (h *Handler) dropCSRFToken(c echo.Context) {
	hdr := c.Response().Header()
	var kept []string
	for _, v := range hdr.Values(echo.HeaderSetCookie) {
		if !strings.HasPrefix(v, csrfCookie+"=") {
			kept = append(kept, v)
		}
	}
	hdr.Del(echo.HeaderSetCookie)
	for _, v := range kept {
		hdr.Add(echo.HeaderSetCookie, v)
	}
	c.SetCookie(&http.Cookie{Name: csrfCookie, Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: h.cfg.secure(), SameSite: http.SameSiteLaxMode})
}
