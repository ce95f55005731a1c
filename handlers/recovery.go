package handlers

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
)

// showForgotPassword renders GET /password/forgot.
func (h *Handler) showForgotPassword(c echo.Context) error {
	f := newForm()
	f.Values["email"] = c.QueryParam("email")
	return h.renderForgotPassword(c, http.StatusOK, f)
}

func (h *Handler) renderForgotPassword(c echo.Context, code int, f form) error {
	p := authPage{page: h.page(c, "Forgot your password?"), Form: f}
	p.NoIndex = true
	return h.render(c, code, "password_forgot", p)
}

// forgotPassword handles POST /password/forgot. The answer is the same
// page whether or not an account has the address, so nobody learns whose
// address it is (models.RequestPasswordReset takes the same steps for
// both); only a malformed address, or too many requests from one client
// address, is answered otherwise.
func (h *Handler) forgotPassword(c echo.Context) error {
	f := fromRequest(c, "email")
	_, err := h.store.RequestPasswordReset(c.Request().Context(), f.Values["email"], c.RealIP(), h.resetEmail)
	var te *models.ThrottledError
	if errors.As(err, &te) {
		secs := int(math.Ceil(te.RetryAfter.Seconds()))
		c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
		f.Errors["email"] = "Too many reset requests came from your network. Try again in " + waitText(secs) + "."
		return h.renderForgotPassword(c, http.StatusTooManyRequests, f)
	}
	if code, ok := formStatus(c, f, err); ok {
		return h.renderForgotPassword(c, code, f)
	}
	if err != nil {
		return err
	}
	p := authPage{page: h.page(c, "Check your email"), Form: f}
	p.NoIndex = true
	return h.render(c, http.StatusOK, "password_sent", p)
}

// resetEmail writes the email a reset link goes out in.
func (h *Handler) resetEmail(username, token string) (string, string) {
	return PasswordResetEmail(h.cfg.SiteName, h.cfg.BaseURL)(username, token)
}

// PasswordResetEmail writes the email a reset link goes out in, for the
// site at baseURL: the form's, and an operator's (crowdcare user send-reset).
func PasswordResetEmail(siteName, baseURL string) models.ResetComposer {
	baseURL = strings.TrimRight(baseURL, "/")
	return func(username, token string) (string, string) {
		link := baseURL + "/password/reset/" + token
		return "Reset your password on " + siteName, fmt.Sprintf("Hello %s,\n\nSomeone, perhaps you, asked to reset the password of "+
			"your account on %s. To choose a new one, open this link within %d minutes:\n\n%s\n\n"+
			"It works once, and only the latest link sent to you works. If you did not ask, ignore this email: "+
			"your password stays as it is.\n", username, siteName, int(models.ResetLinkTTL.Minutes()), link)
	}
}

type resetPage struct {
	page
	Form     form
	Token    string
	Username string
	Invalid  bool // the link does not work (any more)
}

// showResetPassword renders GET /password/reset/:token: the new-password
// form while the link works, otherwise a page that says so.
func (h *Handler) showResetPassword(c echo.Context) error {
	token := c.Param("token")
	u, err := h.store.PasswordResetUser(c.Request().Context(), token)
	if errors.Is(err, models.ErrLinkInvalid) {
		return h.renderResetPassword(c, http.StatusNotFound, "", "", newForm())
	}
	if err != nil {
		return err
	}
	return h.renderResetPassword(c, http.StatusOK, token, u.Username, newForm())
}

func (h *Handler) renderResetPassword(c echo.Context, code int, token, username string, f form) error {
	p := resetPage{page: h.page(c, "Choose a new password"), Form: f, Token: token, Username: username, Invalid: token == ""}
	p.NoIndex = true
	return h.render(c, code, "password_reset", p)
}

// resetPassword handles POST /password/reset/:token: the new password is
// set, every session of the account ends, and this browser is logged in.
func (h *Handler) resetPassword(c echo.Context) error {
	token := c.Param("token")
	ctx := c.Request().Context()
	u, err := h.store.ResetPassword(ctx, token, c.FormValue("password"), c.FormValue("password_confirm"))
	if errors.Is(err, models.ErrLinkInvalid) {
		return h.renderResetPassword(c, http.StatusNotFound, "", "", newForm())
	}
	f := newForm()
	if code, ok := formStatus(c, f, err); ok {
		owner, lerr := h.store.PasswordResetUser(ctx, token)
		if lerr != nil {
			return h.renderResetPassword(c, http.StatusNotFound, "", "", newForm())
		}
		return h.renderResetPassword(c, code, token, owner.Username, f)
	}
	if err != nil {
		return err
	}
	h.log.Info("password reset", "user_id", u.ID)
	if h.passwordLoginRefused(c, u) {
		h.flash(c, "Your password is changed. Staff accounts log in with company sign-in: use its button below.")
		return c.Redirect(http.StatusSeeOther, "/login")
	}
	// The reset logs in through the second factor like any login: a reset
	// link alone never bypasses it.
	return h.endLogin(c, u, loginEnd{via: viaPassword, next: "/", flash: "Your password is changed, and you are logged out everywhere else."})
}
