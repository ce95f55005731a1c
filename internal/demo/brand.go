package demo

import (
	"context"
	_ "embed"
	"strconv"

	"github.com/crowdcare/crowdcare/models"
)

// Logo is Northwind's wordmark: a compass rose and the community's name,
// drawn for the header's light background (a logo replaces the name there;
// the dark scheme puts it on a light plate); hand-written SVG with nothing
// the sanitiser would drop.
//
//go:embed northwind-logo.svg
var Logo []byte

// Brand is how Northwind looks and names itself.
type Brand struct {
	CommunityName      string
	BrandName          string
	BadgeTitle         string // on ambassadors' badges
	AmbassadorDomain   string // employees verify a work address here
	PrimaryColor       string // --brand: links and primary buttons, white text on it
	AccentColor        string // --accent
	FooterLinks        []FooterLink
	LogoContentType    string
	SuperuserThreshold int // reputation at which members become superusers
}

// FooterLink is a link in the footer; Kind is its slot (terms, privacy,
// contact, status).
type FooterLink struct{ Kind, Label, URL string }

// Northwind is the demo's brand. Its colours meet WCAG AA where the
// contract uses them in the light scheme: #0b5c8a is 7.2:1 against white
// (so white text on it too) and 6.8:1 against #f6f8fa as link text; the
// amber accent carries dark ink (8.4:1 with #1f2328). On the dark
// backgrounds (2.6:1 against #0f1419) the branding derives a lighter
// variant.
var Northwind = Brand{
	CommunityName:    "Northwind Community",
	BrandName:        "Northwind",
	BadgeTitle:       "Northwind Team",
	AmbassadorDomain: "northwind.example",
	PrimaryColor:     "#0b5c8a",
	AccentColor:      "#f2b233",
	FooterLinks: []FooterLink{
		{"terms", "Terms", "https://www.northwind.example/legal/terms"},
		{"privacy", "Privacy", "https://www.northwind.example/legal/privacy"},
		{"contact", "Contact us", "https://www.northwind.example/contact"},
		{"status", "Service status", "https://status.northwind.example/"},
	},
	LogoContentType:    "image/svg+xml",
	SuperuserThreshold: 200,
}

// ApplyBranding gives the forum Northwind's names, colours, footer links,
// badge and ambassador domain (the site settings, audited as the admin's),
// and its logo.
func ApplyBranding(ctx context.Context, store *models.Store, admin *models.User) error {
	cur, err := store.SiteSettings(ctx)
	if err != nil {
		return err
	}
	b := Northwind
	footer := make([]models.FooterLink, 0, len(b.FooterLinks))
	for _, l := range b.FooterLinks {
		footer = append(footer, models.FooterLink{Kind: l.Kind, Label: l.Label, URL: l.URL})
	}
	if err := store.SaveSiteSettings(ctx, admin, models.SiteSettingsForm{
		BrandName: b.BrandName, BadgeTitle: b.BadgeTitle, AmbassadorDomains: b.AmbassadorDomain,
		SuperuserThreshold: strconv.Itoa(b.SuperuserThreshold), PostsPerHour: strconv.Itoa(cur.PostsPerHour),
		StandingDays: strconv.Itoa(cur.StandingDays), StandingReputation: strconv.Itoa(cur.StandingReputation),
		ApproveFirstPosts: cur.ApproveFirstPostsWithLinks, VerifyEmail: cur.VerifyEmail,
		CommunityName: b.CommunityName, PrimaryColor: b.PrimaryColor, AccentColor: b.AccentColor, Footer: footer,
	}); err != nil {
		return err
	}
	return store.SaveSiteAsset(ctx, models.AssetLogo, b.LogoContentType, Logo)
}
