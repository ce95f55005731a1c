package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
)

type modUserPage struct {
	page
	Target *models.User
	Groups []string
	Roles  []models.Role
	// Suspend and Link are the forms whose typed fields a refusal shows again.
	Suspend form
	Link    form
	// What the viewer may do to Target: the forms the store would refuse are not shown.
	Self, CanSuspend, CanRemoveSpammer, CanSetRole, CanDelete bool
}

// showModUser renders GET /mod/users/:id: suspension, spam removal, roles, groups.
func (h *Handler) showModUser(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	return h.renderModUser(c, http.StatusOK, id, suspendForm(), newForm())
}

// suspendForm is the suspension form as first shown: a week.
func suspendForm() form {
	f := newForm()
	f.Values["days"] = "7"
	return f
}

func (h *Handler) renderModUser(c echo.Context, code int, id int64, suspend, link form) error {
	ctx := c.Request().Context()
	target, err := h.store.UserByID(ctx, id)
	if err != nil {
		return err
	}
	groups, err := h.store.UserGroups(ctx, id)
	if err != nil {
		return err
	}
	if !currentUser(c).Can(models.PermSeePrivate) {
		target.PrivateReputation = 0 // earned where this moderator cannot read
	}
	u := currentUser(c)
	p := modUserPage{page: h.page(c, "Moderate "+target.Username), Target: target, Groups: groups, Roles: models.Roles(),
		Suspend: suspend, Link: link, Self: u.ID == target.ID, CanSuspend: models.CanSuspendUser(u, target),
		CanRemoveSpammer: models.CanRemoveSpammer(u, target), CanSetRole: models.CanSetRole(u, target),
		CanDelete: models.CanDeleteUser(u, target)}
	if target.Deleted() {
		// Nothing left to moderate: its personal data is gone.
		p.CanSuspend, p.CanRemoveSpammer, p.CanSetRole = false, false, false
	}
	p.NoIndex = true
	return h.render(c, code, "mod_user", p)
}

// userAction runs an action on the :id member from a form without typed fields.
func (h *Handler) userAction(c echo.Context, msg string, fn func(id int64) error) error {
	return h.formAction(c, "/mod/users/%d", msg, form{}, nil, fn)
}

func (h *Handler) suspendUser(c echo.Context) error {
	f := fromRequest(c, "days", "reason")
	again := func(id int64) error { return h.renderModUser(c, http.StatusUnprocessableEntity, id, f, newForm()) }
	return h.formAction(c, "/mod/users/%d", "The member is suspended.", f, again, func(id int64) error {
		days, err := strconv.Atoi(strings.TrimSpace(f.Values["days"]))
		if err != nil || days < 1 || days > 3650 {
			return &models.ValidationError{Fields: map[string]string{"days": "Suspend for 1 to 3650 days."}}
		}
		return h.store.SuspendUser(c.Request().Context(), currentUser(c), id, time.Now().AddDate(0, 0, days), f.Values["reason"])
	})
}

func (h *Handler) unsuspendUser(c echo.Context) error {
	return h.userAction(c, "The suspension is lifted.", func(id int64) error {
		return h.store.UnsuspendUser(c.Request().Context(), currentUser(c), id, c.FormValue("reason"))
	})
}

func (h *Handler) removeSpammer(c echo.Context) error {
	var hidden int
	id, err := pathID(c)
	if err != nil {
		return err
	}
	hidden, err = h.store.RemoveSpammer(c.Request().Context(), currentUser(c), id, c.FormValue("reason"))
	return h.done(c, err, fmt.Sprintf("/mod/users/%d", id), fmt.Sprintf("Suspended, and %s hidden.", Plural(hidden, "post", "posts")))
}

func (h *Handler) setUserRole(c echo.Context) error {
	return h.userAction(c, "The role is changed.", func(id int64) error {
		return h.store.SetUserRole(c.Request().Context(), currentUser(c), id, models.Role(c.FormValue("role")), c.FormValue("reason"))
	})
}

func (h *Handler) linkPlaceholder(c echo.Context) error {
	f := fromRequest(c, "username")
	again := func(id int64) error { return h.renderModUser(c, http.StatusUnprocessableEntity, id, suspendForm(), f) }
	return h.formAction(c, "/mod/users/%d", "The imported profile is linked: its posts now belong to that account.", f, again,
		func(id int64) error {
			return h.store.LinkPlaceholder(c.Request().Context(), currentUser(c), id, f.Values["username"])
		})
}

func (h *Handler) setUserGroup(c echo.Context) error {
	return h.userAction(c, "Groups updated.", func(id int64) error {
		if c.FormValue("remove") == "1" {
			return h.store.RemoveFromGroup(c.Request().Context(), currentUser(c), id, c.FormValue("group"))
		}
		return h.store.AddToGroup(c.Request().Context(), currentUser(c), id, c.FormValue("group"))
	})
}

type settingsAdminPage struct {
	page
	Form       form
	Category   form // the new-category form
	Categories []models.Category
	Pending    []models.AmbassadorRequest
	Verified   []*models.User
	// The branding part of the form: the name an empty community name
	// means, the image limits, the footer's slots.
	DefaultName                string
	MaxAssetKB, MaxAssetPixels int
	FooterSlots                []struct{ Kind, Label string }
	// SSOConfigured: company sign-in is configured, so staff can be made to use it.
	SSOConfigured bool
}

func (h *Handler) showAdminSettings(c echo.Context) error {
	f, err := h.settingsForm(c.Request().Context())
	if err != nil {
		return err
	}
	return h.renderAdminSettings(c, http.StatusOK, f, newForm())
}

// settingsForm is the settings form filled with the saved settings.
func (h *Handler) settingsForm(ctx context.Context) (form, error) {
	s, err := h.store.SiteSettings(ctx)
	if err != nil {
		return form{}, err
	}
	f := newForm()
	f.Values = s.FormValues()
	return f, nil
}

func (h *Handler) renderAdminSettings(c echo.Context, code int, settings, category form) error {
	cats, err := h.store.Categories(c.Request().Context(), currentUser(c))
	if err != nil {
		return err
	}
	p := settingsAdminPage{page: h.page(c, "Site settings"), Form: settings, Category: category, Categories: cats,
		DefaultName: h.cfg.SiteName, MaxAssetKB: models.MaxAssetBytes >> 10, MaxAssetPixels: models.MaxAssetPixels,
		FooterSlots: models.FooterKinds, SSOConfigured: h.sso != nil}
	p.NoIndex = true
	return h.render(c, code, "admin_settings", p)
}

// settingsFields are the site settings form's text fields.
func settingsFields() []string {
	names := []string{"brand_name", "badge_title", "ambassador_domains", "superuser_threshold", "posts_per_hour",
		"approve_first_posts", "standing_days", "standing_reputation", "community_name", "primary_color", "accent_color",
		"remove_logo", "remove_favicon", "verify_email", "staff_sso", "require_2fa"}
	for _, k := range models.FooterKinds {
		names = append(names, "footer_"+k.Kind+"_label", "footer_"+k.Kind+"_url")
	}
	return names
}

// settingsBodyLimit bounds POST /admin/settings, a multipart form with the
// logo and the favicon: both images at their largest and the text fields.
const settingsBodyLimit = 2*models.MaxAssetBytes + 64<<10

// saveAdminSettings handles POST /admin/settings: the community's rules and
// its branding, with an uploaded logo and favicon, saved together or not at
// all. A refusal shows the form again with what was typed (a file has to
// be chosen again: browsers do not refill file fields).
func (h *Handler) saveAdminSettings(c echo.Context) error {
	f := fromRequest(c, settingsFields()...)
	form := models.SiteSettingsForm{
		BrandName: f.Values["brand_name"], BadgeTitle: f.Values["badge_title"], AmbassadorDomains: f.Values["ambassador_domains"],
		SuperuserThreshold: f.Values["superuser_threshold"], PostsPerHour: f.Values["posts_per_hour"],
		StandingDays: f.Values["standing_days"], StandingReputation: f.Values["standing_reputation"],
		ApproveFirstPosts: f.Values["approve_first_posts"] == "1", VerifyEmail: f.Values["verify_email"] == "1",
		CommunityName: f.Values["community_name"], PrimaryColor: f.Values["primary_color"], AccentColor: f.Values["accent_color"],
		RemoveLogo: f.Values["remove_logo"] == "1", RemoveFavicon: f.Values["remove_favicon"] == "1",
		StaffSSO: f.Values["staff_sso"] == "1", Require2FA: f.Values["require_2fa"], SSOConfigured: h.sso != nil}
	for _, k := range models.FooterKinds {
		form.Footer = append(form.Footer, models.FooterLink{Kind: k.Kind,
			Label: f.Values["footer_"+k.Kind+"_label"], URL: f.Values["footer_"+k.Kind+"_url"]})
	}
	var err error
	if form.Logo, err = uploadedAsset(c, models.AssetLogo); err == nil {
		form.Favicon, err = uploadedAsset(c, models.AssetFavicon)
	}
	if err == nil {
		err = h.store.SaveSiteSettings(c.Request().Context(), currentUser(c), form)
	}
	if code, ok := formStatus(c, f, err); ok {
		return h.renderAdminSettings(c, code, f, newForm())
	}
	if err != nil {
		return err
	}
	h.forgetSettings()
	h.flash(c, "Settings saved.")
	return c.Redirect(http.StatusSeeOther, "/admin/settings")
}

// uploadedAsset reads the file sent in field name, nil when none was chosen.
// A file over models.MaxAssetBytes is a refusal on the field, read no further.
func uploadedAsset(c echo.Context, name string) (*models.AssetUpload, error) {
	fh, err := c.FormFile(name)
	if errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if fh.Size > models.MaxAssetBytes {
		return nil, &models.ValidationError{Fields: map[string]string{name: fmt.Sprintf(
			"The file is %d KB; the most a %s may be is %d KB.", (fh.Size+1023)/1024, name, models.MaxAssetBytes/1024)}}
	}
	file, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, models.MaxAssetBytes+1))
	if err != nil {
		return nil, err
	}
	return &models.AssetUpload{Filename: fh.Filename, ContentType: fh.Header.Get(echo.HeaderContentType), Data: data}, nil
}

// saveCategory creates a category or changes which group may see one.
func (h *Handler) saveCategory(c echo.Context) error {
	ctx := c.Request().Context()
	u := currentUser(c)
	if slug := c.FormValue("slug"); slug != "" {
		err := h.store.SetCategoryGroup(ctx, u, slug, c.FormValue("group"))
		return h.done(c, err, "/admin/settings", "The category's visibility is saved.")
	}
	f := fromRequest(c, "name", "description", "group")
	_, err := h.store.CreateCategory(ctx, models.NewCategory{Name: f.Values["name"], Description: f.Values["description"],
		Position: 50, Group: f.Values["group"]})
	if refused(f, err) {
		settings, err := h.settingsForm(ctx)
		if err != nil {
			return err
		}
		return h.renderAdminSettings(c, http.StatusUnprocessableEntity, settings, f)
	}
	return h.done(c, err, "/admin/settings", "The category is created.")
}

func (h *Handler) showAdminAmbassadors(c echo.Context) error {
	ctx := c.Request().Context()
	pending, err := h.store.PendingAmbassadors(ctx)
	if err != nil {
		return err
	}
	verified, err := h.store.UsersWithRole(ctx, models.RoleAmbassador)
	if err != nil {
		return err
	}
	p := settingsAdminPage{page: h.page(c, "Ambassadors"), Pending: pending, Verified: verified}
	p.NoIndex = true
	return h.render(c, http.StatusOK, "admin_ambassadors", p)
}
