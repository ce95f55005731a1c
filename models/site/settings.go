package site

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/crowdcare/crowdcare/models/invalid"
	"github.com/crowdcare/crowdcare/models/policy"
)

// SiteSettings are what admins configure in the browser.
type SiteSettings struct {
	// CommunityName is the site's name in titles, the header and emails;
	// "" for the name the server was started with (--site-name).
	CommunityName string
	// BrandName appears in "Recommended by <brand>".
	BrandName string
	// PrimaryColor and AccentColor are "#rrggbb", "" for the site's own
	// (brandcolors.go checks their contrast and derives the dark scheme's).
	PrimaryColor, AccentColor string
	// FooterLinks are the links in every page's footer, in FooterKinds order.
	FooterLinks []FooterLink
	// Logo and Favicon are the uploaded images, unset for the defaults.
	// Read with the settings, changed only with the settings form
	// (WriteSettings) or SaveAsset; not part of FormValues.
	Logo, Favicon SiteAssetRef
	// BadgeTitle is shown on ambassadors' badges, e.g. "Example ISP Employee".
	BadgeTitle string
	// AmbassadorDomains are the work email domains that may verify as ambassadors.
	AmbassadorDomains []string
	// SuperuserThreshold is the reputation at which a member becomes a superuser; 0 turns it off.
	SuperuserThreshold int
	// ApproveFirstPostsWithLinks queues a new member's posts that contain links.
	ApproveFirstPostsWithLinks bool
	// PostsPerHour caps how many posts one member may write in an hour, and
	// apart from those how many edits they may save; 0 turns both off.
	PostsPerHour int
	// StandingDays and StandingReputation are how old a member's account must
	// be and how many points it must hold before its helpful votes and
	// acceptances give others points (superusers and staff always do); 0
	// drops that condition. So a batch of new accounts cannot vote anyone up.
	StandingDays       int
	StandingReputation int
	// VerifyEmail asks members to confirm their email address before they
	// post; they can read meanwhile. On by default (migration 0023 turns it
	// off for installs that had accounts before).
	VerifyEmail bool
	// StaffSSO refuses the password login to ambassadors, moderators and
	// admins while company sign-in is configured: they sign in through the
	// identity provider, so a departed employee loses access with their
	// company account. (Without company sign-in it has no effect, so
	// removing it from the configuration is the way back in.)
	StaffSSO bool
	// Require2FA says who must have a second factor before any staff page
	// works: Require2FANone, Require2FAModerators (moderators and admins)
	// or Require2FAStaff (ambassadors too).
	Require2FA string
}

// The choices of SiteSettings.Require2FA.
const (
	Require2FANone       = "none"
	Require2FAModerators = "moderators"
	Require2FAStaff      = "staff"
)

// NeedsSecondFactor reports whether the settings require an account of
// role r to have a second factor.
func (s SiteSettings) NeedsSecondFactor(r policy.Role) bool {
	switch s.Require2FA {
	case Require2FAModerators:
		return r == policy.RoleModerator || r == policy.RoleAdmin
	case Require2FAStaff:
		return r.IsStaff()
	}
	return false
}

// DefaultSiteSettings apply until an admin changes them.
func DefaultSiteSettings() SiteSettings {
	return SiteSettings{BrandName: "the brand", BadgeTitle: "Employee", SuperuserThreshold: 200,
		ApproveFirstPostsWithLinks: true, PostsPerHour: 30, StandingDays: 3, StandingReputation: 10, VerifyEmail: true,
		Require2FA: Require2FANone}
}

// FormValues is s as the admin form shows it and as it is stored: each
// setting's text under its name (the form field's, and the key after "site.").
func (s SiteSettings) FormValues() map[string]string {
	approve, verify, staffSSO := "0", "0", "0"
	if s.ApproveFirstPostsWithLinks {
		approve = "1"
	}
	if s.VerifyEmail {
		verify = "1"
	}
	if s.StaffSSO {
		staffSSO = "1"
	}
	out := map[string]string{"brand_name": s.BrandName, "badge_title": s.BadgeTitle,
		"ambassador_domains": strings.Join(s.AmbassadorDomains, ", "), "superuser_threshold": strconv.Itoa(s.SuperuserThreshold),
		"approve_first_posts": approve, "posts_per_hour": strconv.Itoa(s.PostsPerHour),
		"standing_days": strconv.Itoa(s.StandingDays), "standing_reputation": strconv.Itoa(s.StandingReputation),
		"verify_email": verify, "staff_sso": staffSSO, "require_2fa": s.Require2FA,
		"community_name": s.CommunityName, "primary_color": s.PrimaryColor, "accent_color": s.AccentColor}
	for _, k := range FooterKinds {
		out["footer_"+k.Kind+"_label"], out["footer_"+k.Kind+"_url"] = "", ""
	}
	for kind, l := range footerSlots(s.FooterLinks) {
		out["footer_"+kind+"_label"], out["footer_"+kind+"_url"] = l.Label, l.URL
	}
	return out
}

// footerSlots files footer links by Kind; a link without a known Kind
// takes the first free slot.
func footerSlots(links []FooterLink) map[string]FooterLink {
	out := map[string]FooterLink{}
	var loose []FooterLink
	for _, l := range links {
		known := false
		for _, k := range FooterKinds {
			known = known || k.Kind == l.Kind
		}
		if _, taken := out[l.Kind]; known && !taken {
			out[l.Kind] = l
		} else {
			loose = append(loose, l)
		}
	}
	for _, k := range FooterKinds {
		if _, taken := out[k.Kind]; !taken && len(loose) > 0 {
			out[k.Kind], loose = loose[0], loose[1:]
		}
	}
	return out
}

// Domain reports whether an email address is on an ambassador domain.
func (s SiteSettings) AmbassadorDomain(email string) bool {
	_, domain, ok := strings.Cut(strings.ToLower(strings.TrimSpace(email)), "@")
	if !ok {
		return false
	}
	for _, d := range s.AmbassadorDomains {
		if domain == d {
			return true
		}
	}
	return false
}

// SiteSettings reads the settings, with defaults for what was never set,
// from the primary's readers.
func (s *Site) SiteSettings(ctx context.Context) (SiteSettings, error) {
	return ReadSettings(ctx, s.db.Primary())
}

// ReadSettings reads the settings through q (a transaction whose write
// depends on them, or a pool), with defaults for what was never set.
func ReadSettings(ctx context.Context, q Queryer) (SiteSettings, error) {
	out := DefaultSiteSettings()
	rows, err := q.QueryContext(ctx, `SELECT key, value FROM settings WHERE key LIKE 'site.%'`)
	if err != nil {
		return out, fmt.Errorf("load site settings: %w", err)
	}
	defer rows.Close()
	footer := map[string]string{}
	for rows.Next() {
		var k string
		var v []byte
		if err := rows.Scan(&k, &v); err != nil {
			return out, err
		}
		val := string(v)
		switch strings.TrimPrefix(k, "site.") {
		case "brand_name":
			out.BrandName = val
		case "badge_title":
			out.BadgeTitle = val
		case "ambassador_domains":
			out.AmbassadorDomains = splitDomains(val)
		case "superuser_threshold":
			out.SuperuserThreshold, _ = strconv.Atoi(val)
		case "approve_first_posts":
			out.ApproveFirstPostsWithLinks = val == "1"
		case "posts_per_hour":
			out.PostsPerHour, _ = strconv.Atoi(val)
		case "standing_days":
			out.StandingDays, _ = strconv.Atoi(val)
		case "standing_reputation":
			out.StandingReputation, _ = strconv.Atoi(val)
		case "verify_email":
			out.VerifyEmail = val == "1"
		case "staff_sso":
			out.StaffSSO = val == "1"
		case "require_2fa":
			out.Require2FA = val
		case "community_name":
			out.CommunityName = val
		case "primary_color":
			out.PrimaryColor = val
		case "accent_color":
			out.AccentColor = val
		default:
			if k, ok := strings.CutPrefix(k, "site.footer_"); ok {
				footer[k] = val
			}
		}
	}
	if err := rows.Err(); err != nil {
		return out, err
	}
	for _, k := range FooterKinds {
		if u := footer[k.Kind+"_url"]; u != "" {
			out.FooterLinks = append(out.FooterLinks, FooterLink{Kind: k.Kind, Label: footer[k.Kind+"_label"], URL: u})
		}
	}
	return out, siteAssetRefs(ctx, q, &out)
}

func splitDomains(s string) []string {
	var out []string
	for _, d := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' }) {
		d = strings.TrimPrefix(strings.TrimSpace(d), "@")
		if d != "" {
			out = append(out, d)
		}
	}
	return out
}

// SiteSettingsForm is the admin form as typed.
type SiteSettingsForm struct {
	BrandName, BadgeTitle, AmbassadorDomains, SuperuserThreshold, PostsPerHour string
	StandingDays, StandingReputation                                           string
	ApproveFirstPosts                                                          bool
	VerifyEmail                                                                bool
	// Branding: "" keeps the site's default name and colours.
	CommunityName, PrimaryColor, AccentColor string
	// Footer holds each slot's label and address as typed, by Kind.
	Footer []FooterLink
	// Logo and Favicon are new images (nil: keep the current one);
	// RemoveLogo and RemoveFavicon go back to the default.
	Logo, Favicon             *AssetUpload
	RemoveLogo, RemoveFavicon bool
	StaffSSO                  bool
	Require2FA                string // "" keeps Require2FANone
	// SSOConfigured says whether company sign-in is configured: StaffSSO
	// cannot be turned on without it.
	SSOConfigured bool
}

// CheckSettingsForm validates the admin form: the settings to store and
// the image changes (a checked upload, or an asset without Data to
// remove), or a *invalid.Error naming each field refused.
func CheckSettingsForm(f SiteSettingsForm) (SiteSettings, []SiteAsset, error) {
	v := validator{}
	brand, badge := strings.TrimSpace(f.BrandName), strings.TrimSpace(f.BadgeTitle)
	v.Check(brand != "" && len(brand) <= 60, "brand_name", "Give the brand's name (up to 60 characters).")
	v.Check(badge != "" && len(badge) <= 60, "badge_title", "Give the badge a title (up to 60 characters).")
	domains := splitDomains(f.AmbassadorDomains)
	for _, d := range domains {
		v.Check(strings.Contains(d, ".") && !strings.ContainsAny(d, "/:@"), "ambassador_domains", fmt.Sprintf("%q is not a domain like example-isp.com.", d))
	}
	threshold, err := strconv.Atoi(strings.TrimSpace(f.SuperuserThreshold))
	v.Check(err == nil && threshold >= 0, "superuser_threshold", "Use a whole number, 0 to turn automatic promotion off.")
	perHour, err := strconv.Atoi(strings.TrimSpace(f.PostsPerHour))
	v.Check(err == nil && perHour >= 0, "posts_per_hour", "Use a whole number, 0 for no limit.")
	days, err := strconv.Atoi(strings.TrimSpace(f.StandingDays))
	v.Check(err == nil && days >= 0 && days <= 3650, "standing_days", "Use a whole number of days from 0 to 3650.")
	points, err := strconv.Atoi(strings.TrimSpace(f.StandingReputation))
	v.Check(err == nil && points >= 0, "standing_reputation", "Use a whole number, 0 for none.")
	require2FA := f.Require2FA
	if require2FA == "" {
		require2FA = Require2FANone
	}
	v.Check(require2FA == Require2FANone || require2FA == Require2FAModerators || require2FA == Require2FAStaff,
		"require_2fa", "Choose who must use two-factor authentication.")
	v.Check(!f.StaffSSO || f.SSOConfigured, "staff_sso",
		"Company sign-in is not configured on this server (--oidc-issuer), so staff could not log in at all.")
	set := SiteSettings{BrandName: brand, BadgeTitle: badge, AmbassadorDomains: domains, SuperuserThreshold: threshold,
		ApproveFirstPostsWithLinks: f.ApproveFirstPosts, PostsPerHour: perHour, StandingDays: days,
		StandingReputation: points, VerifyEmail: f.VerifyEmail, StaffSSO: f.StaffSSO, Require2FA: require2FA}
	assets := checkBranding(v, f, &set)
	if err := v.Err(); err != nil {
		return SiteSettings{}, nil, err
	}
	return set, assets, nil
}

// WriteSettings stores checked settings and image changes
// (CheckSettingsForm) in tx, the transaction of the save that also writes
// its audit line, and names what changed, in a fixed order, for that line.
func (s *Site) WriteSettings(ctx context.Context, tx *sql.Tx, set SiteSettings, assets []SiteAsset) (changed []string, err error) {
	values := set.FormValues()
	before, err := ReadSettings(ctx, tx)
	if err != nil {
		return nil, err
	}
	for k, val := range values {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, "site."+k, []byte(val)); err != nil {
			return nil, err
		}
	}
	changed = changedSettings(before.FormValues(), values)
	for _, a := range assets {
		if a.Data == nil {
			res, err := tx.ExecContext(ctx, `DELETE FROM site_assets WHERE name = ?`, a.Name)
			if err != nil {
				return nil, fmt.Errorf("remove site asset %s: %w", a.Name, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue
			}
		} else if err := s.putAsset(ctx, tx, a); err != nil {
			return nil, err
		}
		changed = append(changed, a.Name)
	}
	return changed, nil
}

// checkBranding validates the form's branding fields into set and returns
// the image changes: a checked upload, or an asset without Data to remove.
func checkBranding(v validator, f SiteSettingsForm, set *SiteSettings) []SiteAsset {
	set.CommunityName = strings.TrimSpace(f.CommunityName)
	v.Check(utf8.RuneCountInString(set.CommunityName) <= 60, "community_name", "Keep the name to 60 characters.")
	set.PrimaryColor = strings.ToLower(strings.TrimSpace(f.PrimaryColor))
	set.AccentColor = strings.ToLower(strings.TrimSpace(f.AccentColor))
	if _, err := DerivePalette(set.PrimaryColor, set.AccentColor); err != nil {
		var ve *invalid.Error
		if errors.As(err, &ve) {
			for field, msg := range ve.Fields {
				v.Check(false, field, msg)
			}
		}
	}
	typed := footerSlots(f.Footer)
	for _, k := range FooterKinds {
		l := typed[k.Kind]
		if link, ok := checkFooterLink(v, k.Kind, k.Label, l.Label, l.URL); ok {
			set.FooterLinks = append(set.FooterLinks, link)
		}
	}
	var assets []SiteAsset
	for _, a := range []struct {
		name   string
		up     *AssetUpload
		remove bool
	}{{AssetLogo, f.Logo, f.RemoveLogo}, {AssetFavicon, f.Favicon, f.RemoveFavicon}} {
		switch {
		case a.up != nil:
			checked, err := CheckSiteAsset(a.name, *a.up)
			var ve *invalid.Error
			if errors.As(err, &ve) {
				v.Check(false, a.name, ve.Fields[a.name])
			} else if err != nil {
				v.Check(false, a.name, "The image could not be read. Try again, or export it again.")
			} else {
				assets = append(assets, checked)
			}
		case a.remove:
			assets = append(assets, SiteAsset{Name: a.name})
		}
	}
	return assets
}

// settingLabels name the settings in the audit log.
var settingLabels = map[string]string{"community_name": "community name", "brand_name": "brand name",
	"badge_title": "badge title", "ambassador_domains": "ambassador domains", "superuser_threshold": "superuser threshold",
	"approve_first_posts": "approval of first posts", "posts_per_hour": "posts per hour", "standing_days": "standing (days)",
	"standing_reputation": "standing (points)", "primary_color": "primary colour", "accent_color": "accent colour",
	"verify_email": "email confirmation", "staff_sso": "staff company sign-in", "require_2fa": "two-factor requirement"}

// changedSettings names, in a fixed order, the settings whose text differs.
func changedSettings(before, after map[string]string) []string {
	var out []string
	keys := make([]string, 0, len(after))
	for k := range after {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	footer := false
	for _, k := range keys {
		if before[k] == after[k] {
			continue
		}
		if strings.HasPrefix(k, "footer_") {
			footer = true
			continue
		}
		label := settingLabels[k]
		if label == "" {
			label = strings.ReplaceAll(k, "_", " ")
		}
		out = append(out, label)
	}
	if footer {
		out = append(out, "footer links")
	}
	return out
}

// Setting returns a stored setting, or the store's not-found error.
func (s *Site) Setting(ctx context.Context, key string) ([]byte, error) {
	var v []byte
	err := s.db.Reader(ctx).QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, s.notFound
	}
	if err != nil {
		return nil, fmt.Errorf("setting %s: %w", key, err)
	}
	return v, nil
}

// SettingOrCreate returns the setting, storing make()'s value first if there is
// none. Used for secrets that must survive restarts, such as the session key.
// Servers starting at once may each make a value; the first one stored is
// kept (ON CONFLICT DO NOTHING) and every caller returns that one.
func (s *Site) SettingOrCreate(ctx context.Context, key string, make func() ([]byte, error)) ([]byte, error) {
	if v, err := s.Setting(ctx, key); !errors.Is(err, s.notFound) {
		return v, err
	}
	v, err := make()
	if err != nil {
		return nil, fmt.Errorf("setting %s: %w", key, err)
	}
	var out []byte
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`, key, v); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&out)
	})
	if err != nil {
		return nil, fmt.Errorf("setting %s: %w", key, err)
	}
	return out, nil
}

// SetSetting stores a setting, replacing any earlier value.
func (s *Site) SetSetting(ctx context.Context, key string, value []byte) error {
	_, err := s.db.Exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("set %s: %w", key, err)
	}
	return nil
}
