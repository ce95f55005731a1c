package handlers

import (
	"context"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
)

// Request bodies are bounded before anything reads them. Every body, with or
// without a Content-Length (chunked), is cut at its route's limit and must
// arrive within its route's time; a route that takes more than the site's
// small-form limit (an upload) names who may send one, and that is checked
// before the CSRF check parses the body.

// bigBody is a route that takes a body larger than Config.BodyLimit.
type bigBody struct {
	limit int64 // bytes
	// limitNow, when set, gives the limit as a request arrives: the
	// upload limits are an admin's setting.
	limitNow func(context.Context) int64
	perm     models.Permission // who may send one; "": any member
	wait     time.Duration     // how long the body may take to arrive
	// keepsDrafts: a form a visitor sends (a member whose session ended
	// while they typed) is cut at the small-form limit but reaches the
	// route, which keeps what was typed (drafts.go): files are not taken
	// from visitors, text is not thrown away.
	keepsDrafts bool
	// api: a visitor gets a 401 (in JSON, handleError) instead of being
	// sent to the login page.
	api bool
}

// visitorBodyKey holds the smaller cut a visitor's body gets on a
// keepsDrafts route, for limitBodies to say why reading stopped.
const visitorBodyKey = "visitor_body"

const (
	// smallBodyWait is how long a form's body may take to arrive once its
	// headers have: a form of up to a megabyte over a slow phone network.
	// A slower body would only hold a connection.
	smallBodyWait = 10 * time.Second
	// uploadWait is the same for an upload: 64 MB at about 110 KB/s.
	uploadWait = 10 * time.Minute
	// formMemory is how much of a multipart body is kept in memory; the rest
	// of a file goes to a temporary file, which its route's limit bounds and
	// the server removes after the request.
	formMemory = 1 << 20
)

func routeKey(method, path string) string { return method + " " + path }

// watchedBody is a body cut at its route's limit that remembers why reading
// it stopped, whatever the reader (the CSRF check, a handler) made of that.
type watchedBody struct {
	io.ReadCloser
	tooLarge bool
	timedOut bool
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		var mbe *http.MaxBytesError
		var ne net.Error
		switch {
		case errors.As(err, &mbe):
			b.tooLarge = true
		case errors.As(err, &ne) && ne.Timeout():
			b.timedOut = true
		}
	}
	return n, err
}

// limitBodies cuts every request body at its route's limit: a declared
// length over it is refused unread, and a chunked body is refused once it
// passes it. Echo has matched the route by now (c.Path()).
func (h *Handler) limitBodies(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if req.Body == nil || req.Body == http.NoBody {
			return next(c)
		}
		limit, wait := h.bodyLimit, h.formWait
		if b, ok := h.bigBodies[routeKey(req.Method, c.Path())]; ok && (b.limitNow == nil || isMultipart(req)) {
			// A form that may carry files is big only when it does: the
			// same form URL-encoded is text, and as small as any other.
			limit, wait = b.limit, b.wait
			if b.limitNow != nil {
				limit = b.limitNow(req.Context())
			}
		}
		if req.ContentLength > limit {
			c.Response().Header().Set(echo.HeaderConnection, "close")
			return echo.ErrStatusRequestEntityTooLarge
		}
		// The body's own deadline replaces the server's whole-request one,
		// in both directions; the answer to a long upload gets its time too.
		rc := http.NewResponseController(c.Response().Writer)
		deadline := time.Now().Add(wait)
		if err := rc.SetReadDeadline(deadline); err != nil && !errors.Is(err, http.ErrNotSupported) {
			h.log.Warn("set body read deadline", "err", err)
		}
		if wait > h.formWait {
			if err := rc.SetWriteDeadline(deadline.Add(time.Minute)); err != nil && !errors.Is(err, http.ErrNotSupported) {
				h.log.Warn("set write deadline", "err", err)
			}
		}
		body := &watchedBody{ReadCloser: http.MaxBytesReader(c.Response().Writer, req.Body, limit)}
		req.Body = body
		err := next(c)
		// The server removes the temporary files of a multipart form parsed
		// on the request it made, not on the copies middleware made since
		// (memoRequest): those of the request the route ended with go here.
		if form := c.Request().MultipartForm; form != nil {
			if rmErr := form.RemoveAll(); rmErr != nil {
				h.log.Warn("remove multipart temporary files", "err", rmErr)
			}
		}
		visitor, _ := c.Get(visitorBodyKey).(*watchedBody)
		switch {
		case body.tooLarge, visitor != nil && visitor.tooLarge:
			return echo.ErrStatusRequestEntityTooLarge
		case body.timedOut:
			return echo.NewHTTPError(http.StatusRequestTimeout)
		}
		return err
	}
}

// guardBigBodies checks who sends a large body before anything reads it: a
// visitor is sent to log in and a member without the route's permission is
// refused, both unread. An allowed multipart body is parsed here with
// formMemory of memory, so the CSRF check that follows finds it parsed.
func (h *Handler) guardBigBodies(next echo.HandlerFunc) echo.HandlerFunc {
	parse := func(c echo.Context) error {
		req := c.Request()
		if isMultipart(req) {
			// A failure leaves the form unparsed: the CSRF check refuses
			// it, and limitBodies says why when the body was the cause.
			_ = req.ParseMultipartForm(formMemory)
		}
		return next(c)
	}
	return func(c echo.Context) error {
		b, ok := h.bigBodies[routeKey(c.Request().Method, c.Path())]
		if !ok {
			return next(c)
		}
		switch {
		case currentUser(c) != nil && b.perm == "":
			return parse(c)
		case currentUser(c) != nil:
			return h.requireStaffAuth(requirePerm(b.perm)(parse))(c)
		case b.keepsDrafts:
			req := c.Request()
			if req.ContentLength > h.bodyLimit {
				c.Response().Header().Set(echo.HeaderConnection, "close")
				return echo.ErrStatusRequestEntityTooLarge
			}
			vb := &watchedBody{ReadCloser: http.MaxBytesReader(c.Response().Writer, req.Body, h.bodyLimit)}
			req.Body = vb
			c.Set(visitorBodyKey, vb)
			return parse(c)
		case b.api:
			return echo.NewHTTPError(http.StatusUnauthorized, "Your session has ended. Log in again to attach files; what you typed is kept.")
		}
		return requireUser(next)(c)
	}
}

// isMultipart reports a multipart/form-data body.
func isMultipart(req *http.Request) bool {
	mt, _, err := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	return err == nil && mt == echo.MIMEMultipartForm
}
