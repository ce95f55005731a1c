package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
)

type healthReport struct {
	Status   string        `json:"status"`
	Database models.Health `json:"database"`
}

// healthWait bounds /healthz: it answers within it whatever the database
// does (models.Health waits for neither the writer nor the lock).
const healthWait = time.Second

// showHealth answers load balancers and monitors: 200 "ok"; 200 "degraded"
// when the database answers reads but cannot write now (locked, full disk,
// a refused write) or its disk is nearly full: the site still serves pages,
// so a load balancer keeps it, and a monitor alerts on the status or the
// problems listed; 503 "unavailable" when reads fail.
func (h *Handler) showHealth(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), healthWait)
	defer cancel()
	db := h.store.Health(ctx)
	r := healthReport{Status: "ok", Database: db}
	code := http.StatusOK
	switch {
	case !db.OK:
		r.Status, code = "unavailable", http.StatusServiceUnavailable
	case db.Degraded():
		r.Status = "degraded"
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
