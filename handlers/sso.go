package handlers

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"net/http"
	"regexp"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/labstack/echo/v4"
	"golang.org/x/oauth2"

	"github.com/crowdcare/crowdcare/models"
)

// Company sign-in. POST /sso/start sends the browser to the provider with
// a state, a nonce and a PKCE challenge; GET /sso/callback comes back with
// a code. Nothing waits in a server's memory in between: the state is the
// secret of a login challenge in the database (nonce, PKCE verifier, where
// to go), and a cookie holds the same state, so the callback is accepted
// only in the browser that started the sign-in, and only once (the
// challenge is deleted as it is read).

const (
	// ssoCookie holds the state of a sign-in under way, then the secret of
	// an identity waiting for a password or a username.
	ssoCookie = "cc_sso"
	// ssoStartTTL is how long a trip to the provider may take.
	ssoStartTTL = 10 * time.Minute
	// ssoPendingTTL is how long the password or username form waits.
	ssoPendingTTL = 15 * time.Minute
)

// ssoStart is what a sign-in keeps while the browser is at the provider.
type ssoStart struct {
	Nonce    string `json:"nonce"`
	Verifier string `json:"verifier"`
	Next     string `json:"next"`
	// Confirm is the logged-in member who asked to confirm it is them
	// (deleting their account), 0 for a sign-in: the provider is asked to
	// log them in again, and the answer signs nobody in.
	Confirm int64 `json:"confirm,omitempty"`
}

// Session values of a confirmation by company sign-in: whose, and when.
const (
	reauthUserKey = "reauth_uid"
	reauthAtKey   = "reauth_at"
	// reauthTTL is how long a confirmation counts.
	reauthTTL = 5 * time.Minute
)

// markReauthenticated records in the session (the caller saves it) that
// u confirmed it is them just now.
func (h *Handler) markReauthenticated(c echo.Context, u *models.User) {
	s := h.session(c)
	s.Values[reauthUserKey], s.Values[reauthAtKey] = u.ID, h.store.Now().Unix()
}

// reauthenticated reports whether u confirmed it is them in this session
// (company sign-in, or the password on the security page), within reauthTTL.
func (h *Handler) reauthenticated(c echo.Context, u *models.User) bool {
	s := h.session(c)
	uid, _ := s.Values[reauthUserKey].(int64)
	at, _ := s.Values[reauthAtKey].(int64)
	return u != nil && uid == u.ID && h.store.Now().Sub(time.Unix(at, 0)) <= reauthTTL
}

// ssoPending is an identity the provider vouched for, waiting for its
// owner's password (to link an account) or a username (a new account).
type ssoPending struct {
	Identity models.ExternalIdentity `json:"identity"`
	UserID   int64                   `json:"user_id"` // the account to link; 0 for a new one
	Next     string                  `json:"next"`
}

func (h *Handler) setSSOCookie(c echo.Context, value string, ttl time.Duration) {
	ck := &http.Cookie{Name: ssoCookie, Value: value, Path: "/sso/", HttpOnly: true, Secure: h.cfg.secure(),
		SameSite: http.SameSiteLaxMode, MaxAge: int(ttl.Seconds())}
	if value == "" {
		ck.MaxAge = -1
	}
	c.SetCookie(ck)
}

func ssoCookieValue(c echo.Context) string {
	ck, err := c.Cookie(ssoCookie)
	if err != nil {
		return ""
	}
	return ck.Value
}

// oauthErrorCode is what an OAuth error code looks like (access_denied,
// login_required ...): only such a code is repeated on the page.
var oauthErrorCode = regexp.MustCompile(`^[a-z_]{1,40}$`)

// ssoUnavailable is the page while the provider cannot be reached.
func ssoUnavailable() error {
	return echo.NewHTTPError(http.StatusServiceUnavailable,
		"Company sign-in is not available right now: the identity provider did not answer. Try again in a minute.")
}

// ssoRefused is a sign-in refused for a reason the person can act on, worded
// here: a refusal without a kind, whose Reason NotAllowedText shows as it is.
func ssoRefused(reason string) error { return &models.ErrNotAllowed{Reason: reason} }

// startSSO handles POST /sso/start: to the provider, with state, nonce and PKCE.
func (h *Handler) startSSO(c echo.Context) error {
	if h.sso == nil {
		return echo.ErrNotFound
	}
	p, err := h.sso.discover()
	if err != nil {
		h.log.Warn("company sign-in: discovery failed", "err", err)
		return ssoUnavailable()
	}
	st := ssoStart{Nonce: rand.Text(), Verifier: oauth2.GenerateVerifier(), Next: localPath(c.FormValue("next"))}
	opts := []oauth2.AuthCodeOption{oidc.Nonce(st.Nonce), oauth2.S256ChallengeOption(st.Verifier)}
	if u := currentUser(c); u != nil && c.FormValue("confirm") == "1" {
		st.Confirm = u.ID
		// A fresh login at the provider, not its session from this morning.
		opts = append(opts, oauth2.SetAuthURLParam("prompt", "login"), oauth2.SetAuthURLParam("max_age", "0"))
	}
	state, err := h.store.SaveChallenge(c.Request().Context(), models.ChallengeSSOStart, 0, st, ssoStartTTL)
	if err != nil {
		return err
	}
	h.setSSOCookie(c, state, ssoStartTTL)
	target := h.sso.oauth2(p, h.cfg.BaseURL).AuthCodeURL(state, opts...)
	return c.Redirect(http.StatusSeeOther, target)
}

// ssoCallback handles GET /sso/callback: the code becomes tokens, the ID
// token is checked (signature, issuer, audience, expiry, nonce), and the
// person is signed in, asked for their password, or asked for a username.
func (h *Handler) ssoCallback(c echo.Context) error {
	if h.sso == nil {
		return echo.ErrNotFound
	}
	ctx := c.Request().Context()
	state := c.QueryParam("state")
	cookie := ssoCookieValue(c)
	if state == "" || cookie == "" || subtle.ConstantTimeCompare([]byte(state), []byte(cookie)) != 1 {
		// The cookie stays: a forged callback does not end this browser's
		// own sign-in under way.
		h.log.Info("company sign-in refused: state does not match this browser's")
		return echo.NewHTTPError(http.StatusBadRequest, "This sign-in did not start in this browser, or it was finished already. Start again from the login page.")
	}
	h.setSSOCookie(c, "", 0)
	var st ssoStart
	if err := h.store.TakeChallenge(ctx, models.ChallengeSSOStart, state, 0, &st); errors.Is(err, models.ErrChallengeInvalid) {
		h.log.Info("company sign-in refused: state unknown, used or expired")
		return echo.NewHTTPError(http.StatusBadRequest, "This sign-in took too long or was finished already. Start again from the login page.")
	} else if err != nil {
		return err
	}
	if e := c.QueryParam("error"); e != "" {
		h.log.Info("company sign-in: the provider refused", "error", e, "description", c.QueryParam("error_description"))
		if !oauthErrorCode.MatchString(e) {
			e = "error"
		}
		return ssoRefused("Your company's sign-in did not let you in (" + e + "). Try again, or ask your IT team.")
	}
	p, err := h.sso.discover()
	if err != nil {
		h.log.Warn("company sign-in: discovery failed", "err", err)
		return ssoUnavailable()
	}
	// A provider that names itself in the answer (RFC 9207) must be ours.
	if iss := c.QueryParam("iss"); iss != "" && iss != h.sso.cfg.Issuer {
		h.log.Warn("company sign-in refused: answer from another issuer", "iss", iss)
		return ssoRefused("The sign-in answer came from another identity provider. Start again from the login page.")
	}
	claims, subject, err := h.ssoTokens(ctx, p, c.QueryParam("code"), st)
	if err != nil {
		h.log.Warn("company sign-in refused", "err", err)
		return ssoRefused("Your company sign-in could not be checked, so it was refused. Start again from the login page; if it happens again, tell the site's administrators.")
	}
	if st.Confirm != 0 {
		return h.confirmedBySSO(c, st, subject, claims)
	}
	if !h.sso.allowed(claims) {
		h.log.Info("company sign-in refused: the sign-in condition is not met", "subject", subject)
		return ssoRefused("Your company account is not one that may sign in here.")
	}
	role, rule := h.sso.role(claims)
	id := models.ExternalIdentity{Issuer: h.sso.cfg.Issuer, Subject: subject, Email: claims.str("email"),
		EmailVerified: h.sso.emailVerified(claims), Name: claims.str("name"), PreferredUsername: claims.str("preferred_username"),
		Role: role, RoleClaim: rule}
	next, u, err := h.store.SSOSignIn(ctx, id)
	switch {
	case errors.Is(err, models.ErrEmailUnverified):
		h.log.Info("company sign-in refused: email not verified by the provider", "subject", subject)
		return ssoRefused("Your identity provider has not verified your email address, so it cannot be used to sign in here. " +
			"Ask your IT team to verify it, then try again.")
	case err != nil:
		return err
	case next == models.SSOSignedIn:
		h.log.Info("company sign-in", "user_id", u.ID)
		return h.completeLogin(c, u, viaSSO, st.Next, nil)
	}
	pending := ssoPending{Identity: id, Next: st.Next}
	to := "/sso/signup"
	if next == models.SSOConfirmPassword {
		pending.UserID, to = u.ID, "/sso/link"
	}
	secret, err := h.store.SaveChallenge(ctx, models.ChallengeSSOPending, 0, pending, ssoPendingTTL)
	if err != nil {
		return err
	}
	h.setSSOCookie(c, secret, ssoPendingTTL)
	return c.Redirect(http.StatusSeeOther, to)
}

// ssoTokens trades the code for tokens and checks the ID token: the
// signature against the provider's keys, the issuer, our client id in the
// audience (and as the authorized party when there are others), the
// expiry, and the nonce this sign-in sent. The claims are the ID token's,
// completed by the userinfo endpoint's (whose subject must be the same).
func (h *Handler) ssoTokens(ctx context.Context, p *oidc.Provider, code string, st ssoStart) (claimSet, string, error) {
	if code == "" {
		return nil, "", errors.New("no code in the answer")
	}
	ctx = oidc.ClientContext(ctx, h.sso.httpClient())
	conf := h.sso.oauth2(p, h.cfg.BaseURL)
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(st.Verifier))
	if err != nil {
		return nil, "", err
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return nil, "", errors.New("no ID token in the token answer")
	}
	idToken, err := p.Verifier(&oidc.Config{ClientID: h.sso.cfg.ClientID, Now: h.store.Now}).Verify(ctx, raw)
	if err != nil {
		return nil, "", err
	}
	if subtle.ConstantTimeCompare([]byte(idToken.Nonce), []byte(st.Nonce)) != 1 {
		return nil, "", errors.New("the ID token's nonce is not this sign-in's")
	}
	claims := claimSet{}
	if err := idToken.Claims(&claims); err != nil {
		return nil, "", err
	}
	if len(idToken.Audience) > 1 && claims.str("azp") != h.sso.cfg.ClientID {
		return nil, "", errors.New("the ID token was issued to another party (azp)")
	}
	if p.UserInfoEndpoint() != "" {
		info, err := p.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			// Without them the claims that grant roles may be missing, and a
			// role would be revoked for a network error.
			return nil, "", err
		}
		if info.Subject != idToken.Subject {
			return nil, "", errors.New("the userinfo answer is about another subject")
		}
		more := claimSet{}
		if err := info.Claims(&more); err != nil {
			return nil, "", err
		}
		for k, v := range more {
			if _, ok := claims[k]; !ok {
				claims[k] = v
			}
		}
	}
	return claims, idToken.Subject, nil
}
