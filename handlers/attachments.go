package handlers

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
)

type postAttachmentsPage struct {
	page
	Post        *models.Post
	Thread      *models.Thread
	Attachments []*models.Attachment
}

// showPostAttachments is GET /p/{id}/attachments: a moderator's list of the
// files a post shows, each with a form to remove it.
func (h *Handler) showPostAttachments(c echo.Context) error {
	p, t, err := h.loadPost(c)
	if err != nil {
		return err
	}
	list, err := h.store.PostAttachments(c.Request().Context(), p.ID)
	if err != nil {
		return err
	}
	pg := postAttachmentsPage{page: h.page(c, "Attachments of a post"), Post: p, Thread: t, Attachments: list}
	pg.NoIndex = true
	return h.render(c, http.StatusOK, "mod_attachments", pg)
}

// removeAttachment is POST /uploads/{key}/remove (reason): a moderator takes
// a file off its post. Audited; the file is deleted from the storage.
func (h *Handler) removeAttachment(c echo.Context) error {
	ctx := c.Request().Context()
	a, err := h.store.RemoveAttachment(ctx, currentUser(c), c.Param("key"), c.FormValue("reason"))
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, ve.Fields["reason"])
	}
	if err != nil {
		return err
	}
	h.cleaner.Wake()
	h.flash(c, fmt.Sprintf("%s was removed. Its address now answers “not found”; the post's text is unchanged.", a.Name))
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/p/%d/attachments", a.PostID))
}

type uploadLimitsPage struct {
	page
	Form form
}

// showUploadLimits is GET /admin/uploads: what members may attach.
func (h *Handler) showUploadLimits(c echo.Context) error {
	f := newForm()
	for k, v := range h.uploadLimits(c.Request().Context()).FormValues() {
		f.Values[k] = v
	}
	return h.renderUploadLimits(c, http.StatusOK, f)
}

func (h *Handler) renderUploadLimits(c echo.Context, code int, f form) error {
	p := uploadLimitsPage{page: h.page(c, "Attachments"), Form: f}
	p.NoIndex = true
	return h.render(c, code, "admin_uploads", p)
}

// saveUploadLimits is POST /admin/uploads (per_file_mb, per_post_mb, per_day_mb).
func (h *Handler) saveUploadLimits(c echo.Context) error {
	f := fromRequest(c, "per_file_mb", "per_post_mb", "per_day_mb")
	err := h.store.SaveUploadLimits(c.Request().Context(), currentUser(c), models.UploadLimitsForm{
		PerFileMB: f.Values["per_file_mb"], PerPostMB: f.Values["per_post_mb"], PerDayMB: f.Values["per_day_mb"]})
	if f.withError(err) {
		return h.renderUploadLimits(c, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	h.forgetUploadLimits()
	h.flash(c, "The upload limits are saved.")
	return c.Redirect(http.StatusSeeOther, "/admin/uploads")
}
