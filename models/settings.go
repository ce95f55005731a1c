package models

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// SiteSettings are what admins configure in the browser.
type SiteSettings struct {
	// BrandName appears in "Recommended by <brand>".
	BrandName string
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
	// post; they can read meanwhile. On by default (migration 0025 turns it
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
func (s SiteSettings) NeedsSecondFactor(r Role) bool {
	switch s.Require2FA {
	case Require2FAModerators:
		return r == RoleModerator || r == RoleAdmin
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
	return map[string]string{"brand_name": s.BrandName, "badge_title": s.BadgeTitle,
		"ambassador_domains": strings.Join(s.AmbassadorDomains, ", "), "superuser_threshold": strconv.Itoa(s.SuperuserThreshold),
		"approve_first_posts": approve, "posts_per_hour": strconv.Itoa(s.PostsPerHour),
		"standing_days": strconv.Itoa(s.StandingDays), "standing_reputation": strconv.Itoa(s.StandingReputation),
		"verify_email": verify, "staff_sso": staffSSO, "require_2fa": s.Require2FA}
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

// SiteSettings reads the settings, with defaults for what was never set.
func (s *Store) SiteSettings(ctx context.Context) (SiteSettings, error) {
	out := DefaultSiteSettings()
	rows, err := s.r.QueryContext(ctx, `SELECT key, value FROM settings WHERE key LIKE 'site.%'`)
	if err != nil {
		return out, fmt.Errorf("load site settings: %w", err)
	}
	defer rows.Close()
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
		}
	}
	return out, rows.Err()
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
	StaffSSO                                                                   bool
	Require2FA                                                                 string // "" keeps Require2FANone
	// SSOConfigured says whether company sign-in is configured: StaffSSO
	// cannot be turned on without it.
	SSOConfigured bool
}

// SaveSiteSettings validates and stores the admin form.
func (s *Store) SaveSiteSettings(ctx context.Context, actor *User, f SiteSettingsForm) error {
	if !actor.Can(PermManageSite) {
		return ErrForbidden
	}
	v := validator{}
	brand, badge := strings.TrimSpace(f.BrandName), strings.TrimSpace(f.BadgeTitle)
	v.check(brand != "" && len(brand) <= 60, "brand_name", "Give the brand's name (up to 60 characters).")
	v.check(badge != "" && len(badge) <= 60, "badge_title", "Give the badge a title (up to 60 characters).")
	domains := splitDomains(f.AmbassadorDomains)
	for _, d := range domains {
		v.check(strings.Contains(d, ".") && !strings.ContainsAny(d, "/:@"), "ambassador_domains", fmt.Sprintf("%q is not a domain like example-isp.com.", d))
	}
	threshold, err := strconv.Atoi(strings.TrimSpace(f.SuperuserThreshold))
	v.check(err == nil && threshold >= 0, "superuser_threshold", "Use a whole number, 0 to turn automatic promotion off.")
	perHour, err := strconv.Atoi(strings.TrimSpace(f.PostsPerHour))
	v.check(err == nil && perHour >= 0, "posts_per_hour", "Use a whole number, 0 for no limit.")
	days, err := strconv.Atoi(strings.TrimSpace(f.StandingDays))
	v.check(err == nil && days >= 0 && days <= 3650, "standing_days", "Use a whole number of days from 0 to 3650.")
	points, err := strconv.Atoi(strings.TrimSpace(f.StandingReputation))
	v.check(err == nil && points >= 0, "standing_reputation", "Use a whole number, 0 for none.")
	require2FA := f.Require2FA
	if require2FA == "" {
		require2FA = Require2FANone
	}
	v.check(require2FA == Require2FANone || require2FA == Require2FAModerators || require2FA == Require2FAStaff,
		"require_2fa", "Choose who must use two-factor authentication.")
	v.check(!f.StaffSSO || f.SSOConfigured, "staff_sso",
		"Company sign-in is not configured on this server (--oidc-issuer), so staff could not log in at all.")
	if err := v.err(); err != nil {
		return err
	}
	values := SiteSettings{BrandName: brand, BadgeTitle: badge, AmbassadorDomains: domains, SuperuserThreshold: threshold,
		ApproveFirstPostsWithLinks: f.ApproveFirstPosts, PostsPerHour: perHour, StandingDays: days,
		StandingReputation: points, VerifyEmail: f.VerifyEmail, StaffSSO: f.StaffSSO, Require2FA: require2FA}.FormValues()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for k, val := range values {
			if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value`, "site."+k, []byte(val)); err != nil {
				return err
			}
		}
		return logAction(ctx, tx, s.now(), actor, "change_settings", "site", 0, "")
	})
}
