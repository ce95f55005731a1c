package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
)

type directoryPage struct {
	page
	Ambassadors []*models.User
	Leaders     []models.LeaderEntry
	Period      string
}

// showAmbassadors renders GET /ambassadors, the public directory.
func (h *Handler) showAmbassadors(c echo.Context) error {
	list, err := h.store.VerifiedAmbassadors(c.Request().Context())
	if err != nil {
		return err
	}
	p := directoryPage{page: h.page(c, "Our ambassadors"), Ambassadors: list}
	p.Description = "Employees of " + h.siteSettings(c.Request().Context()).BrandName + " who answer in the community."
	return h.render(c, http.StatusOK, "ambassadors", p)
}

// showLeaderboard renders GET /leaderboard?period=month|all.
func (h *Handler) showLeaderboard(c echo.Context) error {
	period := oneOf(c.QueryParam("period"), "month", "all")
	var since time.Time
	if period == "month" {
		now := time.Now().UTC()
		since = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	leaders, err := h.store.Leaderboard(c.Request().Context(), since, 50)
	if err != nil {
		return err
	}
	p := directoryPage{page: h.page(c, "Leaderboard"), Leaders: leaders, Period: period}
	return h.render(c, http.StatusOK, "leaderboard", p)
}

type settingsPage struct {
	page
	Form    form
	Domains []string
	// PendingEmail is the new address waiting for its link to be opened.
	PendingEmail string
	// VerifyEmail: the site asks for a confirmed address before posting.
	VerifyEmail bool
}

// showSettings renders GET /settings: email notifications and the ambassador programme.
func (h *Handler) showSettings(c echo.Context) error {
	return h.renderSettings(c, http.StatusOK, newForm())
}

func (h *Handler) renderSettings(c echo.Context, code int, f form) error {
	ctx := c.Request().Context()
	set := h.siteSettings(ctx)
	p := settingsPage{page: h.page(c, "Your settings"), Form: f, Domains: set.AmbassadorDomains, VerifyEmail: set.VerifyEmail}
	if _, typed := f.Values["display_name"]; !typed {
		f.Values["display_name"], f.Values["bio"] = p.User.DisplayName, p.User.Bio
	}
	var err error
	if p.PendingEmail, err = h.store.PendingEmailChange(ctx, p.User); err != nil {
		return err
	}
	p.NoIndex = true
	return h.render(c, code, "settings", p)
}

// saveProfile handles POST /settings/profile: display name and bio.
func (h *Handler) saveProfile(c echo.Context) error {
	f := fromRequest(c, "display_name", "bio")
	err := h.store.SaveProfile(c.Request().Context(), currentUser(c), models.ProfileEdit{DisplayName: f.Values["display_name"], Bio: f.Values["bio"]})
	if code, ok := formStatus(c, f, err); ok {
		return h.renderSettings(c, code, f)
	}
	if err != nil {
		return err
	}
	h.flash(c, "Your profile is saved.")
	return c.Redirect(http.StatusSeeOther, "/settings")
}

func (h *Handler) saveSettings(c echo.Context) error {
	on := c.FormValue("email_notifications") == "1"
	if err := h.store.SetEmailNotifications(c.Request().Context(), currentUser(c).ID, on); err != nil {
		return err
	}
	h.flash(c, "Your settings are saved.")
	return c.Redirect(http.StatusSeeOther, "/settings")
}

// requestAmbassador handles POST /settings/ambassador: it queues an email
// with a one-time link to the work address. The mail worker sends it, so a
// mail server that is down delays the link instead of failing the request.
func (h *Handler) requestAmbassador(c echo.Context) error {
	ctx := c.Request().Context()
	u := currentUser(c)
	f := fromRequest(c, "work_email")
	_, err := h.store.RequestAmbassador(ctx, u, f.Values["work_email"], func(token string) (string, string) {
		link := h.cfg.BaseURL + "/ambassador/verify?token=" + url.QueryEscape(token)
		return "Confirm your work address for " + h.cfg.SiteName, fmt.Sprintf("Hello %s,\n\nTo become an ambassador on %s, open this link while logged in as %s:\n\n%s\n\n"+
			"The link works once and expires in %d hours. If you did not ask for this, ignore this email.\n",
			u.Username, h.cfg.SiteName, u.Username, link, int(models.AmbassadorLinkTTL.Hours()))
	})
	if f.withError(err) {
		return h.renderSettings(c, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	h.flash(c, "A link to "+f.Values["work_email"]+" is on its way; it usually arrives within a minute. Open it within 24 hours to finish.")
	return c.Redirect(http.StatusSeeOther, "/settings")
}

type verifyPage struct {
	page
	Token string
}

// showVerifyAmbassador renders the confirmation page for an emailed link:
// following a link never changes anything by itself (mail scanners follow links).
func (h *Handler) showVerifyAmbassador(c echo.Context) error {
	p := verifyPage{page: h.page(c, "Confirm your work address"), Token: c.QueryParam("token")}
	p.NoIndex = true
	return h.render(c, http.StatusOK, "verify_ambassador", p)
}

func (h *Handler) verifyAmbassador(c echo.Context) error {
	err := h.store.VerifyAmbassador(c.Request().Context(), currentUser(c), c.FormValue("token"))
	if errors.Is(err, models.ErrLinkInvalid) {
		h.flash(c, "That link is not valid: it may have expired, been used already, or belong to another account. Ask for a new one below.")
		return c.Redirect(http.StatusSeeOther, "/settings")
	}
	if err != nil {
		return err
	}
	h.flash(c, "Your work address is verified: welcome to the ambassador programme!")
	return c.Redirect(http.StatusSeeOther, currentUser(c).URL())
}

type notificationsPage struct {
	page
	List  *models.NotificationList
	Pager pager
}

func (h *Handler) showNotifications(c echo.Context) error {
	list, err := h.store.Notifications(c.Request().Context(), currentUser(c).ID, pageOf(c))
	if err != nil {
		return err
	}
	p := notificationsPage{page: h.page(c, "Notifications"), List: list}
	p.Pager = makePager(list.Paging, func(n int) string { return "/notifications?page=" + strconv.Itoa(n) })
	p.NoIndex = true
	return h.render(c, http.StatusOK, "notifications", p)
}

// readNotifications handles POST /notifications/read: one (id) or all.
func (h *Handler) readNotifications(c echo.Context) error {
	id, _ := strconv.ParseInt(c.FormValue("id"), 10, 64)
	if err := h.store.MarkRead(c.Request().Context(), currentUser(c).ID, id); err != nil {
		return err
	}
	if next := c.FormValue("next"); next != "" {
		return c.Redirect(http.StatusSeeOther, localPath(next))
	}
	return c.Redirect(http.StatusSeeOther, "/notifications")
}

func (h *Handler) watchThread(c echo.Context) error {
	t, err := h.loadThread(c)
	if err != nil {
		return err
	}
	watch := c.FormValue("watch") == "1"
	if err := h.store.Watch(c.Request().Context(), currentUser(c).ID, t.ID, watch); err != nil {
		return err
	}
	if watch {
		h.flash(c, "You will be notified of replies in this thread.")
	} else {
		h.flash(c, "You will no longer be notified of replies in this thread.")
	}
	return c.Redirect(http.StatusSeeOther, t.URL())
}

type unsubscribePage struct {
	page
	UserID int64
	Token  string
	Done   bool
}

// showUnsubscribe renders the page an email's unsubscribe link opens.
func (h *Handler) showUnsubscribe(c echo.Context) error {
	uid, _ := strconv.ParseInt(c.QueryParam("u"), 10, 64)
	p := unsubscribePage{page: h.page(c, "Unsubscribe"), UserID: uid, Token: c.QueryParam("t")}
	p.NoIndex = true
	return h.render(c, http.StatusOK, "unsubscribe", p)
}

// unsubscribe handles the page's button and mail providers' one-click POST
// (RFC 8058), which carries u and t in the URL.
func (h *Handler) unsubscribe(c echo.Context) error {
	uid, _ := strconv.ParseInt(c.FormValue("u"), 10, 64)
	err := h.store.Unsubscribe(c.Request().Context(), uid, c.FormValue("t"))
	if errors.Is(err, models.ErrLinkInvalid) {
		return echo.NewHTTPError(http.StatusBadRequest, "That unsubscribe link is not valid. Log in and change your email settings instead.")
	}
	if err != nil {
		return err
	}
	p := unsubscribePage{page: h.page(c, "Unsubscribed"), Done: true}
	p.NoIndex = true
	return h.render(c, http.StatusOK, "unsubscribe", p)
}
