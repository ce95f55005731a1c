package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
)

const (
	sessionName = "cc_session"
	userKey     = "user"
	// unrecordedKey marks the cookie of a session the database could not
	// record, with its start (models.UnrecordedSession).
	unrecordedKey = "unrecorded"
)

func (h *Handler) session(c echo.Context) *sessions.Session {
	// Get only fails on a cookie we cannot decode (old keys, tampering);
	// the new empty session it returns anyway is what we want then.
	s, _ := h.sessions.Get(c.Request(), sessionName)
	return s
}

// loadUser finds the logged-in user, if any, for every request.
func (h *Handler) loadUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, err := h.requestUser(c); err != nil {
			return err
		}
		return next(c)
	}
}

// userLookedUpKey marks a request whose session requestUser looked up,
// whether it named a live user or not.
const userLookedUpKey = "user_looked_up"

// requestUser is sessionUser looked up once per request: the page cache
// (personalSession) and loadUser both ask, and a cookie naming an ended
// session would otherwise cost its query twice. A live user is kept under
// userKey (currentUser).
func (h *Handler) requestUser(c echo.Context) (*models.User, error) {
	if c.Get(userLookedUpKey) != nil {
		return currentUser(c), nil
	}
	u, err := h.sessionUser(c)
	if err != nil {
		return nil, err
	}
	c.Set(userLookedUpKey, true)
	if u != nil {
		c.Set(userKey, u)
	}
	return u, nil
}

// sessionUser is the live user the request's session names, or nil: a
// cookie that does not decode (garbage, old keys, expired), names no user
// or a deleted one, or is from before "log out everywhere" or a password
// change is a visitor's.
func (h *Handler) sessionUser(c echo.Context) (*models.User, error) {
	s := h.session(c)
	id, _ := s.Values["uid"].(int64)
	sid, _ := s.Values["sid"].(string)
	if id == 0 || sid == "" {
		return nil, nil
	}
	// The cookie counts only while its session is recorded in the database
	// (so a copy of it dies at logout), or for an unrecorded one, while the
	// database refuses writes.
	var u *models.User
	var err error
	if started, ok := s.Values[unrecordedKey].(int64); ok {
		u, err = h.store.UnrecordedSessionUser(c.Request().Context(), id, sid, time.Unix(started, 0))
	} else {
		u, err = h.viewer(c.Request().Context(), id, sid)
	}
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	// A session from before "log out everywhere" or a password change is void.
	if epoch, _ := s.Values["epoch"].(int64); epoch != u.SessionEpoch {
		return nil, nil
	}
	// How the session was proved, for the staff pages (requireStaffAuth).
	via, _ := s.Values[viaKey].(string)
	mfa, _ := s.Values[secondFactorKey].(bool)
	c.Set(viaKey, via)
	c.Set(secondFactorKey, mfa)
	// Staff whose session is not proved as the settings ask act as a
	// member everywhere (a private category, another's post, an answer
	// to accept): the staff pages send them to prove it (requireStaffAuth
	// acts on the missing step kept under staffProofKey).
	if u.Role.IsStaff() {
		missing, err := h.staffProof(c, u)
		if err != nil {
			return nil, err
		}
		if missing != proofComplete {
			c.Set(staffProofKey, unprovedStaff{role: u.Role, missing: missing})
			member := *u
			member.Role = models.RoleMember
			u = &member
		}
	}
	return u, nil
}

// staffProofKey holds, for a staff member whose session is not proved as
// the settings ask (sessionUser), the role they hold and the step missing.
const staffProofKey = "staff_proof"

type unprovedStaff struct {
	role    models.Role
	missing proofStep
}

// proofStep is what a staff session lacks (staffProof).
type proofStep int

const (
	proofComplete proofStep = iota
	proofSSO                // staff must use company sign-in, and this session began with a password
	proofLogin              // the account has a second factor this session did not pass
	proofEnrol              // the role must have a second factor, and the account has none
)

// heldRole is the role u holds: a staff role sessionUser set aside for a
// session not proved as the settings ask, else u's.
func heldRole(c echo.Context, u *models.User) models.Role {
	if p, ok := c.Get(staffProofKey).(unprovedStaff); ok {
		return p.role
	}
	return u.Role
}

// staffProof says which step the request's session lacks to act with u's
// staff role: company sign-in while staff must use it; the second factor
// when u has one; a second factor when the role must have one.
func (h *Handler) staffProof(c echo.Context, u *models.User) (proofStep, error) {
	ctx := c.Request().Context()
	settings := h.siteSettings(ctx)
	if h.sso != nil && settings.StaffSSO && sessionVia(c) != viaSSO {
		return proofSSO, nil
	}
	has, err := h.store.HasSecondFactor(ctx, u.ID)
	switch {
	case err != nil:
		return proofComplete, err
	case has && !sessionSecondFactor(c):
		return proofLogin, nil
	case !has && settings.NeedsSecondFactor(u.Role):
		return proofEnrol, nil
	}
	return proofComplete, nil
}

// Session values that say how the session was proved: what proved who the
// user is (loginVia), and whether they passed a second factor. The cookie
// is signed and encrypted, so they are what this server wrote.
const (
	viaKey          = "via"
	secondFactorKey = "mfa"
)

// loginVia is what proved who the user is at a login.
type loginVia string

const (
	viaPassword loginVia = "password" // the login form, a reset link
	viaSSO      loginVia = "sso"      // the company's identity provider
)

// sessionVia and sessionSecondFactor read how the request's session was
// proved (sessionUser sets them).
func sessionVia(c echo.Context) loginVia {
	v, _ := c.Get(viaKey).(string)
	return loginVia(v)
}

func sessionSecondFactor(c echo.Context) bool {
	v, _ := c.Get(secondFactorKey).(bool)
	return v
}

// flashesKey is where gorilla/sessions keeps flash messages by default.
const flashesKey = "_flash"

// personalSession reports whether the request's pages are its own: its
// session wrote a moment ago (recentwrite.go), names a live user (requestUser, so loadUser does not look again),
// holds a flash message still to be shown, or, on a KB article, a voter id
// (the page shows the visitor's vote). Any other request, whatever cookie
// it sends, is a visitor's and may be answered from the page cache.
func (h *Handler) personalSession(c echo.Context) (bool, error) {
	if _, err := c.Request().Cookie(sessionName); err != nil {
		return false, nil // no cookie: nothing to decode
	}
	if models.RecentWrite(c.Request().Context()) {
		return true, nil // wrote a moment ago (routeReads): not from a copy
	}
	s := h.session(c)
	if flashes, _ := s.Values[flashesKey].([]any); len(flashes) > 0 {
		return true, nil
	}
	if vid, _ := s.Values[voterKey].(string); vid != "" && c.Path() == "/kb/:id/:slug" {
		return true, nil
	}
	u, err := h.requestUser(c)
	return u != nil, err
}

func currentUser(c echo.Context) *models.User {
	u, _ := c.Get(userKey).(*models.User)
	return u
}

// requireUser sends visitors to the login page and back afterwards.
func requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if currentUser(c) != nil {
			return next(c)
		}
		target := c.Request().URL.RequestURI()
		if !isRead(c) {
			// After login, go back to the page the form was on, not to a POST-only URL.
			target = localPath(refererPath(c))
		}
		return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(target))
	}
}

// startSession replaces whatever session the browser had with a fresh one
// for u, so a session id planted before login is worthless after it: the
// old session's record is deleted, the new id is made and recorded by the
// store, and the CSRF token is replaced too. When the database refuses the
// record (full disk, lock held too long), the session is an unrecorded one,
// good only while the database goes on refusing writes: otherwise nobody,
// the admin who has to fix it included, could log in. draft names the form
// whose draft the login keeps (keepDraft), or is "".
func (h *Handler) startSession(c echo.Context, u *models.User, draft string) error {
	o := sessionOpts{draft: draft, via: viaPassword}
	// A new session of the same user (a password change) keeps how the one
	// it replaces was proved.
	if s := h.session(c); s.Values["uid"] == u.ID {
		if via, ok := s.Values[viaKey].(string); ok {
			o.via = loginVia(via)
		}
		o.secondFactor, _ = s.Values[secondFactorKey].(bool)
	}
	return h.startSessionWith(c, u, o)
}

// sessionOpts says how a session starts.
type sessionOpts struct {
	draft        string   // the form whose draft the login keeps, or ""
	via          loginVia // what proved who the user is
	secondFactor bool     // the user passed a second factor
}

// startSessionWith is startSession with how the session was proved. A
// staff member's company sign-in, while staff must use it, lasts
// SSOConfig.StaffSession rather than models.SessionTTL.
func (h *Handler) startSessionWith(c echo.Context, u *models.User, o sessionOpts) error {
	draft := o.draft
	s := h.session(c)
	old, _ := s.Values["sid"].(string)
	// Nothing from before login survives.
	values := map[any]any{"uid": u.ID, "epoch": u.SessionEpoch, viaKey: string(o.via), secondFactorKey: o.secondFactor}
	ttl := models.SessionTTL
	if o.via == viaSSO && h.sso != nil && u.Role.IsStaff() && h.siteSettings(c.Request().Context()).StaffSSO {
		ttl = h.sso.cfg.StaffSession
	}
	sid, err := h.store.StartSessionFor(c.Request().Context(), u.ID, old, ttl)
	if fault := models.WriteFaultOf(err); fault != models.FaultNone {
		// Refused only when writes work again meanwhile: then the fault's 503
		// stands, and logging in again records the session.
		if usid, started, uerr := h.store.UnrecordedSession(); uerr == nil {
			sid, err = usid, nil
			values[unrecordedKey] = started.Unix()
			h.log.Warn("session not recorded: the database refuses writes", "user_id", u.ID, "fault", fault.String())
		}
	}
	if err != nil {
		return err
	}
	values["sid"] = sid
	if draft != "" {
		values[draftKey] = draft
	}
	s.Values = values
	opts := *h.sessions.Options
	s.Options = &opts
	c.Set(userKey, u)
	c.Set(viaKey, string(o.via))
	c.Set(secondFactorKey, o.secondFactor)
	h.dropCSRFToken(c)
	return s.Save(c.Request(), c.Response())
}

// endSession logs this browser out: its session's record is deleted, so a
// copy of the cookie is worthless too.
func (h *Handler) endSession(c echo.Context) error {
	s := h.session(c)
	if sid, _ := s.Values["sid"].(string); sid != "" {
		if _, unrecorded := s.Values[unrecordedKey].(int64); unrecorded {
			h.store.EndUnrecordedSession(sid)
		} else if err := h.store.EndSession(c.Request().Context(), sid); err != nil {
			return err
		}
	}
	return h.clearSession(c)
}

// clearSession empties the browser's session cookie and CSRF token.
func (h *Handler) clearSession(c echo.Context) error {
	s := h.session(c)
	s.Values = map[any]any{}
	s.Options.MaxAge = -1
	h.dropCSRFToken(c)
	return s.Save(c.Request(), c.Response())
}

// flash keeps a one-line message for the next page the user sees.
func (h *Handler) flash(c echo.Context, msg string) {
	s := h.session(c)
	s.AddFlash(msg)
	if err := s.Save(c.Request(), c.Response()); err != nil {
		h.log.Error("save flash", "err", err)
	}
}

// flashAt keeps a message for the post postID: a page that shows the post
// (the thread page the action lands on, at the post's anchor) shows it in
// the post; any other page at its top.
func (h *Handler) flashAt(c echo.Context, postID int64, msg string) {
	h.flash(c, postFlashMark+strconv.FormatInt(postID, 10)+"\x00"+msg)
}

// postFlashMark starts a flash kept for a post: no message starts with NUL.
const postFlashMark = "\x00post:"

// flashFor is flash, or flashAt when back is a post's address (/p/{id}).
func (h *Handler) flashFor(c echo.Context, back, msg string) {
	if id, err := strconv.ParseInt(strings.TrimPrefix(back, "/p/"), 10, 64); err == nil && strings.HasPrefix(back, "/p/") {
		h.flashAt(c, id, msg)
		return
	}
	h.flash(c, msg)
}

// splitFlash reads a flash kept by flashAt: its post and message; post is 0
// for a plain one.
func splitFlash(f string) (post int64, msg string) {
	rest, ok := strings.CutPrefix(f, postFlashMark)
	if !ok {
		return 0, f
	}
	id, text, ok := strings.Cut(rest, "\x00")
	n, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil {
		return 0, text
	}
	return n, text
}

func (h *Handler) takeFlashes(c echo.Context) []string {
	s := h.session(c)
	raw := s.Flashes()
	if len(raw) == 0 {
		return nil
	}
	if err := s.Save(c.Request(), c.Response()); err != nil {
		h.log.Error("clear flashes", "err", err)
	}
	out := make([]string, 0, len(raw))
	for _, f := range raw {
		if m, ok := f.(string); ok {
			out = append(out, m)
		}
	}
	return out
}

// localPath keeps a redirect target on this site: "//evil.com" and
// "https://evil.com" become "/".
func localPath(p string) string {
	// Browsers drop tabs and newlines and read "\\" as "/", so "/\t/evil.com" is "//evil.com" to them.
	bad := strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' })
	if bad || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
		return "/"
	}
	return p
}

func refererPath(c echo.Context) string {
	u, err := url.Parse(c.Request().Referer())
	if err != nil || u.Path == "" {
		return "/"
	}
	if u.RawQuery != "" {
		return u.Path + "?" + u.RawQuery
	}
	return u.Path
}
