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
	// Holder is this server's name in the leases table; Leases the
	// background jobs it runs now, because it holds their leases.
	Holder string   `json:"lease_holder,omitempty"`
	Leases []string `json:"leases"`
}

// healthWait bounds /healthz: it answers within it whatever the database
// does (models.Health waits for neither the writer nor the lock).
const healthWait = time.Second

// showHealth answers load balancers and monitors: 200 "ok"; 200 "degraded"
// when the database answers reads but cannot write now (locked, full disk,
// a refused write) or its disk is nearly full: the site still serves pages,
// so a load balancer keeps it, and a monitor alerts on the status or the
// problems listed; 503 "unavailable" when reads fail. It lists the leases
// this server holds: which background jobs run here.
func (h *Handler) showHealth(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), healthWait)
	defer cancel()
	db := h.store.Health(ctx)
	r := healthReport{Status: "ok", Database: db, Leases: []string{}}
	if h.cfg.Leases != nil {
		r.Holder = h.cfg.Leases.Holder()
		r.Leases = append(r.Leases, h.cfg.Leases.Held()...)
	}
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
