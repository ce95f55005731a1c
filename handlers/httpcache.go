package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// HTTP caching. A visitor's page from the page cache may be kept by the
// browser, a reverse proxy or a CDN for a short time (Config.SharedMaxAge,
// then Config.SharedStale while it is fetched again), and revalidated with
// its ETag or Last-Modified for a 304. Nothing personal is ever marked
// public: a request with a session cookie or a cookie that changes the page
// (variantCookies), a response that sets a cookie, and any page with a form
// that posts (its CSRF token is the visitor's own) get "private". The rules
// are applied twice: where the page cache answers (pageCache.cacheControl), and
// once more for every response by guardSharedCaching, which takes "public"
// back from anything that breaks them.

// Defaults of Config.SharedMaxAge and Config.SharedStale.
const (
	DefaultSharedMaxAge = 30 * time.Second
	DefaultSharedStale  = 60 * time.Second
)

// sendsPrivateCookie reports whether the request carries a session cookie or
// a cookie that changes how a visitor's page looks (the theme), valid or
// not: its answer is never "public", as a shared cache would hand it to
// everybody. A cookie added that changes a visitor's page belongs here and
// in cacheKey.
func sendsPrivateCookie(r *http.Request) bool {
	for _, name := range [...]string{sessionName, themeCookie} {
		if _, err := r.Cookie(name); err == nil {
			return true
		}
	}
	return false
}

// makeSharedCC is the Cache-Control of a visitor's page that shared caches
// may keep for maxAge, and serve for stale more while they fetch it again;
// "" (none may) for a negative maxAge.
func makeSharedCC(maxAge, stale time.Duration) string {
	if maxAge < 0 {
		return ""
	}
	cc := "public, max-age=" + strconv.Itoa(int(maxAge/time.Second))
	if stale > 0 {
		cc += ", stale-while-revalidate=" + strconv.Itoa(int(stale/time.Second))
	}
	return cc
}

// Cache-Control values for what must not be kept by a shared cache.
const (
	// ccPrivateRevalidate: the browser may keep it but asks each time
	// (a 304 when unchanged): a visitor's cached page with a theme cookie.
	ccPrivateRevalidate = "private, no-cache"
	// ccNoStore: nobody keeps it: members' pages, forms, flashes.
	ccNoStore = "private, no-store"
)

// ccPrivateRevalidateValue is ccPrivateRevalidate as a header value.
var ccPrivateRevalidateValue = []string{ccPrivateRevalidate}

// headerValue is a header field's value of one string, nil for "".
func headerValue(v string) []string {
	if v == "" {
		return nil
	}
	return []string{v}
}

// isPublic reports whether a Cache-Control value lets shared caches keep the response.
func isPublic(cc string) bool { return hasToken(cc, "public") }

// contentETag is a strong ETag for a body: part of its SHA-256, the same in
// every process that renders the same bytes.
func contentETag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:10]) + `"`
}

// encodedETag is the tag of the same content in another encoding: a strong
// tag names exact bytes, and the gzip and Brotli bodies are other bytes.
func encodedETag(etag string, enc encoding) string {
	if enc == identity || !strings.HasSuffix(etag, `"`) {
		return etag
	}
	return strings.TrimSuffix(etag, `"`) + "-" + enc.token() + `"`
}

// notModified reports whether a GET or HEAD may be answered 304: its
// If-None-Match lists etag (or "*"), or, without If-None-Match, its
// If-Modified-Since is not before lastModified (RFC 9110 13.2.2).
func notModified(r *http.Request, etag string, lastModified time.Time) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		return etagListed(inm, etag)
	}
	ims := r.Header.Get("If-Modified-Since")
	if ims == "" || lastModified.IsZero() {
		return false
	}
	t, err := http.ParseTime(ims)
	return err == nil && !lastModified.Truncate(time.Second).After(t)
}

// etagListed reports whether an If-None-Match value lists etag, comparing
// weakly (W/ ignored), as RFC 9110 says for If-None-Match.
func etagListed(list, etag string) bool {
	if strings.TrimSpace(list) == "*" {
		return true
	}
	for list != "" {
		var t string
		t, list, _ = strings.Cut(list, ",")
		if strings.TrimPrefix(strings.TrimSpace(t), "W/") == etag {
			return true
		}
	}
	return false
}

// guardSharedCaching checks every response just before its header goes out:
// a response marked "public" keeps it only if it sets no cookie and answers
// a request without a session or variant cookie (static files excepted: they
// are the same for everybody and named by their content). The CSRF cookie the
// CSRF middleware sets on every page is taken out of a public response
// rather than the response made private: no page that may be public has a
// form, and the next page with a form sets it again.
func guardSharedCaching(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		res := c.Response()
		res.Before(func() {
			hdr := res.Header()
			if !isPublic(hdr.Get(echo.HeaderCacheControl)) {
				return
			}
			dropSetCookie(hdr, csrfCookie)
			static := c.Path() == "/static/*"
			if len(hdr.Values(echo.HeaderSetCookie)) > 0 || !static && sendsPrivateCookie(c.Request()) {
				hdr.Set(echo.HeaderCacheControl, ccNoStore)
			}
		})
		return next(c)
	}
}

// dropSetCookie removes the Set-Cookie lines for the cookie name.
func dropSetCookie(hdr http.Header, name string) {
	all := hdr.Values(echo.HeaderSetCookie)
	if len(all) == 0 {
		return
	}
	var kept []string
	for _, v := range all {
		if !strings.HasPrefix(v, name+"=") {
			kept = append(kept, v)
		}
	}
	if len(kept) == len(all) {
		return
	}
	hdr.Del(echo.HeaderSetCookie)
	for _, v := range kept {
		hdr.Add(echo.HeaderSetCookie, v)
	}
}
