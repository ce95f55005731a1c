package handlers

import (
	"context"
	"encoding/hex"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// answerFromCache is the first middleware of all, before routing: a
// visitor's GET (no session cookie, so nothing personal to look up) of a
// page the page cache holds current, or holds out of date while another
// request renders it again, is answered here, with what the rest of the
// chain would have added (security headers, request id, the metrics, the
// visit count, the log line at debug level) and nothing else: routing, the dozen
// middleware echo builds for each request, the compression wrapper and the
// session are skipped. A 304 for a matching If-None-Match costs little
// more than the bare server's. Everything else goes on as usual: members,
// misses, outdated entries with nobody rendering them (the page cache's
// middleware decides who does), HEAD, and what was never cached.
func (h *Handler) answerFromCache(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if req.Method != http.MethodGet || req.ContentLength != 0 || hasCookie(req, sessionName) {
			return next(c)
		}
		start := time.Now()
		e, how, ok := h.pages.current(cacheKey(req))
		if !ok {
			return next(c)
		}
		res := c.Response()
		hdr := res.Header()
		setFields(hdr, h.securityFields)
		rid := requestIDOf(req)
		hdr[requestIDField] = []string{rid}
		status, err := h.pages.answer(c, e, how)
		took := time.Since(start)
		h.metrics.record(e.route, req.Method, status, took)
		// At debug: a hit costs the bare server's work plus a few µs, and a
		// log line would be half of them (CROWDCARE_LOG_LEVEL=debug shows them;
		// the metrics count every one, and a proxy in front logs them anyway).
		h.logRequest(req.Context(), slog.LevelDebug, rid, req.Method, req.URL.Path, e.route, status, res.Size, took)
		return err // the page was sent (or the client left): nothing for the error handler to write
	}
}

// hasCookie reports whether the request sends the cookie name.
func hasCookie(r *http.Request, name string) bool {
	_, err := r.Cookie(name)
	return err == nil
}

// securityHeaders sets the header fields every response carries
// (Handler.securityFields).
func (h *Handler) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		setFields(c.Response().Header(), h.securityFields)
		return next(c)
	}
}

// makeSecurityFields are the header fields every response carries: no
// sniffing, no framing, the content security policy, the referrer policy,
// and HSTS when the base URL is https (set whatever the request came over:
// behind a TLS-terminating proxy it never arrives over TLS).
func makeSecurityFields(secure bool) []headerField {
	fields := []headerField{
		// The legacy XSS auditor causes more harm than good; CSP does the work.
		field(echo.HeaderXXSSProtection, "0"),
		field(echo.HeaderXContentTypeOptions, "nosniff"),
		field(echo.HeaderXFrameOptions, "DENY"),
		field(echo.HeaderContentSecurityPolicy, "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "+
			"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"),
		field(echo.HeaderReferrerPolicy, "same-origin"),
	}
	if secure {
		fields = append(fields, field(echo.HeaderStrictTransportSecurity, "max-age=31536000; includeSubDomains"))
	}
	return fields
}

// requestID gives every response an X-Request-Id (requestIDOf): the log
// line and a 500 page name it.
func requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header()[requestIDField] = []string{requestIDOf(c.Request())}
		return next(c)
	}
}

// requestIDField is X-Request-Id in canonical form, to set it directly.
const requestIDField = "X-Request-Id"

// requestIDOf is the request's id: the one a proxy in front sent in
// X-Request-Id, else 32 random hexadecimal digits. It only tells log
// lines apart, so it need not be unguessable: math/rand, no system call.
func requestIDOf(r *http.Request) string {
	if rid := r.Header.Get(echo.HeaderXRequestID); rid != "" {
		return rid
	}
	var b [16]byte
	for i := 0; i < len(b); i += 8 {
		v := rand.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return hex.EncodeToString(b[:])
}

// logRequest writes the request's line to the log, at level.
func (h *Handler) logRequest(ctx context.Context, level slog.Level, rid, method, path, route string, status int, size int64, took time.Duration) {
	h.log.LogAttrs(ctx, level, "request",
		slog.String("request_id", rid), slog.String("method", method), slog.String("path", path),
		slog.String("route", route), slog.Int("status", status), slog.Int64("bytes", size),
		slog.Float64("duration_ms", float64(took.Microseconds())/1000))
}
