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

// form carries what a user typed and what is wrong with it back to the page.
type form struct {
	Values map[string]string
	Errors map[string]string
}

func newForm() form { return form{Values: map[string]string{}, Errors: map[string]string{}} }

// Value and Error are read by templates; a missing key is the empty string.
func (f form) Value(name string) string { return f.Values[name] }
func (f form) Error(name string) string { return f.Errors[name] }

// fromRequest copies the named fields from the request.
func fromRequest(c echo.Context, names ...string) form {
	f := newForm()
	for _, n := range names {
		f.Values[n] = c.FormValue(n)
	}
	return f
}

// withError adds the field messages of a validation error, or the reason of
// a refusal (suspended, posting too fast), to the form and reports whether
// err was one of those: the form is then shown again with what was typed.
func (f form) withError(err error) bool {
	if na, ok := models.IsNotAllowed(err); ok {
		f.Errors["_form"] = na.Reason
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
	Form form
	Next string
}

func (h *Handler) showRegister(c echo.Context) error {
	if currentUser(c) != nil {
		return c.Redirect(http.StatusSeeOther, "/")
	}
	p := authPage{page: h.page(c, "Create an account"), Form: newForm(), Next: localPath(c.QueryParam("next"))}
	return h.render(c, http.StatusOK, "register", p)
}

func (h *Handler) register(c echo.Context) error {
	f := fromRequest(c, "username", "email")
	next := localPath(c.FormValue("next"))
	u, err := h.store.CreateUser(c.Request().Context(), models.NewUser{
		Username: f.Values["username"], Email: f.Values["email"], Password: c.FormValue("password"),
	})
	if f.withError(err) {
		p := authPage{page: h.page(c, "Create an account"), Form: f, Next: next}
		return h.render(c, http.StatusUnprocessableEntity, "register", p)
	}
	if err != nil {
		return err
	}
	if err := h.startSession(c, u); err != nil {
		return err
	}
	h.log.Info("user registered", "user_id", u.ID)
	h.flash(c, "Welcome to the community, "+u.Username+"!")
	return c.Redirect(http.StatusSeeOther, next)
}

func (h *Handler) showLogin(c echo.Context) error {
	if currentUser(c) != nil {
		return c.Redirect(http.StatusSeeOther, localPath(c.QueryParam("next")))
	}
	p := authPage{page: h.page(c, "Log in"), Form: newForm(), Next: localPath(c.QueryParam("next"))}
	p.NoIndex = true
	return h.render(c, http.StatusOK, "login", p)
}

func (h *Handler) login(c echo.Context) error {
	f := fromRequest(c, "username")
	next := localPath(c.FormValue("next"))
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
	default:
		if err := h.startSession(c, u); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, next)
	}
	p := authPage{page: h.page(c, "Log in"), Form: f, Next: next}
	return h.render(c, code, "login", p)
}

// changePassword handles POST /settings/password; this browser stays logged
// in with a fresh session, every other session ends.
func (h *Handler) changePassword(c echo.Context) error {
	f := newForm()
	u, err := h.store.ChangePassword(c.Request().Context(), currentUser(c), c.FormValue("current_password"), c.FormValue("new_password"))
	if f.withError(err) {
		return h.renderSettings(c, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	if err := h.startSession(c, u); err != nil {
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
