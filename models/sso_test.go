package models

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

func TestChallengesWorkOnceAndExpire(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	type data struct{ Nonce string }
	secret, err := s.SaveChallenge(ctx, ChallengeSSOStart, 0, data{"n-1"}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	// Many takers at once: exactly one gets it.
	var wg sync.WaitGroup
	var mu sync.Mutex
	won, lost := 0, 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var d data
			err := s.TakeChallenge(ctx, ChallengeSSOStart, secret, 0, &d)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && d.Nonce == "n-1":
				won++
			case errors.Is(err, ErrChallengeInvalid):
				lost++
			default:
				t.Errorf("take: %v", err)
			}
		}()
	}
	wg.Wait()
	if won != 1 || lost != 7 {
		t.Fatalf("%d took the challenge, %d were refused", won, lost)
	}
	// Another kind, another account, or too late: refused.
	u := mustUser(t, s, "ann")
	secret, _ = s.SaveChallenge(ctx, ChallengeWebAuthnLogin, u.ID, data{"n-2"}, time.Minute)
	var d data
	if err := s.PeekChallenge(ctx, ChallengeWebAuthnRegister, secret, u.ID, &d); !errors.Is(err, ErrChallengeInvalid) {
		t.Fatalf("other kind: %v", err)
	}
	if err := s.PeekChallenge(ctx, ChallengeWebAuthnLogin, secret, u.ID+1, &d); !errors.Is(err, ErrChallengeInvalid) {
		t.Fatalf("other account: %v", err)
	}
	if err := s.PeekChallenge(ctx, ChallengeWebAuthnLogin, secret, u.ID, &d); err != nil || d.Nonce != "n-2" {
		t.Fatalf("peek: %v %+v", err, d)
	}
	later := newTestStoreAt(t, time.Now().Add(2*time.Minute), s)
	if err := later.TakeChallenge(ctx, ChallengeWebAuthnLogin, secret, u.ID, &d); !errors.Is(err, ErrChallengeInvalid) {
		t.Fatalf("expired: %v", err)
	}
}

// newTestStoreAt opens s's database again with the clock at now.
func newTestStoreAt(t *testing.T, now time.Time, s *Store) *Store {
	t.Helper()
	other, err := Open(context.Background(), s.Path(), Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	return other
}

func TestSSORolesFollowTheClaims(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	id := ExternalIdentity{Issuer: "https://idp.example", Subject: "s-1", Email: "kim@corp.example", EmailVerified: true}
	next, _, err := s.SSOSignIn(ctx, id)
	if err != nil || next != SSOChooseUsername {
		t.Fatalf("first sign-in: %v %v", next, err)
	}
	id.Role, id.RoleClaim = RoleAmbassador, "groups=amb"
	u, err := s.CreateSSOUser(ctx, id, "kim")
	if err != nil || u.Role != RoleAmbassador {
		t.Fatalf("create: %v %+v", err, u)
	}
	signIn := func(role Role) *User {
		t.Helper()
		id.Role = role
		next, u, err := s.SSOSignIn(ctx, id)
		if err != nil || next != SSOSignedIn {
			t.Fatalf("sign-in: %v %v", next, err)
		}
		return u
	}
	if u := signIn(RoleModerator); u.Role != RoleModerator {
		t.Fatalf("moderator claim: %s", u.Role)
	}
	if u := signIn(""); u.Role != RoleMember {
		t.Fatalf("no claim: %s", u.Role)
	}
	// A superuser by reputation who is granted ambassador goes back to superuser.
	if err := s.SetRole(ctx, "kim", RoleSuperuser); err != nil {
		t.Fatal(err)
	}
	if u := signIn(RoleAmbassador); u.Role != RoleAmbassador {
		t.Fatalf("ambassador claim on a superuser: %s", u.Role)
	}
	if u := signIn(""); u.Role != RoleSuperuser {
		t.Fatalf("claim gone: %s, want superuser back", u.Role)
	}
	// An admin is never changed by a claim, up or down.
	if err := s.SetRole(ctx, "kim", RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if u := signIn(RoleAmbassador); u.Role != RoleAdmin {
		t.Fatalf("admin with an ambassador claim: %s", u.Role)
	}
	if u := signIn(""); u.Role != RoleAdmin {
		t.Fatalf("admin without a claim: %s", u.Role)
	}
	// A role an admin set over a granted one stays.
	if err := s.SetRole(ctx, "kim", RoleMember); err != nil {
		t.Fatal(err)
	}
	signIn(RoleAmbassador)
	if err := s.SetRole(ctx, "kim", RoleModerator); err != nil {
		t.Fatal(err)
	}
	if u := signIn(""); u.Role != RoleModerator {
		t.Fatalf("admin-set role after the claim went: %s", u.Role)
	}
	var grants, revokes int
	list, _ := s.ModLog(ctx, 1)
	for _, e := range list.Entries {
		if e.ActorLabel != ssoAuditLabel {
			continue
		}
		switch e.Action {
		case "sso_grant_role":
			grants++
		case "sso_revoke_role":
			revokes++
		}
	}
	if grants != 4 || revokes != 2 {
		t.Fatalf("audit: %d grants, %d revocations", grants, revokes)
	}
}

func TestSSOSignInNeverMatchesAnUnverifiedAddress(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	owner := mustUser(t, s, "lee")
	id := ExternalIdentity{Issuer: "https://idp.example", Subject: "x", Email: "LEE@example.com"}
	if _, _, err := s.SSOSignIn(ctx, id); !errors.Is(err, ErrEmailUnverified) {
		t.Fatalf("unverified: %v", err)
	}
	if _, err := s.CreateSSOUser(ctx, id, "lee2"); !errors.Is(err, ErrEmailUnverified) {
		t.Fatalf("create on an unverified address: %v", err)
	}
	id.EmailVerified = true
	next, u, err := s.SSOSignIn(ctx, id)
	if err != nil || next != SSOConfirmPassword || u.ID != owner.ID {
		t.Fatalf("verified: %v %v", next, err)
	}
	if _, err := s.LinkWithPassword(ctx, id, owner.ID, "wrong", "192.0.2.1"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("wrong password: %v", err)
	}
	if ids, _ := s.Identities(ctx, owner.ID); len(ids) != 0 {
		t.Fatal("linked with a wrong password")
	}
	if _, err := s.LinkWithPassword(ctx, id, owner.ID, "correct horse", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.UserByIdentity(ctx, id.Issuer, id.Subject); err != nil || got.ID != owner.ID {
		t.Fatalf("linked: %v", err)
	}
}

func TestSSOUsernameSuggestion(t *testing.T) {
	for _, c := range []struct{ preferred, email, want string }{
		{"jane.doe", "x@corp.example", "jane.doe"},
		{"Jane Doe", "", "Jane.Doe"},
		{"jane@corp.example", "", "jane"},
		{"", "j_doe@corp.example", "j_doe"},
		{"日本", "ab@corp.example", ""},
		{"deleted-member-3", "z@corp.example", ""},
	} {
		if got := SSOUsernameSuggestion(c.preferred, c.email); got != c.want {
			t.Errorf("%q %q: %q, want %q", c.preferred, c.email, got, c.want)
		}
	}
}

func TestTOTPCodesWorkOnceAndFailuresAreLimited(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	u := mustUser(t, s, "max")
	key, err := NewTOTPKey("Forum", "max")
	if err != nil {
		t.Fatal(err)
	}
	now := s.Now()
	code, _ := totp.GenerateCode(key.Secret(), now)
	codes, err := s.EnableTOTP(ctx, u, key.Secret(), code)
	if err != nil || len(codes) != RecoveryCodeCount {
		t.Fatalf("enable: %v, %d codes", err, len(codes))
	}
	if _, err := s.CheckSecondFactor(ctx, u.ID, code); !errors.Is(err, ErrBadCode) {
		t.Fatalf("the setup code again: %v", err)
	}
	next, _ := totp.GenerateCode(key.Secret(), now.Add(30*time.Second))
	// Parallel uses of one code: one passes.
	var wg sync.WaitGroup
	var mu sync.Mutex
	passed := 0
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if used, err := s.CheckSecondFactor(ctx, u.ID, next); err == nil && used == UsedTOTP {
				mu.Lock()
				passed++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if passed != 1 {
		t.Fatalf("one code passed %d times", passed)
	}
	if used, err := s.CheckSecondFactor(ctx, u.ID, codes[0]); err != nil || used != UsedRecoveryCode {
		t.Fatalf("recovery code: %v %v", used, err)
	}
	// Failures so far: the setup code, three parallel repeats. One more
	// reaches the limit; then even a good code waits.
	if _, err := s.CheckSecondFactor(ctx, u.ID, "000000"); !errors.Is(err, ErrBadCode) {
		t.Fatalf("wrong code: %v", err)
	}
	var te *ThrottledError
	if _, err := s.CheckSecondFactor(ctx, u.ID, codes[1]); !errors.As(err, &te) || te.RetryAfter <= 0 {
		t.Fatalf("over the limit: %v", err)
	}
	f, _ := s.SecondFactors(ctx, u.ID)
	if !f.TOTP || f.RecoveryLeft != RecoveryCodeCount-1 {
		t.Fatalf("factors: %+v", f)
	}
	if err := s.DisableTOTP(ctx, u); err != nil {
		t.Fatal(err)
	}
	if f, _ := s.SecondFactors(ctx, u.ID); f.Any() || f.RecoveryLeft != 0 {
		t.Fatalf("after disabling: %+v", f)
	}
}

// giveSecondFactors gives u what company sign-in and two-factor
// authentication keep about an account, with name and email in it where
// they can be: an authenticator app and recovery codes, a passkey named
// after the person, a failed code, challenges under way (one of them an
// identity waiting for the password, which names the address), and a role
// granted by a claim. Deletion must leave none of it (deleteaccount_test.go).
func giveSecondFactors(t *testing.T, s *Store, u *User, name, email string) {
	t.Helper()
	ctx := context.Background()
	key, err := NewTOTPKey("Forum", u.Username)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := totp.GenerateCode(key.Secret(), s.Now())
	if _, err := s.EnableTOTP(ctx, u, key.Secret(), code); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddPasskey(ctx, u, []byte("cred-"+u.Username), `{"id":"x"}`, name+"'s phone"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CheckSecondFactor(ctx, u.ID, "000000"); !errors.Is(err, ErrBadCode) {
		t.Fatalf("wrong code: %v", err)
	}
	if _, err := s.SaveChallenge(ctx, ChallengeWebAuthnLogin, u.ID, map[string]string{"challenge": "c"}, time.Minute); err != nil {
		t.Fatal(err)
	}
	pending := map[string]any{"identity": ExternalIdentity{Issuer: "https://idp.example.com", Subject: "sub-43", Email: email, Name: name}, "user_id": u.ID}
	if _, err := s.SaveChallenge(ctx, ChallengeSSOPending, 0, pending, time.Minute); err != nil {
		t.Fatal(err)
	}
	id := ExternalIdentity{Issuer: "https://idp.example.com", Subject: "sub-42", Email: email, EmailVerified: true, Role: RoleAmbassador, RoleClaim: "groups=x"}
	if next, _, err := s.SSOSignIn(ctx, id); err != nil || next != SSOSignedIn {
		t.Fatalf("sign-in: %v %v", next, err)
	}
}
