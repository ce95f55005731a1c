package handlers

import (
	"crypto/rand"
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

// form carries what a user typed and what is wrong with it back to the page.
type form struct {
	Values map[string]string
	Errors map[string]string
	// Key is the submission key of a form that posts content (ask, answer,
	// edit): a form shown again keeps the one it was sent with, so sending
	// it again cannot write twice (models.SubmissionKeyTTL).
	Key string
	// Restored: the values are a draft kept through a login (drafts.go).
	Restored bool
	// Previewed: it was sent with its Preview button (composer.go).
	Previewed bool
}

func newForm() form { return form{Values: map[string]string{}, Errors: map[string]string{}} }

// Value and Error are read by templates; a missing key is the empty string.
func (f form) Value(name string) string { return f.Values[name] }
func (f form) Error(name string) string { return f.Errors[name] }

// fromRequest copies the named fields, and the submission key, from the request.
func fromRequest(c echo.Context, names ...string) form {
	f := newForm()
	for _, n := range names {
		f.Values[n] = c.FormValue(n)
	}
	if k := c.FormValue(submissionField); models.ValidSubmissionKey(k) {
		f.Key = k
	}
	return f
}

// submissionField is the hidden field with a form's submission key.
const submissionField = "_submission"

// keyed gives the form a fresh submission key unless it has one.
func (f form) keyed() form {
	if f.Key == "" {
		f.Key = rand.Text()
	}
	return f
}

// withError adds the field messages of a validation error, or the reason of
// a refusal (suspended, posting too fast), to the form and reports whether
// err was one of those: the form is then shown again with what was typed.
func (f form) withError(err error) bool {
	if na, ok := models.IsNotAllowed(err); ok {
		f.Errors["_form"] = NotAllowedText(na)
		return true
	}
	if r, ok := policyRefusal(err); ok {
		f.Errors["_form"] = refusalText(r)
		return true
	}
	var ve *models.ValidationError
	if !errors.As(err, &ve) {
		return false
	}
	for k, v := range ve.Fields {
		f.Errors[k] = v
	}
	return true
}

type authPage struct {
	page
	Form  form
	Next  string
	Draft *loginDraft // what was typed when the session ended, carried through the login form
	SSO   string      // the company sign-in button's label; "" when it is off
}

func (h *Handler) showRegister(c echo.Context) error {
	if currentUser(c) != nil {
		return c.Redirect(http.StatusSeeOther, "/")
	}
	p := authPage{page: h.page(c, "Create an account"), Form: newForm(), Next: localPath(c.QueryParam("next"))}
	return h.render(c, http.StatusOK, "register", p)
}

// register handles POST /register. Whether the email address was new or
// already had an account, the answer is the same: an email goes to the
// address (a welcome, or a note to the account's owner), and the browser
// goes to the login page with "check your email", logged in neither way.
func (h *Handler) register(c echo.Context) error {
	ctx := c.Request().Context()
	f := fromRequest(c, "username", "email")
	next := localPath(c.FormValue("next"))
	reg, err := h.store.Register(ctx, models.NewUser{
		Username: f.Values["username"], Email: f.Values["email"], Password: c.FormValue("password"),
	}, c.RealIP(), h.cfg.RegistrationsPerDay)
	code := http.StatusUnprocessableEntity
	if errors.Is(err, models.ErrThrottled) {
		code = http.StatusTooManyRequests
		f.Errors["_form"] = "Too many accounts were opened from your network today. Try again tomorrow."
	}
	if code == http.StatusTooManyRequests || f.withError(err) {
		p := authPage{page: h.page(c, "Create an account"), Form: f, Next: next}
		return h.render(c, code, "register", p)
	}
	if err != nil {
		return err
	}
	u := reg.User
	site := h.siteName(c.Request().Context())
	msg := models.Email{Kind: models.EmailSignUp, To: u.Email, Subject: "Welcome to " + site,
		Body: fmt.Sprintf("Hello %s,\n\nYour account on %s is ready. Log in with your username, %s, and the password you chose:\n\n%s/login\n\n"+
			"Confirm that this address is yours with this link (it works for %d hours)%s:\n\n%s\n\n"+
			"If you did not sign up, ignore this email.\n", u.Username, site, u.Username, h.cfg.BaseURL,
			int(models.VerifyLinkTTL.Hours()), verifyNeed(h.siteSettings(ctx).VerifyEmail), h.emailLink(reg.VerifyToken)),
		Expires: h.store.Now().Add(models.VerifyLinkTTL)}
	if reg.Created {
		h.log.Info("user registered", "user_id", u.ID)
	} else {
		msg.Subject = "Signing up on " + site
		msg.Body = fmt.Sprintf("Hello %s,\n\nSomeone, perhaps you, tried to open an account on %s with this email address. "+
			"It already has an account, so nothing was created. Your username is %s; log in here:\n\n%s/login\n\n"+
			"Forgot your password? Ask for a link to choose a new one:\n\n%s/password/forgot\n\n"+
			"If it was not you, ignore this email: nothing changed.\n", u.Username, site, u.Username, h.cfg.BaseURL, h.cfg.BaseURL)
		msg.Expires = time.Time{}
		h.log.Info("sign-up with a registered email", "user_id", u.ID)
	}
	// The mail worker sends it, so a mail server that is down or slow
	// neither fails the sign-up nor answers differently; a failure to queue
	// it is logged and the page is the same.
	if err := h.store.QueueEmail(ctx, msg); err != nil {
		h.log.Error("queue sign-up email", "user_id", u.ID, "err", err)
	}
	h.flash(c, "Check your email: we sent a message to "+f.Values["email"]+". If your account is new, log in below with your username and password.")
	return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(next))
}

func (h *Handler) showLogin(c echo.Context) error {
	if currentUser(c) != nil {
		return c.Redirect(http.StatusSeeOther, localPath(c.QueryParam("next")))
	}
	return h.renderLogin(c, http.StatusOK, newForm(), localPath(c.QueryParam("next")), nil)
}

func (h *Handler) renderLogin(c echo.Context, code int, f form, next string, d *loginDraft) error {
	p := authPage{page: h.page(c, "Log in"), Form: f, Next: next, Draft: d}
	if h.sso != nil {
		p.SSO = h.sso.cfg.ButtonLabel
	}
	p.NoIndex = true
	return h.render(c, code, "login", p)
}

func (h *Handler) login(c echo.Context) error {
	f := fromRequest(c, "username")
	next := localPath(c.FormValue("next"))
	draft := draftFrom(c, c.FormValue("draft_action"), "draft_")
	u, err := h.store.Authenticate(c.Request().Context(), f.Values["username"], c.FormValue("password"), c.RealIP())
	code := http.StatusUnprocessableEntity
	switch {
	case errors.Is(err, models.ErrBadCredentials):
		f.Errors["password"] = "Wrong username or password."
	case errors.Is(err, models.ErrThrottled):
		code = http.StatusTooManyRequests
		wait := time.Minute
		var te *models.ThrottledError
		if errors.As(err, &te) {
			wait = te.RetryAfter
		}
		secs := int(math.Ceil(wait.Seconds()))
		c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
		f.Errors["password"] = "Too many failed attempts. Try again in " + waitText(secs) + "."
	case err != nil:
		return err
	case h.passwordLoginRefused(c, u):
		// Said only to someone who knows the password.
		code = http.StatusForbidden
		f.Errors["password"] = "Staff accounts log in with company sign-in: use the “" + h.sso.cfg.ButtonLabel + "” button."
	default:
		return h.completeLogin(c, u, viaPassword, next, draft)
	}
	return h.renderLogin(c, code, f, next, draft)
}

// changePassword handles POST /settings/password; this browser stays logged
// in with a fresh session, every other session ends.
func (h *Handler) changePassword(c echo.Context) error {
	f := newForm()
	u, err := h.store.ChangePassword(c.Request().Context(), currentUser(c), c.FormValue("current_password"), c.FormValue("new_password"), c.RealIP())
	var te *models.ThrottledError
	if errors.As(err, &te) {
		secs := int(math.Ceil(te.RetryAfter.Seconds()))
		c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
		f.Errors["current_password"] = "Too many failed attempts. Try again in " + waitText(secs) + "."
		return h.renderSettings(c, http.StatusTooManyRequests, f)
	}
	if f.withError(err) {
		return h.renderSettings(c, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	if err := h.startSession(c, u, ""); err != nil {
		return err
	}
	h.flash(c, "Your password is changed, and you are logged out everywhere else.")
	return c.Redirect(http.StatusSeeOther, "/settings")
}

// logoutEverywhere handles POST /logout/all: every session of the user ends, this one too.
func (h *Handler) logoutEverywhere(c echo.Context) error {
	if err := h.store.EndAllSessions(c.Request().Context(), currentUser(c)); err != nil {
		return err
	}
	if err := h.clearSession(c); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/login")
}

// waitText says how long secs seconds is: in seconds under two minutes,
// else in whole minutes.
func waitText(secs int) string {
	switch {
	case secs == 1:
		return "1 second"
	case secs < 120:
		return strconv.Itoa(secs) + " seconds"
	}
	return strconv.Itoa((secs+30)/60) + " minutes"
}

func (h *Handler) logout(c echo.Context) error {
	if err := h.endSession(c); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/")
}
