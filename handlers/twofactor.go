package handlers

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
)

// Where a login ends. completeLogin is the one place: the login form, a
// password reset and company sign-in all call it once they know who the
// user is. An account with a second factor gets no session yet: the
// browser's session cookie holds a pending login (who, how, until when),
// with no user id in it, so every page still treats it as a visitor's;
// passing the second factor (a code from the app, a recovery code, a
// passkey) starts the session. The cookie is signed and encrypted, so the
// pending login is this server's word; it needs no server memory.

// Keys of a pending login in the session cookie.
const (
	pendingUserKey  = "pending_uid"
	pendingEpochKey = "pending_epoch"
	pendingUntilKey = "pending_until"
	pendingViaKey   = "pending_via"
	pendingNextKey  = "pending_next"
	pendingFlashKey = "pending_flash"
)

// pendingLoginTTL is how long the second-factor form waits.
const pendingLoginTTL = 10 * time.Minute

// loginEnd is how a login ends once the user is known.
type loginEnd struct {
	via   loginVia
	next  string      // where to go after
	draft *loginDraft // a form's text kept through the login, or nil
	flash string      // a message for the first page, or ""
}

// completeLogin ends a login whose first step proved who u is. The
// response is written: the second-factor form (a redirect to it, or the
// form itself when a draft rides along, since a redirect would drop it),
// or the page the login was for.
func (h *Handler) completeLogin(c echo.Context, u *models.User, via loginVia, next string, draft *loginDraft) error {
	return h.endLogin(c, u, loginEnd{via: via, next: next, draft: draft})
}

func (h *Handler) endLogin(c echo.Context, u *models.User, e loginEnd) error {
	has, err := h.store.HasSecondFactor(c.Request().Context(), u.ID)
	if err != nil {
		return err
	}
	if !has {
		return h.finishLogin(c, u, sessionOpts{via: e.via}, e)
	}
	if err := h.startPendingLogin(c, u, e); err != nil {
		return err
	}
	if e.draft != nil {
		return h.renderSecondFactor(c, http.StatusOK, u, newForm(), e.draft)
	}
	return c.Redirect(http.StatusSeeOther, "/login/2fa")
}

// finishLogin starts the session and goes where the login was for.
func (h *Handler) finishLogin(c echo.Context, u *models.User, o sessionOpts, e loginEnd) error {
	if e.draft != nil {
		o.draft = e.draft.Action
	}
	if err := h.startSessionWith(c, u, o); err != nil {
		return err
	}
	if e.flash != "" {
		h.flash(c, e.flash)
	}
	if !u.EmailVerified() && h.siteSettings(c.Request().Context()).VerifyEmail && !u.Role.IsStaff() {
		h.flash(c, "Confirm your email address to post: open the link we sent to "+u.Email+
			". No email? Ask for a new link in your settings.")
	}
	if e.draft != nil {
		if err := h.keepDraft(c, e.draft); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, e.draft.restore)
	}
	return c.Redirect(http.StatusSeeOther, localPath(e.next))
}

// startPendingLogin replaces the browser's session with a pending login:
// a session it had is ended (its record deleted), as a login would.
func (h *Handler) startPendingLogin(c echo.Context, u *models.User, e loginEnd) error {
	s := h.session(c)
	if sid, _ := s.Values["sid"].(string); sid != "" {
		if _, unrecorded := s.Values[unrecordedKey].(int64); unrecorded {
			h.store.EndUnrecordedSession(sid)
		} else if err := h.store.EndSession(c.Request().Context(), sid); err != nil {
			return err
		}
	}
	s.Values = map[any]any{
		pendingUserKey: u.ID, pendingEpochKey: u.SessionEpoch, pendingUntilKey: time.Now().Add(pendingLoginTTL).Unix(),
		pendingViaKey: string(e.via), pendingNextKey: localPath(e.next), pendingFlashKey: e.flash,
	}
	opts := *h.sessions.Options
	s.Options = &opts
	c.Set(userKey, nil)
	return s.Save(c.Request(), c.Response())
}

// pendingLogin is the user of the browser's pending login and how it
// ends, or nil when there is none (none made, expired, or the account's
// sessions ended since: a password change, log out everywhere).
func (h *Handler) pendingLogin(c echo.Context) (*models.User, loginEnd, error) {
	s := h.session(c)
	id, _ := s.Values[pendingUserKey].(int64)
	until, _ := s.Values[pendingUntilKey].(int64)
	if id == 0 || time.Now().Unix() > until {
		return nil, loginEnd{}, nil
	}
	u, err := h.store.UserByID(c.Request().Context(), id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, loginEnd{}, nil
	}
	if err != nil {
		return nil, loginEnd{}, err
	}
	if epoch, _ := s.Values[pendingEpochKey].(int64); epoch != u.SessionEpoch || u.Deleted() {
		return nil, loginEnd{}, nil
	}
	var e loginEnd
	via, _ := s.Values[pendingViaKey].(string)
	e.via = loginVia(via)
	e.next, _ = s.Values[pendingNextKey].(string)
	e.flash, _ = s.Values[pendingFlashKey].(string)
	return u, e, nil
}

type secondFactorPage struct {
	page
	Form     form
	Draft    *loginDraft
	TOTP     bool // a code from the app (or a recovery code) is asked for
	Passkeys bool // the passkey button is offered (it needs JavaScript)
}

func (h *Handler) renderSecondFactor(c echo.Context, code int, u *models.User, f form, d *loginDraft) error {
	factors, err := h.store.SecondFactors(c.Request().Context(), u.ID)
	if err != nil {
		return err
	}
	p := secondFactorPage{page: h.page(c, "Two-factor authentication"), Form: f, Draft: d,
		TOTP: factors.TOTP || factors.RecoveryLeft > 0, Passkeys: len(factors.Passkeys) > 0 && h.webauthn != nil}
	p.NoIndex = true
	return h.render(c, code, "login_2fa", p)
}

// showSecondFactor renders GET /login/2fa.
func (h *Handler) showSecondFactor(c echo.Context) error {
	u, _, err := h.pendingLogin(c)
	if err != nil {
		return err
	}
	if u == nil {
		return c.Redirect(http.StatusSeeOther, "/login")
	}
	return h.renderSecondFactor(c, http.StatusOK, u, newForm(), nil)
}

// passSecondFactor handles POST /login/2fa (field code: from the app, or a
// recovery code), with the draft fields a login carries.
func (h *Handler) passSecondFactor(c echo.Context) error {
	u, e, err := h.pendingLogin(c)
	if err != nil {
		return err
	}
	if u == nil {
		h.flash(c, "That took too long: log in again.")
		return c.Redirect(http.StatusSeeOther, "/login")
	}
	e.draft = draftFrom(c, c.FormValue("draft_action"), "draft_")
	f := newForm()
	used, err := h.store.CheckSecondFactor(c.Request().Context(), u.ID, c.FormValue("code"))
	var te *models.ThrottledError
	switch {
	case errors.As(err, &te):
		secs := int(math.Ceil(te.RetryAfter.Seconds()))
		c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
		f.Errors["code"] = "Too many wrong codes. Try again in " + waitText(secs) + "."
		return h.renderSecondFactor(c, http.StatusTooManyRequests, u, f, e.draft)
	case errors.Is(err, models.ErrBadCode):
		f.Errors["code"] = "That code is wrong, or was used already. Type the 6 digits the app shows now, or a recovery code."
		return h.renderSecondFactor(c, http.StatusUnprocessableEntity, u, f, e.draft)
	case err != nil:
		return err
	}
	h.log.Info("second factor passed", "user_id", u.ID, "factor", int(used))
	return h.passedSecondFactor(c, u, e, used)
}

// passedSecondFactor starts the session of a pending login whose second factor passed.
func (h *Handler) passedSecondFactor(c echo.Context, u *models.User, e loginEnd, used models.SecondFactorUsed) error {
	if used == models.UsedRecoveryCode {
		factors, err := h.store.SecondFactors(c.Request().Context(), u.ID)
		if err != nil {
			return err
		}
		msg := fmt.Sprintf("You used a recovery code: %s left. ", Plural(factors.RecoveryLeft, "code is", "codes are"))
		if e.flash != "" {
			msg = e.flash + " " + msg
		}
		e.flash = msg + "If you lost your authenticator, set up a new one in Settings › Security."
	}
	return h.finishLogin(c, u, sessionOpts{via: e.via, secondFactor: true}, e)
}

// requireStaffAuth stands before every staff route (routes.go): whatever
// the role allows, the session must have been proved as the settings ask.
//   - While staff must use company sign-in, a session that started with a
//     password is refused (403, with the way to sign in).
//   - An account with a second factor needs a session that passed it
//     (every login of such an account does; sessions from before it was
//     set up were ended then): else the browser logs in again.
//   - An account whose role must have a second factor and has none is
//     sent to set one up before any staff page works.
func (h *Handler) requireStaffAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		// sessionUser found the step a staff session lacks; anyone else
		// meets requirePerm next.
		p, _ := c.Get(staffProofKey).(unprovedStaff)
		switch p.missing {
		case proofSSO:
			return h.renderSSORequired(c)
		case proofLogin:
			if err := h.endSession(c); err != nil {
				return err
			}
			return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(staffReturnPath(c)))
		case proofEnrol:
			h.flash(c, "Set up two-factor authentication to use the staff pages: an authenticator app or a passkey.")
			return c.Redirect(http.StatusSeeOther, "/settings/security")
		}
		return next(c)
	}
}

// staffReturnPath is where to come back to after logging in again.
func staffReturnPath(c echo.Context) string {
	if isRead(c) {
		return c.Request().URL.RequestURI()
	}
	return localPath(refererPath(c))
}

// renderSSORequired refuses a staff page to a session that did not start
// with company sign-in, while staff must use it.
func (h *Handler) renderSSORequired(c echo.Context) error {
	p := authPage{page: h.page(c, "Sign in with your company account"), Form: newForm(), Next: staffReturnPath(c), SSO: h.sso.cfg.ButtonLabel}
	p.NoIndex = true
	return h.render(c, http.StatusForbidden, "sso_required", p)
}

// passwordLoginRefused reports whether u may not log in with a password:
// staff, while they must use company sign-in.
func (h *Handler) passwordLoginRefused(c echo.Context, u *models.User) bool {
	return h.sso != nil && u.Role.IsStaff() && h.siteSettings(c.Request().Context()).StaffSSO
}

// cancelPendingLogin handles POST /logout/pending: a pending login is
// dropped (a logged-in session is left alone: /logout ends that).
func (h *Handler) cancelPendingLogin(c echo.Context) error {
	if currentUser(c) == nil {
		if err := h.clearSession(c); err != nil {
			return err
		}
	}
	return c.Redirect(http.StatusSeeOther, "/login")
}
