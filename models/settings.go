package models

import (
	"context"
	"database/sql"
	"strings"

	"github.com/crowdcare/crowdcare/models/site"
)

// The site settings, branding and brand colours live in models/site; Store
// embeds a *site.Site (newSite), so handlers call store.SiteSettings,
// store.SiteAsset, store.Setting, store.SettingOrCreate and
// store.SetSetting as before. Saving the admin form stays here: it checks
// the actor's permission and writes the audit line in the transaction that
// stores the settings. These aliases keep the names handlers, cmd and
// internal/demo use.

// SiteSettings are what admins configure in the browser (site.SiteSettings).
type SiteSettings = site.SiteSettings // alias: moved to models/site

// SiteSettingsForm is the admin form as typed (site.SiteSettingsForm).
type SiteSettingsForm = site.SiteSettingsForm // alias: moved to models/site

// The choices of SiteSettings.Require2FA.
const (
	Require2FANone       = site.Require2FANone       // alias: moved to models/site
	Require2FAModerators = site.Require2FAModerators // alias: moved to models/site
	Require2FAStaff      = site.Require2FAStaff      // alias: moved to models/site
)

// FooterLink is one of the links in every page's footer (site.FooterLink).
type FooterLink = site.FooterLink // alias: moved to models/site

// FooterKinds are the footer's slots in the order shown (site.FooterKinds).
var FooterKinds = site.FooterKinds // alias: moved to models/site

// Site assets: the images an admin uploads (models/site).
const (
	AssetLogo      = site.AssetLogo      // alias: moved to models/site
	AssetFavicon   = site.AssetFavicon   // alias: moved to models/site
	MaxAssetBytes  = site.MaxAssetBytes  // alias: moved to models/site
	MaxAssetPixels = site.MaxAssetPixels // alias: moved to models/site
)

// SiteAsset, SiteAssetRef and AssetUpload: a stored image, which one is
// current, and a file as an admin sent it (models/site).
type (
	SiteAsset    = site.SiteAsset    // alias: moved to models/site
	SiteAssetRef = site.SiteAssetRef // alias: moved to models/site
	AssetUpload  = site.AssetUpload  // alias: moved to models/site
)

// Color and BrandPalette: an sRGB colour and what the brand colours come
// to in each scheme (models/site).
type (
	Color        = site.Color        // alias: moved to models/site
	BrandPalette = site.BrandPalette // alias: moved to models/site
)

// MinContrast is WCAG AA's ratio for normal text (site.MinContrast).
const MinContrast = site.MinContrast // alias: moved to models/site

// DefaultSiteSettings apply until an admin changes them (site.DefaultSiteSettings).
func DefaultSiteSettings() SiteSettings { return site.DefaultSiteSettings() }

// ParseColor reads "#rrggbb" (site.ParseColor).
func ParseColor(s string) (Color, bool) { return site.ParseColor(s) }

// Contrast is WCAG 2's contrast ratio of two colours (site.Contrast).
func Contrast(a, b Color) float64 { return site.Contrast(a, b) }

// DerivePalette checks the admin's colours and derives the rest
// (site.DerivePalette); a refusal is a *ValidationError.
func DerivePalette(primary, accent string) (BrandPalette, error) {
	return site.DerivePalette(primary, accent)
}

// SaveSiteAsset checks and stores a logo or favicon, without an audit line
// (site.Site.SaveAsset: for seeding and the operator's tools); a refusal
// is a *ValidationError.
func (s *Store) SaveSiteAsset(ctx context.Context, name, contentType string, data []byte) error {
	return s.Site.SaveAsset(ctx, name, contentType, data)
}

// SaveSiteSettings validates and stores the admin form, images included,
// with its audit line, in one transaction.
func (s *Store) SaveSiteSettings(ctx context.Context, actor *User, f SiteSettingsForm) error {
	if !actor.Can(PermManageSite) {
		return ErrForbidden
	}
	set, assets, err := site.CheckSettingsForm(f)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		changed, err := s.Site.WriteSettings(ctx, tx, set, assets)
		if err != nil {
			return err
		}
		reason := ""
		if len(changed) > 0 {
			reason = "Changed: " + strings.Join(changed, ", ") + "."
		}
		return logAction(ctx, tx, s.now(), actor, "change_settings", "site", 0, reason)
	})
}

// readSiteSettings reads the settings in the transaction q of a write that
// depends on them (site.ReadSettings).
func readSiteSettings(ctx context.Context, q queryer) (SiteSettings, error) {
	return site.ReadSettings(ctx, q)
}
