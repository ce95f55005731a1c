package models

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"testing"
)

const testLogo = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 180 40"><rect width="180" height="40" fill="#1a5e3a"/></svg>`

func tinyPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Through the store, a refused image or colour is the ValidationError the
// web layer shows beside the field (models/site's tests check the rest).
func TestSiteRefusalsAreValidationErrors(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	var ve *ValidationError
	if err := s.SaveSiteAsset(ctx, AssetLogo, "image/png", []byte(testLogo)); !errors.As(err, &ve) || ve.Fields[AssetLogo] == "" {
		t.Errorf("a logo named as PNG: %v", err)
	}
	if _, err := DerivePalette("#3399ff", ""); !errors.As(err, &ve) || ve.Fields["primary_color"] == "" {
		t.Errorf("a low-contrast primary: %v", err)
	}
	if _, err := s.SiteAsset(ctx, AssetLogo); !errors.Is(err, ErrNotFound) {
		t.Errorf("no logo yet: %v", err)
	}
}

// The branding round-trips through the form's values; a suspended admin's
// save, images included, is undone whole.
func TestSaveBrandingSettings(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	admin := userWithRole(t, s, "boss", RoleAdmin)
	saveSettings(t, s, admin, SiteSettingsForm{CommunityName: "  Northwind Community ", PrimaryColor: "#1A5E3A",
		Footer: []FooterLink{{Kind: "status", URL: "https://status.northwind.example"}, {Kind: "terms", Label: "Terms", URL: "https://northwind.example/terms"}},
		Logo:   &AssetUpload{Filename: "logo.svg", ContentType: "image/svg+xml", Data: []byte(testLogo)}})
	set, err := s.SiteSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []FooterLink{{Kind: "terms", Label: "Terms", URL: "https://northwind.example/terms"}, {Kind: "status", Label: "Status", URL: "https://status.northwind.example"}}
	if set.CommunityName != "Northwind Community" || set.PrimaryColor != "#1a5e3a" || set.AccentColor != "" || !set.Logo.Set() ||
		len(set.FooterLinks) != 2 || set.FooterLinks[0] != want[0] || set.FooterLinks[1] != want[1] {
		t.Fatalf("saved: %+v", set)
	}
	v := set.FormValues()
	if v["footer_status_label"] != "Status" || v["footer_privacy_url"] != "" || v["community_name"] != "Northwind Community" {
		t.Errorf("form values: %v", v)
	}
	if v := (SiteSettings{FooterLinks: []FooterLink{{Label: "Help", URL: "https://help.example"}, {Kind: "terms", URL: "https://t.example"}}}).FormValues(); v["footer_terms_url"] != "https://t.example" || v["footer_privacy_label"] != "Help" {
		t.Errorf("links without a kind take the free slots: %v", v)
	}
	if got := logActions(t, s); len(got) == 0 || got[0] != "change_settings" {
		t.Errorf("audit: %v", got)
	}

	// A save that keeps the logo (no file, no removal) leaves it; removal removes it.
	saveSettings(t, s, admin, SiteSettingsForm{CommunityName: "Northwind Community"})
	if set, _ := s.SiteSettings(ctx); !set.Logo.Set() || set.PrimaryColor != "" || len(set.FooterLinks) != 0 {
		t.Errorf("after a save without a file: %+v", set)
	}
	saveSettings(t, s, admin, SiteSettingsForm{RemoveLogo: true})
	if set, _ := s.SiteSettings(ctx); set.Logo.Set() || set.CommunityName != "" {
		t.Errorf("after removal: %+v", set)
	}

	boss := suspended(t, s, userWithRole(t, s, "root", RoleAdmin), admin)
	err = s.SaveSiteSettings(ctx, boss, SiteSettingsForm{BrandName: "X", BadgeTitle: "Y", SuperuserThreshold: "1", PostsPerHour: "1",
		StandingDays: "0", StandingReputation: "0", CommunityName: "Hijacked",
		Logo: &AssetUpload{Filename: "l.png", ContentType: "image/png", Data: tinyPNG(t, 4, 4)}})
	mustRefuse(t, "suspended admin's branding", err)
	if set, _ := s.SiteSettings(ctx); set.CommunityName == "Hijacked" || set.Logo.Set() {
		t.Errorf("a suspended admin's save was kept: %+v", set)
	}
}
