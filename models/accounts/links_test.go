package accounts_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/internal/storetest"
	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/accounts"
	"github.com/crowdcare/crowdcare/models/notallowed"
)

// The one-time links sent to an account's address: password resets,
// verification and address changes, their limits and what they end.
// Through the store, which embeds the accounts and queues their emails.

func newTestStore(t *testing.T) *models.Store {
	t.Helper()
	s, _ := newSkewStore(t)
	return s
}

// newSkewStore is a store whose clock a test moves on with skew.
func newSkewStore(t *testing.T) (*models.Store, *atomic.Int64) {
	t.Helper()
	skew := new(atomic.Int64)
	s := storetest.Open(t, "links.db", func() time.Time { return time.Now().Add(time.Duration(skew.Load())) })
	return s, skew
}

// refusedAs reports whether err is a refusal of kind k.
func refusedAs(err error, k notallowed.Kind) bool {
	na, ok := models.IsNotAllowed(err)
	return ok && na.Kind == k
}

func mustUser(t *testing.T, s *models.Store, name string) *accounts.User {
	return storetest.User(t, s, name, "")
}

func resetMail(username, token string) (string, string) {
	return "Reset", "Hello " + username + ", open /password/reset/" + token
}

// resetToken asks for a reset of addr and returns the link's token from
// the email queued (there must be one).
func resetToken(t *testing.T, s *models.Store, addr string) string {
	t.Helper()
	sent, err := s.RequestPasswordReset(context.Background(), addr, "198.51.100.7", resetMail)
	if err != nil || !sent {
		t.Fatalf("request reset for %s: sent %v, %v", addr, sent, err)
	}
	return lastLinkToken(t, s, addr, "/password/reset/")
}

// lastLinkToken reads the token of the newest link with prefix in the
// outbox emails to addr.
func lastLinkToken(t *testing.T, s *models.Store, addr, prefix string) string {
	t.Helper()
	var body string
	if err := s.DB().Primary().QueryRow(`SELECT body FROM outbox WHERE lower(to_addr) = lower(?) AND body LIKE ? ESCAPE '\' ORDER BY id DESC LIMIT 1`,
		addr, "%"+strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(prefix)+"%").Scan(&body); err != nil {
		t.Fatalf("no email with %s to %s: %v", prefix, addr, err)
	}
	rest := body[strings.Index(body, prefix)+len(prefix):]
	if i := strings.IndexAny(rest, " \n"); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

func count(t *testing.T, s *models.Store, q string, args ...any) int {
	t.Helper()
	var n int
	if err := s.DB().Primary().QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A reset for an address nobody has takes the same steps as one for a
// member's address: a token is made and hashed, the email composed, the
// request recorded under the client address and the typed address in one
// transaction; only the member's gets a link and an email.
func TestPasswordResetTakesTheSameStepsForUnknownAddresses(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	mustUser(t, s, "alice")
	composed := map[string]int{}
	compose := func(username, token string) (string, string) {
		if len(token) != 64 {
			t.Errorf("token %q", token)
		}
		composed[username]++
		return resetMail(username, token)
	}
	for _, c := range []struct {
		email string
		want  bool
	}{{"alice@example.com", true}, {"nobody@example.com", false}, {"  ALICE@Example.com ", true}} {
		before, requests, mails := s.TokensMade(), count(t, s, `SELECT COUNT(*) FROM account_requests`), count(t, s, `SELECT COUNT(*) FROM outbox`)
		sent, err := s.RequestPasswordReset(ctx, c.email, "198.51.100.7", compose)
		if err != nil || sent != c.want {
			t.Fatalf("%q: sent %v, %v; want %v", c.email, sent, err, c.want)
		}
		if got := s.TokensMade() - before; got != 1 {
			t.Errorf("%q: %d tokens made, want 1 whether or not the address has an account", c.email, got)
		}
		if got := count(t, s, `SELECT COUNT(*) FROM account_requests`) - requests; got != 2 {
			t.Errorf("%q: %d requests recorded, want 2 (client address and email)", c.email, got)
		}
		wantMails := 0
		if c.want {
			wantMails = 1
		}
		if got := count(t, s, `SELECT COUNT(*) FROM outbox`) - mails; got != wantMails {
			t.Errorf("%q: %d emails queued, want %d", c.email, got, wantMails)
		}
	}
	if composed["alice"] != 2 || composed[""] != 1 {
		t.Errorf("emails composed: %v", composed)
	}
	// No address, known or not, is kept: only hashes.
	if n := count(t, s, `SELECT COUNT(*) FROM account_requests WHERE key LIKE '%@%'`); n != 0 {
		t.Errorf("%d request rows keep an address", n)
	}
	// A malformed address is refused before anything, for everyone alike.
	var ve *models.ValidationError
	if _, err := s.RequestPasswordReset(ctx, "not an address", "198.51.100.7", compose); !errors.As(err, &ve) || ve.Fields["email"] == "" {
		t.Fatalf("malformed address: %v", err)
	}
}

func TestPasswordResetLinkWorksOnceWithinAnHour(t *testing.T) {
	s, skew := newSkewStore(t)
	ctx := context.Background()
	alice := mustUser(t, s, "alice")
	if _, err := s.DB().W().ExecContext(ctx, `UPDATE users SET email_verified_at = NULL WHERE id = ?`, alice.ID); err != nil {
		t.Fatal(err)
	}
	sid, err := s.StartSession(ctx, alice.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, "alice", "wrong password", "203.0.113.9"); !errors.Is(err, accounts.ErrBadCredentials) {
		t.Fatal(err)
	}
	token := resetToken(t, s, "alice@example.com")
	// Only a hash is stored.
	if n := count(t, s, `SELECT COUNT(*) FROM account_tokens WHERE token_hash = ?`, token); n != 0 {
		t.Fatal("the token is stored in the clear")
	}
	if u, err := s.PasswordResetUser(ctx, token); err != nil || u.ID != alice.ID {
		t.Fatalf("link: %v, %v", u, err)
	}
	var ve *models.ValidationError
	if _, err := s.ResetPassword(ctx, token, "short", "short"); !errors.As(err, &ve) || ve.Fields["password"] == "" {
		t.Fatalf("short password: %v", err)
	}
	if _, err := s.ResetPassword(ctx, token, "a new long password", "another password"); !errors.As(err, &ve) || ve.Fields["password_confirm"] == "" {
		t.Fatalf("confirmation differs: %v", err)
	}
	u, err := s.ResetPassword(ctx, token, "a new long password", "a new long password")
	if err != nil {
		t.Fatal(err)
	}
	if !u.EmailVerified() {
		t.Error("the link proved the address, yet it is not verified")
	}
	if _, _, err := s.SessionUser(ctx, sid); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("the session from before the reset lives on: %v", err)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM login_failures WHERE username = 'alice'`); n != 0 {
		t.Errorf("%d failed logins kept", n)
	}
	if _, err := s.Authenticate(ctx, "alice", "a new long password", "203.0.113.9"); err != nil {
		t.Fatalf("log in with the new password: %v", err)
	}
	// Used: never again.
	if _, err := s.ResetPassword(ctx, token, "a third password!", "a third password!"); !errors.Is(err, accounts.ErrLinkInvalid) {
		t.Fatalf("reused link: %v", err)
	}
	// Expired after an hour.
	token = resetToken(t, s, "alice@example.com")
	skew.Add(int64(accounts.ResetLinkTTL + time.Second))
	if _, err := s.PasswordResetUser(ctx, token); !errors.Is(err, accounts.ErrLinkInvalid) {
		t.Fatalf("expired link: %v", err)
	}
	if _, err := s.ResetPassword(ctx, token, "a third password!", "a third password!"); !errors.Is(err, accounts.ErrLinkInvalid) {
		t.Fatalf("expired link used: %v", err)
	}
	// Made up: nothing.
	if _, err := s.PasswordResetUser(ctx, strings.Repeat("ab", 32)); !errors.Is(err, accounts.ErrLinkInvalid) {
		t.Fatalf("made-up link: %v", err)
	}
}

func TestPasswordResetLinkEndsWithALaterOneOrAPasswordChange(t *testing.T) {
	s, skew := newSkewStore(t)
	ctx := context.Background()
	alice := mustUser(t, s, "alice")
	first := resetToken(t, s, "alice@example.com")
	second := resetToken(t, s, "alice@example.com")
	if _, err := s.PasswordResetUser(ctx, first); !errors.Is(err, accounts.ErrLinkInvalid) {
		t.Fatalf("an earlier link works after a later request: %v", err)
	}
	if _, err := s.PasswordResetUser(ctx, second); err != nil {
		t.Fatalf("the latest link: %v", err)
	}
	if _, err := s.ChangePassword(ctx, alice, "correct horse", "battery staple", "203.0.113.9"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PasswordResetUser(ctx, second); !errors.Is(err, accounts.ErrLinkInvalid) {
		t.Fatalf("a link works after a password change: %v", err)
	}
	skew.Add(int64(2 * time.Hour)) // out of the hourly limits
	third := resetToken(t, s, "alice@example.com")
	alice, _ = s.UserByID(ctx, alice.ID)
	if _, err := s.SetPassword(ctx, alice, "set by an admin"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PasswordResetUser(ctx, third); !errors.Is(err, accounts.ErrLinkInvalid) {
		t.Fatalf("a link works after an admin set the password: %v", err)
	}
}

// Reset requests are limited per typed address and per account without a
// word (the answer cannot differ from an unknown address's), and per client
// address out loud.
func TestPasswordResetLimits(t *testing.T) {
	s, skew := newSkewStore(t)
	ctx := context.Background()
	mustUser(t, s, "alice")
	for i := 1; i <= accounts.ResetsPerEmail+2; i++ {
		sent, err := s.RequestPasswordReset(ctx, "alice@example.com", fmt.Sprintf("198.51.100.%d", i), resetMail)
		if err != nil {
			t.Fatal(err)
		}
		if want := i <= accounts.ResetsPerEmail; sent != want {
			t.Errorf("request %d: sent %v, want %v", i, sent, want)
		}
	}
	if n := count(t, s, `SELECT COUNT(*) FROM outbox WHERE kind = ?`, accounts.EmailPasswordReset); n != accounts.ResetsPerEmail {
		t.Errorf("%d reset emails, want %d", n, accounts.ResetsPerEmail)
	}
	// Per client address: one address asking for many accounts is refused, and says when to retry.
	skew.Add(int64(2 * time.Hour))
	for i := 1; i <= accounts.ResetsPerClient; i++ {
		if _, err := s.RequestPasswordReset(ctx, fmt.Sprintf("someone%d@example.com", i), "203.0.113.50", resetMail); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	_, err := s.RequestPasswordReset(ctx, "alice@example.com", "203.0.113.50", resetMail)
	var te *accounts.ThrottledError
	if !errors.As(err, &te) || te.RetryAfter <= 0 {
		t.Fatalf("request over the client limit: %v", err)
	}
	// The same /64 is one client.
	if _, err := s.RequestPasswordReset(ctx, "alice@example.com", "2001:db8::1", resetMail); err != nil {
		t.Fatal(err)
	}
	// Per account, whatever address it is asked under.
	s2, _ := newSkewStore(t)
	bob := mustUser(t, s2, "bob")
	for i := 0; i < accounts.ResetsPerAccount; i++ {
		// Each address change moves the account under a new typed address.
		if _, err := s2.DB().W().ExecContext(ctx, `UPDATE users SET email = ? WHERE id = ?`, fmt.Sprintf("bob%d@example.com", i), bob.ID); err != nil {
			t.Fatal(err)
		}
		if sent, err := s2.RequestPasswordReset(ctx, fmt.Sprintf("bob%d@example.com", i), "198.51.100.1", resetMail); err != nil || !sent {
			t.Fatalf("request %d: %v %v", i, sent, err)
		}
	}
	if _, err := s2.DB().W().ExecContext(ctx, `UPDATE users SET email = 'bob9@example.com' WHERE id = ?`, bob.ID); err != nil {
		t.Fatal(err)
	}
	if sent, err := s2.RequestPasswordReset(ctx, "bob9@example.com", "198.51.100.1", resetMail); err != nil || sent {
		t.Fatalf("request over the account's limit: sent %v, %v", sent, err)
	}
}

// A link stops working when the account's address is no longer the one it
// went to; deleted and imported accounts get none.
func TestPasswordResetFollowsTheAddress(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	alice := mustUser(t, s, "alice")
	token := resetToken(t, s, "alice@example.com")
	if _, err := s.DB().W().ExecContext(ctx, `UPDATE users SET email = 'alice@new.example' WHERE id = ?`, alice.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PasswordResetUser(ctx, token); !errors.Is(err, accounts.ErrLinkInvalid) {
		t.Fatalf("a link to the old address works: %v", err)
	}
	if _, err := s.DB().W().ExecContext(ctx, `INSERT INTO users (username, email, password_hash, created_at, imported) VALUES ('x-user-1', 'x1@example.com', '', 0, 1)`); err != nil {
		t.Fatal(err)
	}
	if sent, err := s.RequestPasswordReset(ctx, "x1@example.com", "198.51.100.7", resetMail); err != nil || sent {
		t.Fatalf("a placeholder got a link: %v %v", sent, err)
	}
}

func TestResendVerificationIsLimited(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	reg, err := s.Register(ctx, models.NewUser{Username: "newbie", Email: "newbie@example.com", Password: "correct horse"}, "198.51.100.7", 0)
	if err != nil {
		t.Fatal(err)
	}
	compose := func(token string) (string, string) { return "Confirm", "open /email/verify/" + token }
	for i := 1; i < accounts.VerifyLinksPerHour; i++ { // the sign-up's link counts
		if err := s.ResendVerification(ctx, reg.User, compose); err != nil {
			t.Fatalf("resend %d: %v", i, err)
		}
	}
	if !refusedAs(s.ResendVerification(ctx, reg.User, compose), notallowed.LinksPerHour) {
		t.Fatal("resend over the limit")
	}
	// Only the latest link works.
	if _, err := s.EmailLinkFor(ctx, reg.VerifyToken); !errors.Is(err, accounts.ErrLinkInvalid) {
		t.Fatalf("the sign-up's link after a resend: %v", err)
	}
	latest := lastLinkToken(t, s, "newbie@example.com", "/email/verify/")
	if _, err := s.ConfirmEmail(ctx, latest, nil); err != nil {
		t.Fatal(err)
	}
	u, _ := s.UserByID(ctx, reg.User.ID)
	if !refusedAs(s.ResendVerification(ctx, u, compose), notallowed.AlreadyConfirmed) {
		t.Fatal("a link for a verified address")
	}
}

func changeMail(t *testing.T) accounts.EmailChangeMail {
	return accounts.EmailChangeMail{
		Link:  func(token string) (string, string) { return "Confirm", "open /email/verify/" + token },
		Taken: func() (string, string) { return "Taken", "this address has an account" },
	}
}

func TestEmailChangeVerifiesTheNewAddressFirstAndTellsTheOldOne(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	alice := mustUser(t, s, "alice")
	mustUser(t, s, "bob")
	var ve *models.ValidationError
	if err := s.RequestEmailChange(ctx, alice, "alice@new.example", "wrong password", "198.51.100.7", changeMail(t)); !errors.As(err, &ve) ||
		ve.Fields["email_password"] == "" {
		t.Fatalf("wrong password: %v", err)
	}
	if err := s.RequestEmailChange(ctx, alice, "alice@example.com", "correct horse", "198.51.100.7", changeMail(t)); !errors.As(err, &ve) {
		t.Fatalf("the same address: %v", err)
	}
	oldReset := resetToken(t, s, "alice@example.com")
	if err := s.RequestEmailChange(ctx, alice, "alice@new.example", "correct horse", "198.51.100.7", changeMail(t)); err != nil {
		t.Fatal(err)
	}
	if a, _ := s.UserByID(ctx, alice.ID); a.Email != "alice@example.com" {
		t.Fatalf("the address changed before the link was opened: %s", a.Email)
	}
	if p, err := s.PendingEmailChange(ctx, alice); err != nil || p != "alice@new.example" {
		t.Fatalf("pending: %q %v", p, err)
	}
	token := lastLinkToken(t, s, "alice@new.example", "/email/verify/")
	var noticeTo string
	c, err := s.ConfirmEmail(ctx, token, func(username, newEmail string) (string, string) {
		noticeTo = username + " " + newEmail
		return "Changed", "Your address is now " + newEmail
	})
	if err != nil || c.OldEmail != "alice@example.com" || c.Email != "alice@new.example" || noticeTo != "alice alice@new.example" {
		t.Fatalf("confirm: %+v %v %q", c, err, noticeTo)
	}
	a, _ := s.UserByID(ctx, alice.ID)
	if a.Email != "alice@new.example" || !a.EmailVerified() {
		t.Fatalf("after the change: %s verified %v", a.Email, a.EmailVerified())
	}
	if n := count(t, s, `SELECT COUNT(*) FROM outbox WHERE to_addr = 'alice@example.com' AND kind = ?`, accounts.EmailChanged); n != 1 {
		t.Fatalf("%d notices to the old address", n)
	}
	if _, err := s.PasswordResetUser(ctx, oldReset); !errors.Is(err, accounts.ErrLinkInvalid) {
		t.Fatalf("a reset link sent to the old address still works: %v", err)
	}
	// Another account's address: the same answer, a note to that address, no link.
	tokens := count(t, s, `SELECT COUNT(*) FROM account_tokens`)
	if err := s.RequestEmailChange(ctx, a, "BOB@example.com", "correct horse", "198.51.100.7", changeMail(t)); err != nil {
		t.Fatalf("a taken address: %v", err)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM account_tokens`); n != tokens {
		t.Fatal("a link was made for another account's address")
	}
	if n := count(t, s, `SELECT COUNT(*) FROM outbox WHERE to_addr = 'BOB@example.com' AND subject = 'Taken'`); n != 1 {
		t.Fatalf("%d notes to the taken address", n)
	}
	// The limit counts both kinds alike.
	if err := s.RequestEmailChange(ctx, a, "alice3@new.example", "correct horse", "198.51.100.7", changeMail(t)); err != nil {
		t.Fatal(err)
	}
	if !refusedAs(s.RequestEmailChange(ctx, a, "alice4@new.example", "correct horse", "198.51.100.7", changeMail(t)), notallowed.AddressChangesPerHour) {
		t.Fatal("a fourth change request within the hour")
	}
}

// A change whose new address another account took meanwhile is refused.
func TestEmailChangeRefusedWhenTheAddressWasTakenMeanwhile(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	alice := mustUser(t, s, "alice")
	if err := s.RequestEmailChange(ctx, alice, "shared@example.com", "correct horse", "198.51.100.7", changeMail(t)); err != nil {
		t.Fatal(err)
	}
	token := lastLinkToken(t, s, "shared@example.com", "/email/verify/")
	if _, err := s.CreateUser(ctx, models.NewUser{Username: "carol", Email: "shared@example.com", Password: "correct horse"}); err != nil {
		t.Fatal(err)
	}
	if na, ok := models.IsNotAllowed(func() error { _, err := s.ConfirmEmail(ctx, token, nil); return err }()); !ok ||
		na.Kind != notallowed.AddressTaken || na.Email != "shared@example.com" {
		t.Fatal("confirmed an address another account has")
	}
	if a, _ := s.UserByID(ctx, alice.ID); a.Email != "alice@example.com" {
		t.Fatalf("address: %s", a.Email)
	}
}
