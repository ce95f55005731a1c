package models

import (
	"context"
	"errors"
	"fmt"
	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models/migrations"
	"github.com/crowdcare/crowdcare/models/notallowed"
	"io/fs"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pressly/goose/v3"
	"golang.org/x/crypto/bcrypt"
)

// newSkewStore is a store whose clock a test moves on with skew.
func newSkewStore(t *testing.T) (*Store, *atomic.Int64) {
	t.Helper()
	skew := new(atomic.Int64)
	s, err := Open(context.Background(), testdb.Location(t, "accounts.db"), Options{PasswordCost: bcrypt.MinCost,
		Now: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, skew
}

func resetMail(username, token string) (string, string) {
	return "Reset", "Hello " + username + ", open /password/reset/" + token
}

// resetToken asks for a reset of addr and returns the link's token from
// the email queued (there must be one).
func resetToken(t *testing.T, s *Store, addr string) string {
	t.Helper()
	sent, err := s.RequestPasswordReset(context.Background(), addr, "198.51.100.7", resetMail)
	if err != nil || !sent {
		t.Fatalf("request reset for %s: sent %v, %v", addr, sent, err)
	}
	return lastLinkToken(t, s, addr, "/password/reset/")
}

// lastLinkToken reads the token of the newest link with prefix in the
// outbox emails to addr.
func lastLinkToken(t *testing.T, s *Store, addr, prefix string) string {
	t.Helper()
	var body string
	if err := s.db.Primary().QueryRow(`SELECT body FROM outbox WHERE lower(to_addr) = lower(?) AND body LIKE ? ESCAPE '\' ORDER BY id DESC LIMIT 1`,
		addr, containing(prefix)).Scan(&body); err != nil {
		t.Fatalf("no email with %s to %s: %v", prefix, addr, err)
	}
	rest := body[strings.Index(body, prefix)+len(prefix):]
	if i := strings.IndexAny(rest, " \n"); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

func count(t *testing.T, s *Store, q string, args ...any) int {
	t.Helper()
	var n int
	if err := s.db.Primary().QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSignUpVerificationGatesPosting(t *testing.T) {
	s, skew := newSkewStore(t)
	ctx := context.Background()
	reg, err := s.Register(ctx, NewUser{Username: "newbie", Email: "newbie@example.com", Password: "correct horse"}, "198.51.100.7", 0)
	if err != nil {
		t.Fatal(err)
	}
	u := reg.User
	if u.EmailVerified() || reg.VerifyToken == "" {
		t.Fatalf("a new sign-up: verified %v, token %q", u.EmailVerified(), reg.VerifyToken)
	}
	set, err := s.SiteSettings(ctx)
	if err != nil || !set.VerifyEmail {
		t.Fatalf("a new install does not ask for verified addresses: %+v %v", set, err)
	}
	_, err = s.CreateThread(ctx, u, NewThread{Title: "Router drops the connection", CategorySlug: "general", Body: "Every evening the connection drops for a minute."})
	na, ok := IsNotAllowed(err)
	if !ok || na.Kind != notallowed.Unconfirmed || na.Email != "newbie@example.com" {
		t.Fatalf("an unverified member asks: %v", err)
	}
	other := mustUser(t, s, "other")
	th := mustThread(t, s, other, "Hub 3 reboots at night")
	if _, err := s.CreateAnswer(ctx, u, th.ID, "Turn off the maintenance window."); err == nil {
		t.Fatal("an unverified member answered")
	}
	// The link: looked at, then used, once.
	l, err := s.EmailLinkFor(ctx, reg.VerifyToken)
	if err != nil || l.Kind != TokenVerifyEmail || l.Email != "newbie@example.com" || l.Username != "newbie" {
		t.Fatalf("link: %+v %v", l, err)
	}
	if _, err := s.ConfirmEmail(ctx, reg.VerifyToken, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ConfirmEmail(ctx, reg.VerifyToken, nil); !errors.Is(err, ErrLinkInvalid) {
		t.Fatalf("a verification link used twice: %v", err)
	}
	u, _ = s.UserByID(ctx, u.ID)
	if !u.EmailVerified() {
		t.Fatal("not verified")
	}
	if _, err := s.CreateAnswer(ctx, u, th.ID, "Turn off the maintenance window."); err != nil {
		t.Fatalf("a verified member answers: %v", err)
	}
	// Links expire.
	reg2, err := s.Register(ctx, NewUser{Username: "later", Email: "later@example.com", Password: "correct horse"}, "198.51.100.7", 0)
	if err != nil {
		t.Fatal(err)
	}
	skew.Add(int64(VerifyLinkTTL + time.Minute))
	if _, err := s.ConfirmEmail(ctx, reg2.VerifyToken, nil); !errors.Is(err, ErrLinkInvalid) {
		t.Fatalf("an expired link: %v", err)
	}
	// With the setting off, unverified members post.
	admin, err := s.CreateUser(ctx, NewUser{Username: "boss", Email: "boss@example.com", Password: "correct horse", Role: RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	f := SiteSettingsForm{BrandName: "Brand", BadgeTitle: "Employee", SuperuserThreshold: "200", PostsPerHour: "30", StandingDays: "3", StandingReputation: "10"}
	if err := s.SaveSiteSettings(ctx, admin, f); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAnswer(ctx, reg2.User, th.ID, "Try another channel."); err != nil {
		t.Fatalf("the setting is off, yet: %v", err)
	}
}

// Migration 0023 counts the accounts before it as verified and leaves an
// existing install's posting as it was; a new install asks for verified
// addresses.
func changeMail(t *testing.T) EmailChangeMail {
	return EmailChangeMail{
		Link:  func(token string) (string, string) { return "Confirm", "open /email/verify/" + token },
		Taken: func() (string, string) { return "Taken", "this address has an account" },
	}
}

func TestAccountsMigrationKeepsExistingInstallsAsTheyWere(t *testing.T) {
	ctx := context.Background()
	// A new install on either engine.
	fresh, err := newTestStore(t).SiteSettings(ctx)
	if err != nil || !fresh.VerifyEmail {
		t.Fatalf("a new install: %+v %v", fresh, err)
	}
	// Existing installs are SQLite files: PostgreSQL starts at the schema
	// after the migration.
	s, err := Open(ctx, testdb.SQLiteFile(t, "old.db"), Options{PasswordCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	sub, err := migrations.SQLite(), error(nil)
	if err != nil {
		t.Fatal(err)
	}
	matches, err := fs.Glob(sub, "*_accounts.sql")
	if err != nil || len(matches) != 1 {
		t.Fatalf("the accounts migration: %v %v", matches, err)
	}
	var version int64
	if _, err := fmt.Sscanf(matches[0], "%d_", &version); err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, s.db.W(), sub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, version-1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.W().ExecContext(ctx, `INSERT INTO users (username, email, password_hash, created_at) VALUES ('old', 'old@example.com', '', 1000)`); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	set, err := s.SiteSettings(ctx)
	if err != nil || set.VerifyEmail {
		t.Fatalf("an existing install now asks for verified addresses: %+v %v", set, err)
	}
	old, err := s.UserByUsername(ctx, "old")
	if err != nil || !old.EmailVerified() || old.EmailVerifiedAt.Unix() != 1000 {
		t.Fatalf("an existing account: %+v %v", old, err)
	}
}

// TestDeletedMemberNamesAreReserved: nobody registers a name like a deleted
// account's. (The profile's limits are tested in models/accounts.)
func TestDeletedMemberNamesAreReserved(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	var ve *ValidationError
	// A name like a deleted account's is reserved.
	_, err := s.CreateUser(ctx, NewUser{Username: "Deleted-Member-7", Email: "dm@example.com", Password: "correct horse"})
	if !errors.As(err, &ve) || ve.Fields["username"] == "" {
		t.Fatalf("reserved username: %v", err)
	}
}

func TestIdentitiesLinkOneAccountEach(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	alice, bob := mustUser(t, s, "alice"), mustUser(t, s, "bob")
	id := Identity{Issuer: "https://idp.example.com", Subject: "248289761001", Email: "alice@corp.example"}
	if err := s.LinkIdentity(ctx, alice, id); err != nil {
		t.Fatal(err)
	}
	if err := s.LinkIdentity(ctx, alice, id); err != nil {
		t.Fatalf("linking again: %v", err)
	}
	if !refusedAs(s.LinkIdentity(ctx, bob, id), notallowed.IdentityTaken) {
		t.Fatal("one identity linked to two accounts")
	}
	u, err := s.UserByIdentity(ctx, id.Issuer, id.Subject)
	if err != nil || u.ID != alice.ID {
		t.Fatalf("lookup: %v %v", u, err)
	}
	if _, err := s.UserByIdentity(ctx, id.Issuer, "someone else"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown subject: %v", err)
	}
	ids, err := s.Identities(ctx, alice.ID)
	if err != nil || len(ids) != 1 || ids[0].Email != "alice@corp.example" {
		t.Fatalf("identities: %+v %v", ids, err)
	}
}
