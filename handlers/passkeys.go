package handlers

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
)

// Passkeys (WebAuthn) as a second factor. Each ceremony is two requests:
// the options (a challenge, as JSON for static/js/passkey.js), then the
// browser's answer, posted in the hidden field "credential" of an ordinary
// form with its CSRF token. The challenge waits in the database (a login
// challenge, taken once) under a cookie's secret, not in server memory.
// Passkeys need JavaScript; the authenticator app works without.

const (
	webauthnCookie = "cc_webauthn"
	webauthnTTL    = 5 * time.Minute
)

// newWebAuthn is the relying party: this site, at its base URL.
func newWebAuthn(baseURL, siteName string) (*webauthn.WebAuthn, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, err
	}
	return webauthn.New(&webauthn.Config{RPID: u.Hostname(), RPDisplayName: siteName, RPOrigins: []string{u.Scheme + "://" + u.Host},
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Enforce: true, Timeout: webauthnTTL, TimeoutUVD: webauthnTTL},
			Registration: webauthn.TimeoutConfig{Enforce: true, Timeout: webauthnTTL, TimeoutUVD: webauthnTTL},
		}})
}

// passkeyUser is an account as the WebAuthn library sees it.
type passkeyUser struct {
	u     *models.User
	creds []webauthn.Credential
}

// WebAuthnID is the user handle: the account id, which says nothing about the person.
func (p passkeyUser) WebAuthnID() []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, uint64(p.u.ID))
	return b
}
func (p passkeyUser) WebAuthnName() string { return p.u.Username }
func (p passkeyUser) WebAuthnDisplayName() string {
	if p.u.DisplayName != "" {
		return p.u.DisplayName
	}
	return p.u.Username
}
func (p passkeyUser) WebAuthnCredentials() []webauthn.Credential { return p.creds }

func (h *Handler) passkeyUser(c echo.Context, u *models.User) (passkeyUser, error) {
	keys, err := h.store.Passkeys(c.Request().Context(), u.ID)
	if err != nil {
		return passkeyUser{}, err
	}
	pu := passkeyUser{u: u}
	for _, k := range keys {
		var cred webauthn.Credential
		if err := json.Unmarshal([]byte(k.Credential), &cred); err != nil {
			return passkeyUser{}, fmt.Errorf("passkey %d: %w", k.ID, err)
		}
		pu.creds = append(pu.creds, cred)
	}
	return pu, nil
}

// saveWebAuthn keeps a ceremony's session data for its second request.
func (h *Handler) saveWebAuthn(c echo.Context, kind string, u *models.User, session *webauthn.SessionData) error {
	secret, err := h.store.SaveChallenge(c.Request().Context(), kind, u.ID, session, webauthnTTL)
	if err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: webauthnCookie, Value: secret, Path: "/", HttpOnly: true, Secure: h.cfg.secure(),
		SameSite: http.SameSiteStrictMode, MaxAge: int(webauthnTTL.Seconds())})
	return nil
}

// takeWebAuthn takes a ceremony's session data (once).
func (h *Handler) takeWebAuthn(c echo.Context, kind string, u *models.User) (webauthn.SessionData, error) {
	var session webauthn.SessionData
	ck, err := c.Cookie(webauthnCookie)
	if err != nil {
		return session, models.ErrChallengeInvalid
	}
	c.SetCookie(&http.Cookie{Name: webauthnCookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: h.cfg.secure()})
	return session, h.store.TakeChallenge(c.Request().Context(), kind, ck.Value, u.ID, &session)
}

// passkeyLoginOptions handles POST /login/2fa/passkey/options: the
// challenge for the pending login's passkeys, as JSON.
func (h *Handler) passkeyLoginOptions(c echo.Context) error {
	if h.webauthn == nil {
		return echo.ErrNotFound
	}
	u, _, err := h.pendingLogin(c)
	if err != nil {
		return err
	}
	if u == nil {
		return c.JSON(http.StatusUnauthorized, map[string]string{"error": "Log in again: that took too long."})
	}
	pu, err := h.passkeyUser(c, u)
	if err != nil {
		return err
	}
	if len(pu.creds) == 0 {
		return c.JSON(http.StatusConflict, map[string]string{"error": "This account has no passkey."})
	}
	assertion, session, err := h.webauthn.BeginLogin(pu, webauthn.WithUserVerification(protocol.VerificationPreferred))
	if err != nil {
		return err
	}
	if err := h.saveWebAuthn(c, models.ChallengeWebAuthnLogin, u, session); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, assertion)
}

// passkeyLogin handles POST /login/2fa/passkey: the browser's assertion
// (field credential) passes the second factor.
func (h *Handler) passkeyLogin(c echo.Context) error {
	if h.webauthn == nil {
		return echo.ErrNotFound
	}
	u, e, err := h.pendingLogin(c)
	if err != nil {
		return err
	}
	if u == nil {
		h.flash(c, "That took too long: log in again.")
		return c.Redirect(http.StatusSeeOther, "/login")
	}
	e.draft = draftFrom(c, c.FormValue("draft_action"), "draft_")
	ctx := c.Request().Context()
	f := newForm()
	var te *models.ThrottledError
	if err := h.store.SecondFactorAllowed(ctx, u.ID); errors.As(err, &te) {
		secs := int(math.Ceil(te.RetryAfter.Seconds()))
		c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
		f.Errors["passkey"] = "Too many failed attempts. Try again in " + waitText(secs) + "."
		return h.renderSecondFactor(c, http.StatusTooManyRequests, u, f, e.draft)
	} else if err != nil {
		return err
	}
	cred, err := h.checkPasskeyAssertion(c, u)
	if err != nil {
		h.log.Info("passkey refused", "user_id", u.ID, "err", err)
		if ferr := h.store.SecondFactorFailed(ctx, u.ID); !errors.Is(ferr, models.ErrBadCode) {
			return ferr
		}
		f.Errors["passkey"] = "The passkey could not be checked. Try again, or use a code from your authenticator app."
		return h.renderSecondFactor(c, http.StatusUnprocessableEntity, u, f, e.draft)
	}
	raw, err := json.Marshal(cred)
	if err != nil {
		return err
	}
	if err := h.store.UsePasskey(ctx, u.ID, cred.ID, string(raw)); err != nil {
		return err
	}
	h.log.Info("second factor passed", "user_id", u.ID, "factor", "passkey")
	return h.passedSecondFactor(c, u, e, models.UsedPasskey)
}

// checkPasskeyAssertion checks the posted assertion against the challenge
// this browser was given and the account's passkeys.
func (h *Handler) checkPasskeyAssertion(c echo.Context, u *models.User) (*webauthn.Credential, error) {
	parsed, err := protocol.ParseCredentialRequestResponseBytes([]byte(c.FormValue("credential")))
	if err != nil {
		return nil, err
	}
	session, err := h.takeWebAuthn(c, models.ChallengeWebAuthnLogin, u)
	if err != nil {
		return nil, err
	}
	pu, err := h.passkeyUser(c, u)
	if err != nil {
		return nil, err
	}
	cred, err := h.webauthn.ValidateLogin(pu, session, parsed)
	if err != nil {
		return nil, err
	}
	if cred.Authenticator.CloneWarning {
		return nil, errors.New("the passkey's signature counter went back: it may have been cloned")
	}
	return cred, nil
}

// passkeyOptions handles POST /settings/passkeys/options: the challenge to
// create a passkey for the member, as JSON.
func (h *Handler) passkeyOptions(c echo.Context) error {
	if h.webauthn == nil {
		return echo.ErrNotFound
	}
	u := currentUser(c)
	pu, err := h.passkeyUser(c, u)
	if err != nil {
		return err
	}
	exclude := make([]protocol.CredentialDescriptor, 0, len(pu.creds))
	for _, cr := range pu.creds {
		exclude = append(exclude, cr.Descriptor())
	}
	creation, session, err := h.webauthn.BeginRegistration(pu, webauthn.WithExclusions(exclude),
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementPreferred))
	if err != nil {
		return err
	}
	if err := h.saveWebAuthn(c, models.ChallengeWebAuthnRegister, u, session); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, creation)
}

// addPasskey handles POST /settings/passkeys (fields credential, name, and
// password when the account has a second factor and a password already).
func (h *Handler) addPasskey(c echo.Context) error {
	if h.webauthn == nil {
		return echo.ErrNotFound
	}
	u := currentUser(c)
	f := fromRequest(c, "name")
	if ok, err := h.confirmFactorChange(c, u, f); err != nil || !ok {
		if err != nil {
			return err
		}
		return h.renderSecurity(c, http.StatusUnprocessableEntity, f)
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes([]byte(c.FormValue("credential")))
	var cred *webauthn.Credential
	if err == nil {
		var session webauthn.SessionData
		if session, err = h.takeWebAuthn(c, models.ChallengeWebAuthnRegister, u); err == nil {
			var pu passkeyUser
			if pu, err = h.passkeyUser(c, u); err == nil {
				cred, err = h.webauthn.CreateCredential(pu, session, parsed)
			}
		}
	}
	if err != nil {
		h.log.Info("passkey not added", "user_id", u.ID, "err", err)
		f.Errors["passkey"] = "The passkey could not be added. Try again; your browser or device must support passkeys."
		return h.renderSecurity(c, http.StatusUnprocessableEntity, f)
	}
	raw, err := json.Marshal(cred)
	if err != nil {
		return err
	}
	codes, err := h.store.AddPasskey(c.Request().Context(), u, cred.ID, string(raw), f.Values["name"])
	if code, ok := formStatus(c, f, err); ok {
		return h.renderSecurity(c, code, f)
	}
	if err != nil {
		return err
	}
	return h.factorAdded(c, u, codes, "Your passkey is added.")
}
