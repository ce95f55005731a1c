package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// refuseSuspended is the one place a suspended account's changes are
// refused: every request but GET and HEAD, whatever the route and the
// account's role, gets a 403 page saying until when and why. The store
// refuses the same accounts again where it is given the actor.
func (h *Handler) refuseSuspended(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		u := currentUser(c)
		m := c.Request().Method
		if u == nil || m == http.MethodGet || m == http.MethodHead || suspendedMayPost(c.Path()) {
			return next(c)
		}
		if err := h.store.SuspendedRefusal(u); err != nil {
			return err
		}
		return next(c)
	}
}

// suspendedMayPost lists what a suspended account may still do: leave,
// keep its password its own, confirm its address, turn emails off, and
// take or erase its data (models.DeleteAccount keeps its posts).
func suspendedMayPost(route string) bool {
	switch route {
	case "/logout", "/logout/all", "/settings/password", "/unsubscribe", "/password/forgot", "/password/reset/:token",
		"/email/verify/:token", "/settings/verify", "/settings/export", "/settings/delete":
		return true
	}
	return false
}
