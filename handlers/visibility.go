package handlers

import (
	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
)

// checkCategory answers "not found" for a private category the viewer may not
// see, so its existence does not leak.
func (h *Handler) checkCategory(c echo.Context, categoryID int64) error {
	ok, err := h.store.CanSeeCategory(c.Request().Context(), currentUser(c), categoryID)
	if err != nil {
		return err
	}
	if !ok {
		return models.ErrNotFound
	}
	return nil
}

// loadThread reads the :id thread the viewer may see.
func (h *Handler) loadThread(c echo.Context) (*models.Thread, error) {
	id, err := pathID(c)
	if err != nil {
		return nil, err
	}
	t, err := h.store.Thread(c.Request().Context(), id)
	if err != nil {
		return nil, err
	}
	if err := h.checkThread(c, t); err != nil {
		return nil, err
	}
	return t, nil
}

// checkThread is checkCategory plus: a hidden or queued thread exists only
// for its author and for staff.
func (h *Handler) checkThread(c echo.Context, t *models.Thread) error {
	// A public category is everyone's: no need to ask about the viewer's groups.
	if t.Category.Group != "" {
		if err := h.checkCategory(c, t.Category.ID); err != nil {
			return err
		}
	}
	u := currentUser(c)
	if (t.Hidden || t.Pending) && !u.Can(models.PermHide) && (u == nil || u.ID != t.Author.ID) {
		return models.ErrNotFound
	}
	return nil
}
