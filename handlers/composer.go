package handlers

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
)

// The composer is the Markdown editor of the ask, answer and edit forms:
// the text, a file input (multipart, "files"), a Preview button and a short
// formatting help, all working without JavaScript. composer.js adds a live
// preview, a toolbar, drag-and-drop and paste of files (POST /uploads), and
// keeps what is typed in the browser until it is sent.

// composer is what the composer partial draws.
type composer struct {
	Form form
	// Action is the address the form posts to: drafts are kept per form.
	Action string
	// Label is the text box's label; Rows its height.
	Label string
	Rows  int
	// Preview is the text as it will be published, after Preview was
	// pressed (PreviewShown) without JavaScript.
	Preview      template.HTML
	PreviewShown bool
	Limits       models.UploadLimits
	// Fresh: the form shows nothing the member typed (no error, no
	// preview, no draft kept through a login), so the browser may put
	// back what it kept.
	Fresh bool
	// Accept lists the kinds of file the file input offers.
	Accept string
}

// acceptedFiles is the file input's accept attribute: a hint to the
// browser's picker; the server decides from the content.
const acceptedFiles = "image/png,image/jpeg,image/gif,image/webp,.png,.jpg,.jpeg,.gif,.webp,.txt,.log,.pdf,.csv,.zip"

// newComposer prepares the composer for f, previewing its body when asked.
func (h *Handler) newComposer(c echo.Context, f form, action, label string, rows int) composer {
	ctx := c.Request().Context()
	cp := composer{Form: f, Action: action, Label: label, Rows: rows, Limits: h.uploadLimits(ctx), Accept: acceptedFiles,
		Fresh: c.Request().Method == http.MethodGet && !f.Restored}
	if f.Previewed {
		cp.PreviewShown = true
		html, err := h.store.PreviewMarkdown(f.Values["body"])
		var ve *models.ValidationError
		switch {
		case errors.As(err, &ve):
			f.Errors["body"] = ve.Fields["body"]
		case err != nil:
			h.log.Error("preview", "err", err)
		default:
			cp.Preview = html
		}
	}
	return cp
}

// shownAgain says whether a form that posts content is shown again rather
// than saved, and with which status: a file was refused (422, with the
// text and the files that were taken), or Preview was pressed (200).
func shownAgain(f form) (int, bool) {
	switch {
	case len(f.Errors) > 0:
		return http.StatusUnprocessableEntity, true
	case f.Previewed:
		return http.StatusOK, true
	}
	return 0, false
}

// wantsPreview reports whether the form was sent with its Preview button.
func wantsPreview(c echo.Context) bool { return c.FormValue("preview") == "1" }

// previewMarkdown is POST /preview (field "body"): the HTML a post with
// that text would show, for the composer's live preview. Nothing is
// stored; the HTML is the renderer's, which passes no raw HTML through.
func (h *Handler) previewMarkdown(c echo.Context) error {
	html, err := h.store.PreviewMarkdown(c.FormValue("body"))
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		html = template.HTML(`<p class="field-error">` + template.HTMLEscapeString(ve.Fields["body"]) + `</p>`)
	} else if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(http.StatusOK, []byte(html))
}

// postBodyLimit is the body a form posting content may send: a post's
// files and its text.
func (h *Handler) postBodyLimit(ctx context.Context) int64 {
	return h.uploadLimits(ctx).PerPost + uploadSlack
}

// fileBodyLimit is the body POST /uploads may send: one file.
func (h *Handler) fileBodyLimit(ctx context.Context) int64 {
	return h.uploadLimits(ctx).PerFile + uploadSlack
}

// draftSentCookie tells composer.js, on the page after a form was sent,
// that the draft it kept for that form can go: the post is saved.
const draftSentCookie = "cc_draft_sent"

// draftSent sets draftSentCookie for the form at action.
func (h *Handler) draftSent(c echo.Context, action string) {
	c.SetCookie(&http.Cookie{Name: draftSentCookie, Value: url.QueryEscape(action), Path: "/", MaxAge: 3600,
		Secure: h.cfg.secure(), SameSite: http.SameSiteLaxMode})
}
