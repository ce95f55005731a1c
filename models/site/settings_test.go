package site_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/models/invalid"
	"github.com/crowdcare/crowdcare/models/policy"
	"github.com/crowdcare/crowdcare/models/site"
)

// A setting made on first use is made once: the second call returns the
// stored value without making another; Setting reads it, SetSetting
// replaces it, and a setting never stored is the store's not-found error.
func TestSettingOrCreateIsStable(t *testing.T) {
	s := openSite(t, time.Now())
	ctx := context.Background()
	calls := 0
	mk := func() ([]byte, error) { calls++; return []byte("secret"), nil }
	a, err := s.SettingOrCreate(ctx, "k", mk)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.SettingOrCreate(ctx, "k", mk)
	if err != nil {
		t.Fatal(err)
	}
	if string(a) != "secret" || string(b) != "secret" || calls != 1 {
		t.Fatalf("a=%q b=%q calls=%d", a, b, calls)
	}
	if _, err := s.Setting(ctx, "never"); !errors.Is(err, errNotFound) {
		t.Errorf("a setting never stored: %v", err)
	}
	if err := s.SetSetting(ctx, "k", []byte("other")); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Setting(ctx, "k"); err != nil || string(v) != "other" {
		t.Errorf("after SetSetting: %q %v", v, err)
	}
	if _, err := s.SettingOrCreate(ctx, "broken", func() ([]byte, error) { return nil, errors.New("no entropy") }); err == nil {
		t.Error("a value that could not be made was stored")
	}
	if _, err := s.Setting(ctx, "broken"); !errors.Is(err, errNotFound) {
		t.Errorf("after a failed make: %v", err)
	}
}

// Servers starting at once each make the secret on first use, on two
// stores over one database: every caller gets the one value stored. Each
// caller makes its value only once all of them have found none, so all
// twelve race to store theirs.
func TestParallelSettingOrCreateStoresOneValue(t *testing.T) {
	sites := openServers(t, time.Now())
	ctx := context.Background()
	const n = 12
	got := make([][]byte, n)
	errs := make([]error, n)
	var wg, made sync.WaitGroup
	made.Add(n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = sites[i%2].SettingOrCreate(ctx, "session_hash_key", func() ([]byte, error) {
				made.Done()
				made.Wait()
				b := make([]byte, 32)
				_, err := rand.Read(b)
				return b, err
			})
		}()
	}
	wg.Wait()
	stored, err := sites[1].Setting(ctx, "session_hash_key")
	if err != nil || len(stored) != 32 {
		t.Fatalf("stored: %x %v", stored, err)
	}
	for i := range n {
		if errs[i] != nil {
			t.Errorf("caller %d: %v", i, errs[i])
		} else if !bytes.Equal(got[i], stored) {
			t.Errorf("caller %d got another key than the stored one", i)
		}
	}
}

// The settings read back as saved through the form's checks, with the
// changes named for the audit line (none when nothing changed); refusals
// name their fields and store nothing; what was never set reads as the
// defaults.
func TestSettingsFormRoundTrip(t *testing.T) {
	s := openSite(t, time.Unix(1_700_000_000, 0))
	ctx := context.Background()
	if set, err := s.SiteSettings(ctx); err != nil || fmt.Sprint(set) != fmt.Sprint(site.DefaultSiteSettings()) {
		t.Fatalf("before any save: %+v %v", set, err)
	}
	save := func(f site.SiteSettingsForm) ([]string, error) {
		set, assets, err := site.CheckSettingsForm(f)
		if err != nil {
			return nil, err
		}
		var changed []string
		err = s.db.InTx(ctx, func(tx *sql.Tx) error {
			changed, err = s.WriteSettings(ctx, tx, set, assets)
			return err
		})
		return changed, err
	}
	form := site.SiteSettingsForm{BrandName: " Example ISP ", BadgeTitle: "Example ISP Employee",
		AmbassadorDomains: "@Example-ISP.com, example.net", SuperuserThreshold: "150", PostsPerHour: "12",
		StandingDays: "7", StandingReputation: "25", VerifyEmail: true, Require2FA: site.Require2FAModerators,
		PrimaryColor: "#0B5CAB", Footer: []site.FooterLink{{Kind: "privacy", URL: "https://example-isp.com/privacy"}},
		Logo: &site.AssetUpload{Filename: "logo.svg", Data: []byte(testLogo)}}
	changed, err := save(form)
	if err != nil {
		t.Fatal(err)
	}
	want := "[ambassador domains approval of first posts badge title brand name posts per hour primary colour two-factor requirement " +
		"standing (days) standing (points) superuser threshold footer links logo]"
	if fmt.Sprint(changed) != want {
		t.Errorf("changed: %v\nwant     %s", changed, want)
	}
	set, err := s.SiteSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if set.BrandName != "Example ISP" || fmt.Sprint(set.AmbassadorDomains) != "[example-isp.com example.net]" ||
		set.SuperuserThreshold != 150 || set.PostsPerHour != 12 || set.StandingDays != 7 || set.StandingReputation != 25 ||
		set.ApproveFirstPostsWithLinks || !set.VerifyEmail || set.PrimaryColor != "#0b5cab" || !set.Logo.Set() ||
		len(set.FooterLinks) != 1 || set.FooterLinks[0] != (site.FooterLink{Kind: "privacy", Label: "Privacy", URL: "https://example-isp.com/privacy"}) {
		t.Errorf("read back: %+v", set)
	}
	if !set.AmbassadorDomain(" Jo@EXAMPLE-isp.com") || set.AmbassadorDomain("jo@example.org") || set.AmbassadorDomain("example-isp.com") {
		t.Error("ambassador domains")
	}
	if set.NeedsSecondFactor(policy.RoleAmbassador) || !set.NeedsSecondFactor(policy.RoleModerator) || !set.NeedsSecondFactor(policy.RoleAdmin) {
		t.Error("two-factor requirement for moderators")
	}
	// The same form again (the logo kept: no file) changes nothing.
	form.Logo = nil
	if changed, err := save(form); err != nil || len(changed) != 0 {
		t.Errorf("an unchanged save: %v %v", changed, err)
	}

	var fe *invalid.Error
	_, err = save(site.SiteSettingsForm{BrandName: "", BadgeTitle: "B", AmbassadorDomains: "not-a-domain", SuperuserThreshold: "-1",
		PostsPerHour: "x", StandingDays: "4000", StandingReputation: "0", Require2FA: "everyone", StaffSSO: true,
		PrimaryColor: "#3399ff", Footer: []site.FooterLink{{Kind: "terms", Label: "Terms"}}})
	if !errors.As(err, &fe) {
		t.Fatalf("a bad form: %v", err)
	}
	for _, field := range []string{"brand_name", "ambassador_domains", "superuser_threshold", "posts_per_hour", "standing_days",
		"require_2fa", "staff_sso", "primary_color", "footer_terms_url"} {
		if fe.Fields[field] == "" {
			t.Errorf("no message for %s: %v", field, fe.Fields)
		}
	}
	if _, ok := fe.Fields["badge_title"]; ok || len(fe.Fields) != 9 {
		t.Errorf("fields refused: %v", fe.Fields)
	}
	if after, _ := s.SiteSettings(ctx); after.BrandName != "Example ISP" {
		t.Errorf("a refused form changed the settings: %+v", after)
	}
}
