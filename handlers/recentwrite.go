package handlers

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
)

// Read-your-writes across app servers. After a write, the next request may
// land on another server, whose caches have not heard of the write yet
// (the change signal takes 10 to 20 ms, 500 ms when its connection is
// down) and whose reads may go to a replica that has not replayed it. So a
// successful state-changing request leaves a "recent write" mark in the
// session cookie (the time, in milliseconds); for recentWriteWindow after
// it, that browser's pages are rendered for it alone, from the primary:
// never from the page cache, the thread cache or the member caches.
const (
	recentWriteKey = "wrote"
	// recentWriteWindow is longer than the change signal's worst case and
	// than the replica lag the store accepts (models.DefaultReplicaMaxLag):
	// after it, this server's caches and the replica both have the write.
	recentWriteWindow = 5 * time.Second
)

// routeReads says where a request's reads go (models.WithReplicaReads,
// models.WithRecentWrite) and marks the session of a successful write.
// A GET or HEAD from a browser that wrote within recentWriteWindow reads
// from the primary and past the caches; any other GET or HEAD may read
// from the replica; everything else (a form's POST, which may decide a
// write on what it reads) reads from the primary.
func (h *Handler) routeReads(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if isRead(c) {
			if h.recentWriter(c) {
				c.SetRequest(req.WithContext(models.WithRecentWrite(req.Context())))
			} else {
				c.SetRequest(req.WithContext(models.WithReplicaReads(req.Context())))
			}
			return next(c)
		}
		if writesNothing(c.Path()) {
			return next(c)
		}
		res := c.Response()
		res.Before(func() { h.markRecentWrite(c) })
		return next(c)
	}
}

// writesNothing is a POST that stores nothing: the composer's preview,
// sent as a member types, would otherwise keep them past the caches.
func writesNothing(path string) bool { return path == "/preview" }

// recentWriter reports whether the request's session carries a fresh
// recent-write mark. The servers' clocks must agree to well within the
// window (NTP), as the leases already ask.
func (h *Handler) recentWriter(c echo.Context) bool {
	if _, err := c.Request().Cookie(sessionName); err != nil {
		return false
	}
	at, ok := h.session(c).Values[recentWriteKey].(int64)
	if !ok {
		return false
	}
	age := h.store.Now().Sub(time.UnixMilli(at))
	return age < h.recentWrites && age > -h.recentWrites
}

// markRecentWrite puts the mark in the session just before the response's
// header goes out, when the request succeeded and the browser has a
// session: it sent a cookie or the handler saved one (a visitor who only
// chose a colour scheme gets none). A session being ended (logout) is left
// ended. The handler's own Set-Cookie for the session, if any, is replaced
// by this one, which holds the same values and the mark.
func (h *Handler) markRecentWrite(c echo.Context) {
	res := c.Response()
	if res.Status >= http.StatusBadRequest {
		return
	}
	req := c.Request()
	hdr := res.Header()
	saved := -1
	cookies := hdr.Values("Set-Cookie")
	for i, v := range cookies {
		if strings.HasPrefix(v, sessionName+"=") {
			saved = i
		}
	}
	if _, err := req.Cookie(sessionName); err != nil && saved < 0 {
		return
	}
	s := h.session(c)
	if s.Options != nil && s.Options.MaxAge < 0 {
		return
	}
	s.Values[recentWriteKey] = h.store.Now().UnixMilli()
	if saved >= 0 {
		hdr.Del("Set-Cookie")
		for _, v := range cookies {
			if !strings.HasPrefix(v, sessionName+"=") {
				hdr.Add("Set-Cookie", v)
			}
		}
	}
	if err := s.Save(req, res); err != nil {
		h.log.Error("mark a recent write in the session", "err", err)
	}
}
