package handlers

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
)

// The second steps of company sign-in: an identity the provider vouched
// for waits (a login challenge under the cc_sso cookie) for the password
// of the account with its address (/sso/link) or for a username
// (/sso/signup); and a logged-in member's confirmation (confirmedBySSO).

type ssoPage struct {
	page
	Form     form
	Email    string
	Username string // of the account to link
}

// pendingSSO reads the identity waiting in this browser, or sends it back
// to the login page.
func (h *Handler) pendingSSO(c echo.Context, want string) (*ssoPending, error) {
	if h.sso == nil {
		return nil, echo.ErrNotFound
	}
	var p ssoPending
	err := h.store.PeekChallenge(c.Request().Context(), models.ChallengeSSOPending, ssoCookieValue(c), 0, &p)
	if errors.Is(err, models.ErrChallengeInvalid) || (err == nil && (p.UserID != 0) != (want == "link")) {
		return nil, echo.NewHTTPError(http.StatusBadRequest, "This sign-in took too long or was finished already. Start again from the login page.")
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// finishSSO takes the waiting identity (once: a second request finds none)
// and ends the login.
func (h *Handler) finishSSO(c echo.Context, u *models.User, next string) error {
	var p ssoPending
	err := h.store.TakeChallenge(c.Request().Context(), models.ChallengeSSOPending, ssoCookieValue(c), 0, &p)
	if errors.Is(err, models.ErrChallengeInvalid) {
		return echo.NewHTTPError(http.StatusBadRequest, "This sign-in was finished already. Start again from the login page.")
	}
	if err != nil {
		return err
	}
	h.setSSOCookie(c, "", 0)
	return h.completeLogin(c, u, viaSSO, next, nil)
}

// showLinkSSO renders GET /sso/link: an account has the address the
// provider verified; its password confirms the person owns it.
func (h *Handler) showLinkSSO(c echo.Context) error {
	p, err := h.pendingSSO(c, "link")
	if err != nil {
		return err
	}
	return h.renderLinkSSO(c, http.StatusOK, p, newForm())
}

func (h *Handler) renderLinkSSO(c echo.Context, code int, p *ssoPending, f form) error {
	u, err := h.store.UserByID(c.Request().Context(), p.UserID)
	if err != nil {
		return err
	}
	pg := ssoPage{page: h.page(c, "Connect your company sign-in"), Form: f, Email: p.Identity.Email, Username: u.Username}
	pg.NoIndex = true
	return h.render(c, code, "sso_link", pg)
}

// linkSSO handles POST /sso/link (field password).
func (h *Handler) linkSSO(c echo.Context) error {
	p, err := h.pendingSSO(c, "link")
	if err != nil {
		return err
	}
	f := newForm()
	u, err := h.store.LinkWithPassword(c.Request().Context(), p.Identity, p.UserID, c.FormValue("password"), c.RealIP())
	var te *models.ThrottledError
	switch {
	case errors.As(err, &te):
		secs := int(math.Ceil(te.RetryAfter.Seconds()))
		c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
		f.Errors["password"] = "Too many failed attempts. Try again in " + waitText(secs) + "."
		return h.renderLinkSSO(c, http.StatusTooManyRequests, p, f)
	case errors.Is(err, models.ErrBadCredentials):
		f.Errors["password"] = "That is not the account's password."
		return h.renderLinkSSO(c, http.StatusUnprocessableEntity, p, f)
	case errors.Is(err, models.ErrEmailUnverified):
		return ssoRefused("The account's address changed since you began. Start again from the login page.")
	}
	if code, ok := formStatus(c, f, err); ok {
		return h.renderLinkSSO(c, code, p, f)
	}
	if err != nil {
		return err
	}
	h.log.Info("company sign-in linked to an account", "user_id", u.ID)
	return h.finishSSO(c, u, p.Next)
}

// showSignupSSO renders GET /sso/signup: a new account, once a username is chosen.
func (h *Handler) showSignupSSO(c echo.Context) error {
	p, err := h.pendingSSO(c, "signup")
	if err != nil {
		return err
	}
	f := newForm()
	f.Values["username"] = models.SSOUsernameSuggestion(p.Identity.PreferredUsername, p.Identity.Email)
	return h.renderSignupSSO(c, http.StatusOK, p, f)
}

func (h *Handler) renderSignupSSO(c echo.Context, code int, p *ssoPending, f form) error {
	pg := ssoPage{page: h.page(c, "Choose your username"), Form: f, Email: p.Identity.Email}
	pg.NoIndex = true
	return h.render(c, code, "sso_signup", pg)
}

// signupSSO handles POST /sso/signup (field username).
func (h *Handler) signupSSO(c echo.Context) error {
	p, err := h.pendingSSO(c, "signup")
	if err != nil {
		return err
	}
	f := fromRequest(c, "username")
	u, err := h.store.CreateSSOUser(c.Request().Context(), p.Identity, f.Values["username"])
	if code, ok := formStatus(c, f, err); ok {
		return h.renderSignupSSO(c, code, p, f)
	}
	if errors.Is(err, models.ErrEmailUnverified) {
		return ssoRefused("Your identity provider has not verified your email address, so it cannot be used to sign in here.")
	}
	if err != nil {
		return err
	}
	h.log.Info("account made by company sign-in", "user_id", u.ID)
	return h.finishSSO(c, u, p.Next)
}

// confirmedBySSO ends a confirmation: the identity the provider just
// vouched for must be the one linked to the member who asked, still
// logged in here, and its login at the provider fresh; the session then
// remembers the confirmation for reauthTTL.
func (h *Handler) confirmedBySSO(c echo.Context, st ssoStart, subject string, claims claimSet) error {
	u := currentUser(c)
	if u == nil || u.ID != st.Confirm {
		return ssoRefused("You are no longer logged in as the member who asked to confirm. Log in and start again.")
	}
	owner, err := h.store.UserByIdentity(c.Request().Context(), h.sso.cfg.Issuer, subject)
	if errors.Is(err, models.ErrNotFound) || (err == nil && owner.ID != u.ID) {
		h.log.Info("company sign-in confirmation refused: another person's account", "user_id", u.ID)
		return ssoRefused("That company account is not the one connected to your account here.")
	}
	if err != nil {
		return err
	}
	if at, ok := claims["auth_time"].(float64); ok && h.store.Now().Sub(time.Unix(int64(at), 0)) > reauthTTL {
		return ssoRefused("Your company sign-in was not fresh: sign in there again to confirm.")
	}
	h.markReauthenticated(c, u)
	if err := h.session(c).Save(c.Request(), c.Response()); err != nil {
		return err
	}
	h.log.Info("confirmed by company sign-in", "user_id", u.ID)
	return c.Redirect(http.StatusSeeOther, localPath(st.Next))
}
