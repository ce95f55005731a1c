package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

type healthReport struct {
	Status   string `json:"status"`
	Database any    `json:"database"`
}

// showHealth answers load balancers: 200 when the database answers, 503 when not.
func (h *Handler) showHealth(c echo.Context) error {
	db := h.store.Health(c.Request().Context())
	r := healthReport{Status: "ok", Database: db}
	code := http.StatusOK
	if !db.OK {
		r.Status, code = "unavailable", http.StatusServiceUnavailable
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(code, r)
}

// serveStatic serves embedded assets; a current hash is cached for a year.
func (h *Handler) serveStatic(c echo.Context) error {
	path, current, ok := h.assets.Lookup(c.Param("*"))
	if !ok {
		return echo.ErrNotFound
	}
	if current {
		c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		// An old hash after a deploy: serve today's file, but do not pin it.
		c.Response().Header().Set("Cache-Control", "public, max-age=300")
	}
	http.ServeFileFS(c.Response(), c.Request(), h.assets.FS(), path)
	return nil
}
