package handlers

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
)

// emailLink is the address of the page a verification or address-change
// link opens.
func (h *Handler) emailLink(token string) string { return h.cfg.BaseURL + "/email/verify/" + token }

// verifyNeed says, in a welcome email, why the link matters.
func verifyNeed(required bool) string {
	if required {
		return "; you can post once you have"
	}
	return ""
}

type emailLinkPage struct {
	page
	Link  *models.EmailLink
	Token string
}

// showConfirmEmail renders GET /email/verify/:token: what the link would
// confirm, and a button that does it. Following a link changes nothing by
// itself (mail scanners follow links); it works without logging in, since
// the link is the proof.
func (h *Handler) showConfirmEmail(c echo.Context) error {
	token := c.Param("token")
	l, err := h.store.EmailLinkFor(c.Request().Context(), token)
	if errors.Is(err, models.ErrLinkInvalid) {
		return h.renderConfirmEmail(c, http.StatusNotFound, nil, "")
	}
	if err != nil {
		return err
	}
	return h.renderConfirmEmail(c, http.StatusOK, l, token)
}

func (h *Handler) renderConfirmEmail(c echo.Context, code int, l *models.EmailLink, token string) error {
	p := emailLinkPage{page: h.page(c, "Confirm your email address"), Link: l, Token: token}
	p.NoIndex = true
	return h.render(c, code, "email_confirm", p)
}

// confirmEmail handles POST /email/verify/:token.
func (h *Handler) confirmEmail(c echo.Context) error {
	done, err := h.store.ConfirmEmail(c.Request().Context(), c.Param("token"), func(username, newEmail string) (string, string) {
		return "Your email address on " + h.cfg.SiteName + " changed", fmt.Sprintf("Hello %s,\n\nThe email address of your account on %s "+
			"is now %s: it was confirmed from there a moment ago, and emails from %s go there from now on.\n\n"+
			"If you did not change it, someone who knows your password did: reset your password at %s/password/forgot "+
			"from the new address, or contact the community's administrators.\n",
			username, h.cfg.SiteName, newEmail, h.cfg.SiteName, h.cfg.BaseURL)
	})
	if errors.Is(err, models.ErrLinkInvalid) {
		return h.renderConfirmEmail(c, http.StatusNotFound, nil, "")
	}
	if na, ok := models.IsNotAllowed(err); ok {
		h.flash(c, NotAllowedText(na))
		return c.Redirect(http.StatusSeeOther, "/settings")
	}
	if err != nil {
		return err
	}
	h.log.Info("email confirmed", "user_id", done.UserID, "kind", done.Kind)
	msg := "Thank you: your email address " + done.Email + " is confirmed."
	if done.Kind == models.TokenChangeEmail {
		msg = "Your email address is now " + done.Email + "."
	}
	if u := currentUser(c); u != nil && u.ID == done.UserID {
		h.flash(c, msg)
		return c.Redirect(http.StatusSeeOther, "/settings")
	}
	h.flash(c, msg+" Log in to continue.")
	return c.Redirect(http.StatusSeeOther, "/login")
}

// resendVerification handles POST /settings/verify: a new link to the
// member's address, within the hourly limit.
func (h *Handler) resendVerification(c echo.Context) error {
	u := currentUser(c)
	err := h.store.ResendVerification(c.Request().Context(), u, func(token string) (string, string) {
		return "Confirm your email address on " + h.cfg.SiteName, fmt.Sprintf("Hello %s,\n\nTo confirm that %s is your address "+
			"on %s, open this link within %d hours:\n\n%s\n\nIf you did not ask for it, ignore this email.\n",
			u.Username, u.Email, h.cfg.SiteName, int(models.VerifyLinkTTL.Hours()), h.emailLink(token))
	})
	if na, ok := models.IsNotAllowed(err); ok {
		h.flash(c, NotAllowedText(na))
		return c.Redirect(http.StatusSeeOther, "/settings")
	}
	if err != nil {
		return err
	}
	h.flash(c, "A new link is on its way to "+u.Email+"; it usually arrives within a minute.")
	return c.Redirect(http.StatusSeeOther, "/settings")
}

// changeEmail handles POST /settings/email (fields email and
// email_password, the current password): the new address gets a link, and changes nothing
// until it is opened. The answer does not say whether another account has
// the address.
func (h *Handler) changeEmail(c echo.Context) error {
	u := currentUser(c)
	f := fromRequest(c, "email")
	newEmail := f.Values["email"]
	err := h.store.RequestEmailChange(c.Request().Context(), u, newEmail, c.FormValue("email_password"), c.RealIP(), models.EmailChangeMail{
		Link: func(token string) (string, string) {
			return "Confirm your new email address on " + h.cfg.SiteName, fmt.Sprintf("Hello %s,\n\nYou asked to use this address, %s, "+
				"for your account on %s. Open this link within %d hours to confirm it; until then your account keeps its old address:\n\n%s\n\n"+
				"If you did not ask for it, ignore this email: nothing changes.\n",
				u.Username, newEmail, h.cfg.SiteName, int(models.VerifyLinkTTL.Hours()), h.emailLink(token))
		},
		Taken: func() (string, string) {
			return "Your email address on " + h.cfg.SiteName, fmt.Sprintf("Hello,\n\nSomeone asked to move another account on %s "+
				"to this address. It already has an account, so nothing changed. If you forgot your password, ask for a new one at "+
				"%s/password/forgot.\n", h.cfg.SiteName, h.cfg.BaseURL)
		},
	})
	var te *models.ThrottledError
	if errors.As(err, &te) {
		secs := int(math.Ceil(te.RetryAfter.Seconds()))
		c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
		f.Errors["email_password"] = "Too many failed attempts. Try again in " + waitText(secs) + "."
		return h.renderSettings(c, http.StatusTooManyRequests, f)
	}
	if code, ok := formStatus(c, f, err); ok {
		return h.renderSettings(c, code, f)
	}
	if err != nil {
		return err
	}
	h.flash(c, "A link is on its way to "+newEmail+". Your address changes when you open it; until then it stays "+u.Email+".")
	return c.Redirect(http.StatusSeeOther, "/settings")
}
