package handlers

import (
	"bytes"
	"encoding/base64"
	"errors"
	"html/template"
	"image/png"
	"math"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/pquerna/otp"

	"github.com/crowdcare/crowdcare/models"
)

// Settings › Security (/settings/security): the second factors, the
// recovery codes and the company sign-ins linked to the account. Adding a
// second factor ends every other session (a session from before it never
// passed it). Once there is one, changing the factors needs the page
// unlocked first: the password (POST /settings/security/confirm) or a
// fresh company sign-in, which count for reauthTTL in this browser. An
// account made by company sign-in with no password is unlocked by its
// session, which passed the provider and the second factor.

type securityPage struct {
	page
	Form        form
	Factors     models.SecondFactors
	HasPassword bool
	Required    bool // the settings require a second factor of this account's role
	Identities  []models.Identity
	SSO         string // company sign-in's button label; "" when it is off
	SSOLinked   bool   // a company sign-in of this provider is connected: it can unlock the page
	PasskeysOn  bool   // passkeys can be added (the site is served under a host name)
	Unlocked    bool   // the factors can be changed now (factorsUnlocked)
}

func (h *Handler) renderSecurity(c echo.Context, code int, f form) error {
	ctx := c.Request().Context()
	u := currentUser(c)
	factors, err := h.store.SecondFactors(ctx, u.ID)
	if err != nil {
		return err
	}
	hasPassword, err := h.store.HasPassword(ctx, u.ID)
	if err != nil {
		return err
	}
	ids, err := h.store.Identities(ctx, u.ID)
	if err != nil {
		return err
	}
	p := securityPage{page: h.page(c, "Security"), Form: f, Factors: factors, HasPassword: hasPassword,
		Required: h.siteSettings(ctx).NeedsSecondFactor(heldRole(c, u)), Identities: ids, PasskeysOn: h.webauthn != nil}
	if h.sso != nil {
		p.SSO = h.sso.cfg.ButtonLabel
		for _, id := range ids {
			p.SSOLinked = p.SSOLinked || id.Issuer == h.sso.cfg.Issuer
		}
	}
	if p.Unlocked, err = h.factorsUnlocked(c, u); err != nil {
		return err
	}
	p.NoIndex = true
	return h.render(c, code, "settings_security", p)
}

// showSecurity renders GET /settings/security.
func (h *Handler) showSecurity(c echo.Context) error {
	return h.renderSecurity(c, http.StatusOK, newForm())
}

// factorsUnlocked reports whether u may change their second factors now:
// there are none yet, or no password to ask, or this browser confirmed
// it is them within reauthTTL (the password, or company sign-in).
func (h *Handler) factorsUnlocked(c echo.Context, u *models.User) (bool, error) {
	ctx := c.Request().Context()
	has, err := h.store.HasSecondFactor(ctx, u.ID)
	if err != nil || !has {
		return err == nil, err
	}
	hasPassword, err := h.store.HasPassword(ctx, u.ID)
	if err != nil || !hasPassword {
		return err == nil, err
	}
	return h.reauthenticated(c, u), nil
}

// confirmFactorChange lets a change to the second factors through when
// the page is unlocked, or the request carries the right password (field
// password): false, with the field's message in f, otherwise.
func (h *Handler) confirmFactorChange(c echo.Context, u *models.User, f form) (bool, error) {
	if ok, err := h.factorsUnlocked(c, u); err != nil || ok {
		return ok, err
	}
	ctx := c.Request().Context()
	err := h.store.CheckPassword(ctx, u, c.FormValue("password"), c.RealIP())
	var te *models.ThrottledError
	switch {
	case errors.As(err, &te):
		secs := int(math.Ceil(te.RetryAfter.Seconds()))
		c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
		f.Errors["password"] = "Too many failed attempts. Try again in " + waitText(secs) + "."
		return false, nil
	case errors.Is(err, models.ErrBadCredentials):
		f.Errors["password"] = "That is not your password."
		return false, nil
	}
	return err == nil, err
}

// factorAdded follows a new second factor: this browser's session starts
// again, as one that passed it (every other one ended), and a new set of
// recovery codes is shown once.
func (h *Handler) factorAdded(c echo.Context, u *models.User, codes []string, msg string) error {
	fresh, err := h.store.UserByID(c.Request().Context(), u.ID)
	if err != nil {
		return err
	}
	if err := h.startSessionWith(c, fresh, sessionOpts{via: sessionVia(c), secondFactor: true}); err != nil {
		return err
	}
	h.log.Info("second factor added", "user_id", u.ID)
	if len(codes) > 0 {
		return h.renderRecoveryCodes(c, codes, msg)
	}
	h.flash(c, msg+" You are logged out on your other devices.")
	return c.Redirect(http.StatusSeeOther, "/settings/security")
}

type recoveryPage struct {
	page
	Message string
	Codes   []string
}

func (h *Handler) renderRecoveryCodes(c echo.Context, codes []string, msg string) error {
	p := recoveryPage{page: h.page(c, "Your recovery codes"), Message: msg, Codes: codes}
	p.NoIndex = true
	return h.render(c, http.StatusOK, "recovery_codes", p)
}

// totpEnrol is an authenticator app being set up: its secret, shown as a
// QR code, waits until a code from the app confirms it.
type totpEnrol struct {
	URL string `json:"url"` // otpauth://totp/... with the secret
}

const totpCookie = "cc_totp"

type totpPage struct {
	page
	Form   form
	Secret string
	QR     template.URL // a PNG as a data: URL, made here
}

func (h *Handler) renderTOTPSetup(c echo.Context, code int, key *otp.Key, f form) error {
	img, err := key.Image(240, 240)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return err
	}
	p := totpPage{page: h.page(c, "Set up an authenticator app"), Form: f, Secret: key.Secret(),
		QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()))}
	p.NoIndex = true
	return h.render(c, code, "totp_setup", p)
}

// newTOTP handles POST /settings/2fa/totp/new: a new secret to scan.
func (h *Handler) newTOTP(c echo.Context) error {
	u := currentUser(c)
	f := newForm()
	if ok, err := h.confirmFactorChange(c, u, f); err != nil || !ok {
		if err != nil {
			return err
		}
		return h.renderSecurity(c, http.StatusUnprocessableEntity, f)
	}
	key, err := models.NewTOTPKey(h.cfg.SiteName, u.Username)
	if err != nil {
		return err
	}
	secret, err := h.store.SaveChallenge(c.Request().Context(), models.ChallengeTOTPEnrol, u.ID, totpEnrol{URL: key.URL()}, ssoPendingTTL)
	if err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: totpCookie, Value: secret, Path: "/settings/2fa", HttpOnly: true, Secure: h.cfg.secure(),
		SameSite: http.SameSiteStrictMode, MaxAge: int(ssoPendingTTL.Seconds())})
	return h.renderTOTPSetup(c, http.StatusOK, key, newForm())
}

// enableTOTP handles POST /settings/2fa/totp (field code): the app is set up.
func (h *Handler) enableTOTP(c echo.Context) error {
	u := currentUser(c)
	ctx := c.Request().Context()
	ck, err := c.Cookie(totpCookie)
	var enrol totpEnrol
	if err == nil {
		err = h.store.PeekChallenge(ctx, models.ChallengeTOTPEnrol, ck.Value, u.ID, &enrol)
	}
	if err != nil {
		if errors.Is(err, models.ErrChallengeInvalid) || errors.Is(err, http.ErrNoCookie) {
			h.flash(c, "That took too long: start setting up the app again.")
			return c.Redirect(http.StatusSeeOther, "/settings/security")
		}
		return err
	}
	key, err := otp.NewKeyFromURL(enrol.URL)
	if err != nil {
		return err
	}
	f := newForm()
	codes, err := h.store.EnableTOTP(ctx, u, key.Secret(), c.FormValue("code"))
	if code, ok := formStatus(c, f, err); ok {
		return h.renderTOTPSetup(c, code, key, f)
	}
	if err != nil {
		return err
	}
	if err := h.store.DropChallenge(ctx, models.ChallengeTOTPEnrol, ck.Value); err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: totpCookie, Path: "/settings/2fa", MaxAge: -1, HttpOnly: true, Secure: h.cfg.secure()})
	return h.factorAdded(c, u, codes, "Your authenticator app is set up.")
}

// disableTOTP handles POST /settings/2fa/totp/off (field password).
func (h *Handler) disableTOTP(c echo.Context) error {
	u := currentUser(c)
	f := newForm()
	if ok, err := h.confirmFactorChange(c, u, f); err != nil || !ok {
		if err != nil {
			return err
		}
		return h.renderSecurity(c, http.StatusUnprocessableEntity, f)
	}
	if err := h.store.DisableTOTP(c.Request().Context(), u); err != nil {
		return err
	}
	h.log.Info("authenticator app removed", "user_id", u.ID)
	h.flash(c, "Your authenticator app is removed.")
	return c.Redirect(http.StatusSeeOther, "/settings/security")
}

// newRecoveryCodes handles POST /settings/2fa/recovery (field password).
func (h *Handler) newRecoveryCodes(c echo.Context) error {
	u := currentUser(c)
	ctx := c.Request().Context()
	f := newForm()
	has, err := h.store.HasSecondFactor(ctx, u.ID)
	if err != nil {
		return err
	}
	if !has {
		f.Errors["_form"] = "Set up an authenticator app or a passkey first: recovery codes stand in for them."
		return h.renderSecurity(c, http.StatusUnprocessableEntity, f)
	}
	if ok, err := h.confirmFactorChange(c, u, f); err != nil || !ok {
		if err != nil {
			return err
		}
		return h.renderSecurity(c, http.StatusUnprocessableEntity, f)
	}
	codes, err := h.store.NewRecoveryCodes(ctx, u.ID)
	if err != nil {
		return err
	}
	return h.renderRecoveryCodes(c, codes, "Your new recovery codes replace the old ones, which no longer work.")
}

// removePasskey handles POST /settings/passkeys/:id/delete (field password).
func (h *Handler) removePasskey(c echo.Context) error {
	u := currentUser(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.ErrNotFound
	}
	f := newForm()
	if ok, err := h.confirmFactorChange(c, u, f); err != nil || !ok {
		if err != nil {
			return err
		}
		return h.renderSecurity(c, http.StatusUnprocessableEntity, f)
	}
	if err := h.store.RemovePasskey(c.Request().Context(), u.ID, id); err != nil {
		return err // another's passkey, or none: 404
	}
	h.log.Info("passkey removed", "user_id", u.ID)
	h.flash(c, "The passkey is removed.")
	return c.Redirect(http.StatusSeeOther, "/settings/security")
}

// confirmSecurity handles POST /settings/security/confirm (field password):
// the page is unlocked for reauthTTL in this browser.
func (h *Handler) confirmSecurity(c echo.Context) error {
	u := currentUser(c)
	f := newForm()
	err := h.store.CheckPassword(c.Request().Context(), u, c.FormValue("password"), c.RealIP())
	var te *models.ThrottledError
	switch {
	case errors.As(err, &te):
		secs := int(math.Ceil(te.RetryAfter.Seconds()))
		c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
		f.Errors["password"] = "Too many failed attempts. Try again in " + waitText(secs) + "."
		return h.renderSecurity(c, http.StatusTooManyRequests, f)
	case errors.Is(err, models.ErrBadCredentials):
		f.Errors["password"] = "That is not your password."
		return h.renderSecurity(c, http.StatusUnprocessableEntity, f)
	case err != nil:
		return err
	}
	h.markReauthenticated(c, u)
	if err := h.session(c).Save(c.Request(), c.Response()); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/settings/security")
}
