package handlers

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/policy"
)

type errorPage struct {
	page
	Code    int
	Heading string
	Message string
}

// handleError turns every error a handler returns into a page in the site's
// layout. Details of unexpected errors go to the log, never to the page.
func (h *Handler) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	code := http.StatusInternalServerError
	msg := "Something went wrong on our side. It has been logged; please try again in a moment."
	var he *echo.HTTPError
	var ve *models.ValidationError
	var na *models.ErrNotAllowed
	var rf *policy.Refusal
	switch fault := models.WriteFaultOf(err); {
	case fault != models.FaultNone:
		code, msg = http.StatusServiceUnavailable, unavailableText
		setRetryAfter(c, fault)
	case errors.Is(err, models.ErrNotFound):
		code, msg = http.StatusNotFound, "There is nothing here. It may have been moved or removed."
	case errors.Is(err, models.ErrPageTooDeep):
		code, msg = http.StatusNotFound, fmt.Sprintf("Lists stop at page %d. Narrow this one with its filters (a category, a tag, "+
			"unanswered or solved), or search for what you are looking for.", models.MaxListPage)
	case errors.Is(err, models.ErrForbidden):
		code, msg = http.StatusForbidden, "You are not allowed to do that."
	case errors.As(err, &na):
		code, msg = http.StatusForbidden, NotAllowedText(na)
	case errors.As(err, &rf):
		code, msg = http.StatusForbidden, refusalText(rf)
	case errors.As(err, &ve):
		code, msg = http.StatusUnprocessableEntity, ve.Error()
	case errors.As(err, &he):
		code = he.Code
		switch code {
		case http.StatusNotFound:
			msg = "There is nothing here. It may have been moved or removed."
		case http.StatusForbidden:
			msg = "You are not allowed to do that. If you were filling in a form, reload the page and try again."
		case http.StatusRequestEntityTooLarge:
			msg = "What you sent is larger than this site accepts. Shorten it and try again."
		case http.StatusTooManyRequests:
			msg = "You are sending requests too quickly. Wait a moment and try again."
		case http.StatusMethodNotAllowed:
			msg = "That address does not accept this kind of request."
		default:
			if s, ok := he.Message.(string); ok && code < 500 {
				msg = s
			}
		}
	}
	rid := c.Response().Header().Get(echo.HeaderXRequestID)
	if code >= 500 {
		h.log.Error("request failed", "request_id", rid, "method", c.Request().Method,
			"path", c.Request().URL.Path, "err", err)
	}
	if isAPIRoute(c) {
		own := ""
		if he != nil {
			if s, ok := he.Message.(string); ok && code < 500 && s != http.StatusText(code) {
				own = s // the handler's own words
			}
		}
		switch {
		case own != "":
			msg = own
		case code == http.StatusRequestEntityTooLarge:
			msg = fmt.Sprintf("The file is larger than this community accepts (%s a file). Make it smaller, or link to it.",
				models.HumanSize(h.uploadLimits(c.Request().Context()).PerFile))
		case code == http.StatusForbidden && he != nil:
			msg = "The upload was refused: reload the page and try again."
		}
		c.Response().Header().Set("Cache-Control", "no-store")
		if err := c.JSON(code, map[string]string{"error": msg}); err != nil {
			h.log.Error("write error response", "err", err)
		}
		return
	}
	if c.Request().Method == http.MethodHead {
		if err := c.NoContent(code); err != nil {
			h.log.Error("write error response", "err", err)
		}
		return
	}
	p := errorPage{page: h.page(c, statusText(code)), Code: code, Heading: statusText(code), Message: msg}
	p.NoIndex = true
	if err := h.render(c, code, "error", p); err != nil {
		h.log.Error("render error page", "request_id", rid, "err", err)
		if err := c.String(code, msg); err != nil {
			h.log.Error("write error response", "err", err)
		}
	}
}

// unavailableText is what a member reads when the database refused a write.
const unavailableText = "This could not be saved: the site cannot store anything right now. " +
	"Nothing was changed. Please try again in a minute."

// setRetryAfter answers a write the database refused (a models.WriteFault)
// with when to try again: a lock is usually free within seconds, a full
// disk needs someone to act.
func setRetryAfter(c echo.Context, f models.WriteFault) {
	secs := "60"
	if f == models.FaultBusy {
		secs = "10"
	}
	c.Response().Header().Set("Retry-After", secs)
}

// formStatus is how a form whose submission failed with err is shown again,
// with what was typed (and its submission key, so sending it again cannot
// write twice): 503 with Retry-After when the database refused the write,
// 422 when the user has something to correct or was refused (withError).
// It is false for any other error, which the caller returns.
func formStatus(c echo.Context, f form, err error) (int, bool) {
	if fault := models.WriteFaultOf(err); fault != models.FaultNone {
		setRetryAfter(c, fault)
		f.Errors["_form"] = unavailableText
		return http.StatusServiceUnavailable, true
	}
	if f.withError(err) {
		return http.StatusUnprocessableEntity, true
	}
	return 0, false
}

// isAPIRoute reports a route answered in JSON, errors included: the
// composer's upload (POST /uploads).
func isAPIRoute(c echo.Context) bool {
	return c.Path() == "/uploads" && c.Request().Method == http.MethodPost
}
