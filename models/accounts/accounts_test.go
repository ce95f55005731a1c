package accounts_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/internal/storetest"
	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/accounts"
	"github.com/crowdcare/crowdcare/models/notallowed"
	"github.com/crowdcare/crowdcare/models/policy"
)

// openStore is a store on a fresh database (either engine: internal/testdb)
// whose clock the test moves through *now. The accounts are tested through
// the store, which embeds them and hands them what they need of the other
// domains (settings, notifications, the audit log, the outbox).
func openStore(t *testing.T) (*models.Store, *time.Time) {
	t.Helper()
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	s := storetest.Open(t, "accounts.db", func() time.Time { return now })
	return s, &now
}

func newUser(t *testing.T, s *models.Store, name string, role policy.Role) *accounts.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), models.NewUser{Username: name, Email: name + "@example.com",
		Password: "correct horse", Role: role})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func reload(t *testing.T, s *models.Store, u *accounts.User) *accounts.User {
	t.Helper()
	got, err := s.UserByID(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func linkMail(token string) (subject, body string) {
	return "Confirm your work address", "/ambassador/verify?token=" + token
}

func TestProfileIsPlainTextWithinLimits(t *testing.T) {
	s, _ := openStore(t)
	ctx := context.Background()
	alice := newUser(t, s, "alice", policy.RoleMember)
	err := s.SaveProfile(ctx, alice, accounts.ProfileEdit{DisplayName: "  Alice \t  Liddell ", Bio: "\n\nLine one\r\n\r\n\r\n\r\nLine   two  \n\n"})
	if err != nil {
		t.Fatal(err)
	}
	if a := reload(t, s, alice); a.DisplayName != "Alice Liddell" || a.Bio != "Line one\n\nLine two" {
		t.Fatalf("saved %q %q", a.DisplayName, a.Bio)
	}
	var ve *models.ValidationError
	err = s.SaveProfile(ctx, alice, accounts.ProfileEdit{DisplayName: strings.Repeat("é", accounts.DisplayNameMaxLen+1),
		Bio: strings.Repeat("b", accounts.BioMaxLen+1)})
	if !errors.As(err, &ve) || ve.Fields["display_name"] == "" || ve.Fields["bio"] == "" {
		t.Fatalf("too long: %v", err)
	}
	if err := s.SaveProfile(ctx, alice, accounts.ProfileEdit{DisplayName: strings.Repeat("é", accounts.DisplayNameMaxLen)}); err != nil {
		t.Fatalf("at the limit: %v", err)
	}
	if err := s.SaveProfile(ctx, alice, accounts.ProfileEdit{DisplayName: "bell\u0007"}); !errors.As(err, &ve) {
		t.Fatalf("a control character: %v", err)
	}
	if err := s.SaveProfile(ctx, alice, accounts.ProfileEdit{Bio: "a\x00b\xffc"}); err != nil {
		t.Fatalf("a NUL and invalid UTF-8: %v", err)
	} else if a := reload(t, s, alice); a.Bio != "abc" {
		t.Fatalf("a NUL and invalid UTF-8 kept: %q", a.Bio)
	}
}

func TestAmbassadorVerification(t *testing.T) {
	s, now := openStore(t)
	ctx := context.Background()
	admin := newUser(t, s, "boss", policy.RoleAdmin)
	alice, bob := newUser(t, s, "alice", policy.RoleMember), newUser(t, s, "bob", policy.RoleMember)
	if _, err := s.RequestAmbassador(ctx, alice, "alice@example-isp.com", linkMail); !models.IsValidation(err) {
		t.Fatalf("no domains configured: %v", err)
	}
	if err := s.SaveSiteSettings(ctx, admin, models.SiteSettingsForm{BrandName: "Example ISP", BadgeTitle: "Example ISP Employee",
		SuperuserThreshold: "200", PostsPerHour: "30", StandingDays: "3", StandingReputation: "10",
		AmbassadorDomains: "example-isp.com, @corp.example-isp.com"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RequestAmbassador(ctx, alice, "alice@gmail.com", linkMail); !models.IsValidation(err) {
		t.Fatalf("wrong domain: %v", err)
	}
	if _, err := s.RequestAmbassador(ctx, alice, "alice@evil-example-isp.com", linkMail); !models.IsValidation(err) {
		t.Fatalf("look-alike domain: %v", err)
	}
	token, err := s.RequestAmbassador(ctx, alice, "Alice@Example-ISP.com", linkMail)
	if err != nil {
		t.Fatal(err)
	}
	if pending, err := s.PendingAmbassadors(ctx); err != nil || len(pending) != 1 || pending[0].Email != "alice@example-isp.com" {
		t.Fatalf("pending: %+v %v", pending, err)
	}
	if err := s.VerifyAmbassador(ctx, bob, token); !errors.Is(err, accounts.ErrLinkInvalid) {
		t.Fatalf("someone else's link: %v", err)
	}
	if err := s.VerifyAmbassador(ctx, alice, "not-a-token"); !errors.Is(err, accounts.ErrLinkInvalid) {
		t.Fatalf("made-up link: %v", err)
	}
	if err := s.VerifyAmbassador(ctx, alice, token); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if got := reload(t, s, alice); got.Role != policy.RoleAmbassador || got.WorkEmail != "alice@example-isp.com" {
		t.Fatalf("alice: %s %q", got.Role, got.WorkEmail)
	}
	if err := s.VerifyAmbassador(ctx, alice, token); !errors.Is(err, accounts.ErrLinkInvalid) {
		t.Fatalf("reused link: %v", err)
	}
	// An ambassador asks for no second link.
	if _, err := s.RequestAmbassador(ctx, reload(t, s, alice), "alice@example-isp.com", linkMail); err == nil {
		t.Fatal("an ambassador asked for a link")
	} else if !refusedAs(err, notallowed.AlreadyStaff) {
		t.Fatalf("an ambassador asking for a link: %v", err)
	}
	// An expired link does nothing.
	late, err := s.RequestAmbassador(ctx, bob, "bob@corp.example-isp.com", linkMail)
	if err != nil {
		t.Fatal(err)
	}
	*now = now.Add(accounts.AmbassadorLinkTTL + time.Minute)
	if err := s.VerifyAmbassador(ctx, bob, late); !errors.Is(err, accounts.ErrLinkInvalid) {
		t.Fatalf("expired link: %v", err)
	}
	if got := reload(t, s, bob); got.Role != policy.RoleMember {
		t.Fatalf("bob after expired link: %s", got.Role)
	}
	if dir, err := s.UsersWithRole(ctx, policy.RoleAmbassador); err != nil || len(dir) != 1 || dir[0].Username != "alice" {
		t.Fatalf("directory: %+v %v", dir, err)
	}
	// Admins grant and revoke directly; both are logged.
	if err := s.SetUserRole(ctx, admin, alice.ID, policy.RoleMember, "left the company"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetUserRole(ctx, alice, bob.ID, policy.RoleAdmin, ""); !errors.Is(err, models.ErrForbidden) {
		t.Fatalf("member granting roles: %v", err)
	}
	if err := s.SetUserRole(ctx, admin, admin.ID, policy.RoleMember, ""); err == nil {
		t.Fatal("an admin changed their own role")
	}
	log, err := s.ModLog(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range log.Entries {
		actions = append(actions, e.Action)
	}
	if got := strings.Join(actions, ","); !strings.Contains(got, "verify_ambassador") || !strings.Contains(got, "set_role") {
		t.Fatalf("audit log: %s", got)
	}
}
