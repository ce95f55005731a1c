package handlers

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
)

// exportWait is how long asking for an export waits for the worker before
// answering: a small account's archive is ready by then and its download
// shown at once; a large one's is made in the background and emailed.
const exportWait = 3 * time.Second

type exportPage struct {
	page
	Export       *models.ExportJob // the latest, or nil
	Downloadable bool
}

// showExport renders GET /settings/export: the latest export's state and
// download, and the button to ask for one.
func (h *Handler) showExport(c echo.Context) error {
	return h.renderExport(c, http.StatusOK)
}

func (h *Handler) renderExport(c echo.Context, code int) error {
	p := exportPage{page: h.page(c, "Download your data")}
	j, err := h.store.LatestExport(c.Request().Context(), p.User.ID)
	switch {
	case err == nil:
		p.Export, p.Downloadable = j, j.Downloadable(h.store.Now())
	case !errors.Is(err, models.ErrNotFound):
		return err
	}
	p.NoIndex = true
	return h.render(c, code, "settings_export", p)
}

// requestExport handles POST /settings/export: it queues an export and
// waits a moment for it (exportWait).
func (h *Handler) requestExport(c echo.Context) error {
	ctx := c.Request().Context()
	j, err := h.store.RequestExport(ctx, currentUser(c))
	if na, ok := models.IsNotAllowed(err); ok {
		h.flash(c, NotAllowedText(na))
		return c.Redirect(http.StatusSeeOther, "/settings/export")
	}
	if err != nil {
		return err
	}
	h.exports.Wake()
	if h.exports.WaitFor(ctx, j.ID, exportWait) {
		h.flash(c, "Your data is ready to download.")
	} else {
		h.flash(c, "We are putting your data together. We will email you when it is ready to download; it can take a few minutes.")
	}
	return c.Redirect(http.StatusSeeOther, "/settings/export")
}

// downloadExport handles GET /settings/export/:id: the member's own ready
// export, while it has not expired. Anyone else's is "not found".
func (h *Handler) downloadExport(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	j, err := h.store.ExportJob(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if j.UserID != currentUser(c).ID || !j.Downloadable(h.store.Now()) {
		return models.ErrNotFound
	}
	// On this server's disk, or in the bucket the servers share: any server
	// serves it then, streamed.
	f, err := h.exports.Open(c.Request().Context(), j.Path)
	if err != nil {
		return fmt.Errorf("open export %d: %w", j.ID, err)
	}
	defer f.Close()
	name := fmt.Sprintf("%s-data-%s.zip", currentUser(c).Username, j.FinishedAt.UTC().Format("2006-01-02"))
	hdr := c.Response().Header()
	hdr.Set(echo.HeaderContentDisposition, fmt.Sprintf("attachment; filename=%q", name))
	hdr.Set("Cache-Control", "no-store")
	hdr.Set(echo.HeaderContentLength, strconv.FormatInt(j.Size, 10))
	return c.Stream(http.StatusOK, "application/zip", f)
}

type deleteAccountPage struct {
	page
	Form form
	// Suspended accounts can go, but their posts stay.
	Suspended bool
	// SSO is company sign-in's button label when the member can confirm
	// with it (it is configured and linked to the account); Confirmed when
	// they just did; HasPassword whether a password can confirm.
	SSO         string
	Confirmed   bool
	HasPassword bool
}

// showDeleteAccount renders GET /settings/delete.
func (h *Handler) showDeleteAccount(c echo.Context) error {
	f := newForm()
	f.Values["posts"] = "keep"
	return h.renderDeleteAccount(c, http.StatusOK, f)
}

func (h *Handler) renderDeleteAccount(c echo.Context, code int, f form) error {
	p := deleteAccountPage{page: h.page(c, "Delete your account"), Form: f}
	p.Suspended = p.User.Suspended(h.store.Now())
	ctx := c.Request().Context()
	var err error
	if p.HasPassword, err = h.store.HasPassword(ctx, p.User.ID); err != nil {
		return err
	}
	if h.sso != nil {
		ids, err := h.store.Identities(ctx, p.User.ID)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if id.Issuer == h.sso.cfg.Issuer {
				p.SSO = h.sso.cfg.ButtonLabel
			}
		}
		p.Confirmed = h.reauthenticated(c, p.User)
	}
	p.NoIndex = true
	return h.render(c, code, "settings_delete", p)
}

// deleteAccount handles POST /settings/delete (fields password, and posts:
// keep or remove): the member's personal data is erased, and they are
// logged out everywhere.
func (h *Handler) deleteAccount(c echo.Context) error {
	u := currentUser(c)
	f := fromRequest(c, "posts")
	remove := f.Values["posts"] == "remove"
	done, err := h.store.DeleteAccount(c.Request().Context(), u, u.ID,
		models.DeleteAccount{Password: c.FormValue("password"), IP: c.RealIP(), RemovePosts: remove,
			Reauthenticated: c.FormValue("password") == "" && h.reauthenticated(c, u)})
	var te *models.ThrottledError
	if errors.As(err, &te) {
		secs := int(math.Ceil(te.RetryAfter.Seconds()))
		c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
		f.Errors["password"] = "Too many failed attempts. Try again in " + waitText(secs) + "."
		return h.renderDeleteAccount(c, http.StatusTooManyRequests, f)
	}
	if code, ok := formStatus(c, f, err); ok {
		return h.renderDeleteAccount(c, code, f)
	}
	if err != nil {
		return err
	}
	h.exports.Remove(done.Files)
	h.cleaner.Wake() // the account's uploads
	h.log.Info("account deleted by its member", "user_id", u.ID, "posts_removed", remove)
	if err := h.clearSession(c); err != nil {
		return err
	}
	// A fresh cookie with nothing but the message.
	s := h.session(c)
	opts := *h.sessions.Options
	s.Options = &opts
	h.flash(c, "Your account is deleted. Thank you for having been part of the community.")
	return c.Redirect(http.StatusSeeOther, "/")
}

// deleteUser handles POST /mod/users/:id/delete: an admin deletes another
// account as its member could, confirming with their own password.
func (h *Handler) deleteUser(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	remove := c.FormValue("posts") == "remove"
	done, err := h.store.DeleteAccount(c.Request().Context(), currentUser(c), id,
		models.DeleteAccount{Password: c.FormValue("password"), IP: c.RealIP(), RemovePosts: remove})
	back := fmt.Sprintf("/mod/users/%d", id)
	var te *models.ThrottledError
	var ve *models.ValidationError
	switch {
	case errors.As(err, &te):
		h.flash(c, "The account was not deleted: too many failed attempts with your password. Try again later.")
		return c.Redirect(http.StatusSeeOther, back)
	case errors.As(err, &ve):
		h.flash(c, "The account was not deleted: that is not your password.")
		return c.Redirect(http.StatusSeeOther, back)
	case err != nil:
		if na, ok := models.IsNotAllowed(err); ok {
			h.flash(c, NotAllowedText(na))
			return c.Redirect(http.StatusSeeOther, back)
		}
		return err
	}
	h.exports.Remove(done.Files)
	h.cleaner.Wake() // the account's uploads
	h.log.Info("account deleted by an admin", "user_id", id, "admin_id", currentUser(c).ID, "posts_removed", remove)
	h.flash(c, "The account is deleted: its personal data is gone.")
	return c.Redirect(http.StatusSeeOther, "/mod/log")
}
