package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
)

type incidentPage struct {
	page
	Form       form
	Categories []models.Category
	Term       string
}

// showNewIncident is the form for opening an incident, filled in from the
// spike it was opened from (category, term, first thread behind it).
func (h *Handler) showNewIncident(c echo.Context) error {
	f := newForm()
	f.Values["category"] = c.QueryParam("category")
	f.Values["thread"] = c.QueryParam("thread")
	f.Values["term"] = c.QueryParam("term")
	about := "a problem"
	if t := f.Values["term"]; t != "" {
		about = fmt.Sprintf("a problem with “%s”", t)
	}
	f.Values["message"] = "We know about " + about + " and are working on it. Follow this thread for updates instead of asking again."
	return h.renderIncidentForm(c, http.StatusOK, f)
}

func (h *Handler) renderIncidentForm(c echo.Context, code int, f form) error {
	cats, err := h.store.CategoryChoices(c.Request().Context(), currentUser(c))
	if err != nil {
		return err
	}
	p := incidentPage{page: h.page(c, "Open an incident"), Form: f, Categories: cats, Term: f.Values["term"]}
	p.NoIndex = true
	return h.render(c, code, "incident_new", p)
}

// openIncident handles POST /insights/incidents.
func (h *Handler) openIncident(c echo.Context) error {
	ctx := c.Request().Context()
	f := fromRequest(c, "category", "thread", "message", "term")
	threadID, _ := threadRef(f.Values["thread"]) // 0, refused below, when it names no thread
	in := models.NewIncident{ThreadID: threadID, Message: f.Values["message"], Term: f.Values["term"]}
	if slug := f.Values["category"]; slug != "" {
		// An unknown slug leaves no category, which OpenIncident refuses.
		cat, err := h.store.CategoryBySlug(ctx, slug)
		switch {
		case err == nil:
			in.CategoryID = cat.ID
		case !errors.Is(err, models.ErrNotFound):
			return err
		}
	}
	if _, err := h.store.OpenIncident(ctx, currentUser(c), in); err != nil {
		if f.withError(err) {
			return h.renderIncidentForm(c, http.StatusUnprocessableEntity, f)
		}
		return err
	}
	h.flash(c, "Incident opened: its banner is on the category's pages.")
	return c.Redirect(http.StatusSeeOther, "/insights#incidents")
}

// closeIncident handles POST /insights/incidents/:id/close.
func (h *Handler) closeIncident(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.ErrNotFound
	}
	if err := h.store.CloseIncident(c.Request().Context(), currentUser(c), id); err != nil {
		return err
	}
	h.flash(c, "Incident closed: the banner is gone.")
	return c.Redirect(http.StatusSeeOther, "/insights#incidents")
}
