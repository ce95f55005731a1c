package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// HEAD is answered on every GET route as GET is, without the body: echo
// routes HEAD only where it is registered, and monitors check sites with
// HEAD. headAsGet routes a HEAD as a GET and drops the body the handler
// writes; headRestored, the first route middleware, gives the request its
// method back, so all that follows sees a HEAD: the log and metrics, the
// limits, the page cache (which answers it as a GET) and the visit counts
// (which leave it out).

const headKey = "head-request"

// headAsGet is a Pre middleware: it runs before echo routes the request.
func headAsGet(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if req.Method != http.MethodHead {
			return next(c)
		}
		// Echo's router reads the request it was given, so the method is
		// changed in place; headRestored puts it back once routed, and this
		// does in any case before the error handler runs.
		req.Method = http.MethodGet
		defer func() { req.Method = http.MethodHead }()
		c.Set(headKey, true)
		c.Response().Writer = headWriter{c.Response().Writer}
		return next(c)
	}
}

// headRestored gives a HEAD routed as GET its method back.
func headRestored(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if isHead(c) {
			c.Request().Method = http.MethodHead
		}
		return next(c)
	}
}

// isHead reports whether the request is a HEAD.
func isHead(c echo.Context) bool {
	head, _ := c.Get(headKey).(bool)
	return head || c.Request().Method == http.MethodHead
}

// isRead reports whether the request is a GET or a HEAD.
func isRead(c echo.Context) bool {
	return c.Request().Method == http.MethodGet || isHead(c)
}

// headWriter sends the status and headers a handler sets, not its body.
type headWriter struct{ http.ResponseWriter }

func (w headWriter) Write(b []byte) (int, error) { return len(b), nil }

// Unwrap lets http.ResponseController reach the connection (deadlines, flush).
func (w headWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
