package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models/accounts"
)

// What SQLite's one writer made safe in the accounts' limits, one-time
// links and mail queues must hold where writes run at once: on PostgreSQL,
// with two app servers. Each test makes its calls at once from goroutines
// spread over two stores opened on one database (two app servers; on SQLite,
// two processes' connections to one file) and checks exact counts.

// servers opens a database for the test and two stores on it, both with
// the clock now.
func servers(t *testing.T, now func() time.Time) [2]*Store {
	t.Helper()
	loc := testdb.Location(t, "servers.db")
	var out [2]*Store
	for i := range out {
		s, err := Open(context.Background(), loc, Options{PasswordCost: bcrypt.MinCost, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		out[i] = s
	}
	return out
}

// fixedClock is a clock that stays at one moment.
func fixedClock() func() time.Time {
	now := time.Now()
	return func() time.Time { return now }
}

// atOnce calls fn n times at once, the calls spread over the stores, and
// returns each call's error.
func atOnce(n int, stores [2]*Store, fn func(i int, s *Store) error) []error {
	start := make(chan struct{})
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn(i, stores[i%2])
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// outcomes counts errors by kind: "ok", the name of a known error, or
// "other: …" for anything else (which no test expects).
func outcomes(errs []error) map[string]int {
	out := map[string]int{}
	for _, err := range errs {
		var ve *ValidationError
		var te *ThrottledError
		var na *ErrNotAllowed
		switch {
		case err == nil:
			out["ok"]++
		case errors.As(err, &te):
			out["throttled"]++
		case errors.Is(err, ErrBadCredentials):
			out["bad credentials"]++
		case errors.Is(err, ErrBadCode):
			out["bad code"]++
		case errors.Is(err, ErrLinkInvalid):
			out["link invalid"]++
		case errors.Is(err, ErrChallengeInvalid):
			out["challenge invalid"]++
		case errors.Is(err, ErrThrottled):
			out["throttled"]++
		case errors.As(err, &ve):
			out["invalid"]++
		case errors.As(err, &na):
			out["not allowed"]++
		default:
			out["other: "+err.Error()]++
		}
	}
	return out
}

func wantOutcomes(t *testing.T, what string, errs []error, want map[string]int) {
	t.Helper()
	got := outcomes(errs)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s: %v, want %v", what, got, want)
	}
}

// The study admitted 7 guesses where the limit is 5. Guesses sent
// at once to two servers: exactly accounts.LoginFreeFailures passwords are checked,
// every other guess waits, and nothing fails otherwise.
func TestParallelWrongPasswordsStopAtTheLimitExactly(t *testing.T) {
	st := servers(t, fixedClock())
	ctx := context.Background()
	mustUser(t, st[0], "alice")
	const n = 24
	errs := atOnce(n, st, func(i int, s *Store) error {
		_, err := s.Authenticate(ctx, "alice", "wrong", "198.51.100.1")
		return err
	})
	wantOutcomes(t, "guesses for one account from one address", errs,
		map[string]int{"bad credentials": accounts.LoginFreeFailures, "throttled": n - accounts.LoginFreeFailures})
	if got := count(t, st[0], `SELECT COUNT(*) FROM login_failures WHERE username = 'alice'`); got != accounts.LoginFreeFailures {
		t.Errorf("%d failures recorded, want %d", got, accounts.LoginFreeFailures)
	}
	if _, err := st[1].Authenticate(ctx, "alice", "correct horse", "198.51.100.1"); !errors.Is(err, ErrThrottled) {
		t.Fatalf("the right password from the address at once: %v", err)
	}
	// Names tried from one address at once: the address's limit, exactly.
	const names = 32
	errs = atOnce(names, st, func(i int, s *Store) error {
		_, err := s.Authenticate(ctx, fmt.Sprintf("someone%d", i), "pw", "203.0.113.9")
		return err
	})
	wantOutcomes(t, "names from one address", errs,
		map[string]int{"bad credentials": accounts.LoginFailuresPerIP, "throttled": names - accounts.LoginFailuresPerIP})
}

// Second-factor guesses at once: exactly accounts.SecondFactorTries are checked.
func TestParallelWrongCodesStopAtTheLimitExactly(t *testing.T) {
	st := servers(t, fixedClock())
	ctx := context.Background()
	u := mustUser(t, st[0], "max")
	const n = 16
	errs := atOnce(n, st, func(i int, s *Store) error {
		_, err := s.CheckSecondFactor(ctx, u.ID, fmt.Sprintf("%06d", i))
		return err
	})
	wantOutcomes(t, "wrong codes", errs, map[string]int{"bad code": accounts.SecondFactorTries, "throttled": n - accounts.SecondFactorTries})
	if got := count(t, st[0], `SELECT COUNT(*) FROM second_factor_failures WHERE user_id = ?`, u.ID); got != accounts.SecondFactorTries {
		t.Errorf("%d failures recorded, want %d", got, accounts.SecondFactorTries)
	}
}

// Reset requests at once: the silent limit per address and the told one
// per client hold exactly.
func TestParallelResetRequestsStayWithinTheLimits(t *testing.T) {
	st := servers(t, fixedClock())
	ctx := context.Background()
	mustUser(t, st[0], "alice")
	const n = 12
	var sent [n]bool
	errs := atOnce(n, st, func(i int, s *Store) error {
		var err error
		sent[i], err = s.RequestPasswordReset(ctx, "alice@example.com", fmt.Sprintf("198.51.100.%d", i+1), resetMail)
		return err
	})
	wantOutcomes(t, "requests for one address", errs, map[string]int{"ok": n})
	links := 0
	for _, ok := range sent {
		if ok {
			links++
		}
	}
	if links != accounts.ResetsPerEmail {
		t.Errorf("%d links sent, want %d", links, accounts.ResetsPerEmail)
	}
	if got := count(t, st[0], `SELECT COUNT(*) FROM outbox WHERE kind = ?`, EmailPasswordReset); got != accounts.ResetsPerEmail {
		t.Errorf("%d emails queued, want %d", got, accounts.ResetsPerEmail)
	}
	if got := count(t, st[0], `SELECT COUNT(*) FROM account_tokens WHERE kind = ?`, TokenPasswordReset); got != accounts.ResetsPerEmail {
		t.Errorf("%d links stored, want %d", got, accounts.ResetsPerEmail)
	}
	const many = accounts.ResetsPerClient + 10
	errs = atOnce(many, st, func(i int, s *Store) error {
		_, err := s.RequestPasswordReset(ctx, fmt.Sprintf("nobody%d@example.com", i), "203.0.113.50", resetMail)
		return err
	})
	wantOutcomes(t, "requests from one client", errs, map[string]int{"ok": accounts.ResetsPerClient, "throttled": many - accounts.ResetsPerClient})
}

// Verification links and address changes asked for at once: three an hour.
func TestParallelLinkRequestsStayWithinTheLimits(t *testing.T) {
	st := servers(t, fixedClock())
	ctx := context.Background()
	reg, err := st[0].Register(ctx, NewUser{Username: "newbie", Email: "newbie@example.com", Password: "correct horse"}, "198.51.100.1", 0)
	if err != nil || !reg.Created {
		t.Fatalf("sign-up: %+v %v", reg, err)
	}
	compose := func(token string) (string, string) { return "Verify", "/email/verify/" + token }
	const n = 10
	errs := atOnce(n, st, func(i int, s *Store) error { return s.ResendVerification(ctx, reg.User, compose) })
	// The sign-up's link counts: two more this hour.
	wantOutcomes(t, "resends", errs, map[string]int{"ok": accounts.VerifyLinksPerHour - 1, "not allowed": n - accounts.VerifyLinksPerHour + 1})
	if got := count(t, st[0], `SELECT COUNT(*) FROM account_tokens WHERE kind = ?`, TokenVerifyEmail); got != accounts.VerifyLinksPerHour {
		t.Errorf("%d verification links, want %d", got, accounts.VerifyLinksPerHour)
	}
	alice := mustUser(t, st[0], "alice")
	mail := EmailChangeMail{Link: compose, Taken: func() (string, string) { return "Taken", "taken" }}
	errs = atOnce(n, st, func(i int, s *Store) error {
		// From addresses of their own: one address's guesses at once throttle each other.
		return s.RequestEmailChange(ctx, alice, fmt.Sprintf("alice%d@example.org", i), "correct horse", fmt.Sprintf("198.51.100.%d", i+1), mail)
	})
	wantOutcomes(t, "address changes", errs, map[string]int{"ok": accounts.EmailChangesPerHour, "not allowed": n - accounts.EmailChangesPerHour})
	if got := count(t, st[0], `SELECT COUNT(*) FROM account_tokens WHERE kind = ?`, TokenChangeEmail); got != accounts.EmailChangesPerHour {
		t.Errorf("%d change links, want %d", got, accounts.EmailChangesPerHour)
	}
}

// A one-time link, challenge or recovery code used at once from two
// servers works once.
func TestParallelOneTimeSecretsWorkOnce(t *testing.T) {
	st := servers(t, fixedClock())
	ctx := context.Background()
	alice := mustUser(t, st[0], "alice")
	const n = 8
	token := resetToken(t, st[0], "alice@example.com")
	errs := atOnce(n, st, func(i int, s *Store) error {
		_, err := s.ResetPassword(ctx, token, fmt.Sprintf("new password %d", i), fmt.Sprintf("new password %d", i))
		return err
	})
	wantOutcomes(t, "one reset link used at once", errs, map[string]int{"ok": 1, "link invalid": n - 1})

	reg, err := st[0].Register(ctx, NewUser{Username: "newbie", Email: "newbie@example.com", Password: "correct horse"}, "198.51.100.1", 0)
	if err != nil {
		t.Fatal(err)
	}
	notice := func(string, string) (string, string) { return "Changed", "changed" }
	errs = atOnce(n, st, func(i int, s *Store) error {
		_, err := s.ConfirmEmail(ctx, reg.VerifyToken, notice)
		return err
	})
	wantOutcomes(t, "one verification link used at once", errs, map[string]int{"ok": 1, "link invalid": n - 1})

	secret, err := st[0].SaveChallenge(ctx, ChallengeWebAuthnLogin, alice.ID, map[string]string{"c": "x"}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	errs = atOnce(n, st, func(i int, s *Store) error {
		var data map[string]string
		return s.TakeChallenge(ctx, ChallengeWebAuthnLogin, secret, alice.ID, &data)
	})
	wantOutcomes(t, "one challenge taken at once", errs, map[string]int{"ok": 1, "challenge invalid": n - 1})

	// The second factors: a recovery code, then the next TOTP step.
	key, err := NewTOTPKey("Forum", "alice")
	if err != nil {
		t.Fatal(err)
	}
	now := st[0].Now()
	code, _ := totp.GenerateCode(key.Secret(), now)
	codes, err := st[0].EnableTOTP(ctx, alice, key.Secret(), code)
	if err != nil {
		t.Fatal(err)
	}
	var used [n]SecondFactorUsed
	const tries = accounts.SecondFactorTries // at most one passes, the rest count as failures
	errs = atOnce(tries, st, func(i int, s *Store) error {
		var err error
		used[i], err = s.CheckSecondFactor(ctx, alice.ID, codes[0])
		return err
	})
	wantOutcomes(t, "one recovery code used at once", errs, map[string]int{"ok": 1, "bad code": tries - 1})
	if !slices.Contains(used[:], UsedRecoveryCode) {
		t.Fatalf("used %v", used)
	}
	if err := st[0].ResetSecondFactors(ctx, alice.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st[0].EnableTOTP(ctx, alice, key.Secret(), code); err != nil {
		t.Fatal(err)
	}
	next, _ := totp.GenerateCode(key.Secret(), now.Add(accounts.TOTPPeriod*time.Second))
	errs = atOnce(tries, st, func(i int, s *Store) error {
		var err error
		used[i], err = s.CheckSecondFactor(ctx, alice.ID, next)
		return err
	})
	wantOutcomes(t, "one TOTP code used at once", errs, map[string]int{"ok": 1, "bad code": tries - 1})
}

// Work-address links: three an hour however many are asked for at once,
// and each works once.
func TestParallelAmbassadorLinksAreLimitedAndWorkOnce(t *testing.T) {
	st := servers(t, fixedClock())
	ctx := context.Background()
	admin, err := st[0].CreateUser(ctx, NewUser{Username: "boss", Email: "boss@example.com", Password: "correct horse", Role: RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	saveSettings(t, st[0], admin, SiteSettingsForm{AmbassadorDomains: "brand.example"})
	kim := mustUser(t, st[0], "kim")
	const n = 8
	tokens := make([]string, n)
	errs := atOnce(n, st, func(i int, s *Store) error {
		var err error
		tokens[i], err = s.RequestAmbassador(ctx, kim, "kim@brand.example", func(token string) (string, string) { return "Verify", token })
		return err
	})
	wantOutcomes(t, "links asked for at once", errs, map[string]int{"ok": 3, "not allowed": n - 3})
	var token string
	for i, err := range errs {
		if err == nil {
			token = tokens[i]
		}
	}
	errs = atOnce(n, st, func(i int, s *Store) error { return s.VerifyAmbassador(ctx, kim, token) })
	wantOutcomes(t, "one link used at once", errs, map[string]int{"ok": 1, "link invalid": n - 1})
	if got := count(t, st[0], `SELECT COUNT(*) FROM mod_log WHERE action = 'verify_ambassador'`); got != 1 {
		t.Errorf("%d verifications logged, want 1", got)
	}
}

// Workers on two servers claiming the outbox and the notifications: each
// email is claimed once, every one is claimed, no claim fails.
func TestParallelWorkersClaimEachEmailOnce(t *testing.T) {
	st := servers(t, fixedClock())
	ctx := context.Background()
	var users []*User
	for i := range 5 {
		users = append(users, mustUser(t, st[0], fmt.Sprintf("member%d", i)))
	}
	const emails, notes = 60, 40
	for i := range emails {
		if err := st[i%2].QueueEmail(ctx, Email{Kind: "test", To: fmt.Sprintf("to%d@example.com", i), Subject: "s", Body: "b"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st[0].inTx(ctx, func(tx *sql.Tx) error {
		for i := range notes {
			if err := st[0].notify(ctx, tx, users[i%len(users)].ID, 0, NotifyPromotion, 0, 0, fmt.Sprintf("note %d", i)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	const workers = 8
	var mu sync.Mutex
	claimed := map[string]int{}
	errs := atOnce(workers, st, func(i int, s *Store) error {
		for {
			c, err := s.ClaimEmail(ctx, true)
			if errors.Is(err, ErrNotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			mu.Lock()
			claimed[fmt.Sprint(c.Outbox, c.ID)]++
			mu.Unlock()
			if err := s.FinishEmail(ctx, c, EmailOutcome{State: EmailSent}); err != nil {
				return err
			}
		}
	})
	wantOutcomes(t, "workers", errs, map[string]int{"ok": workers})
	if len(claimed) != emails+notes {
		t.Errorf("%d emails claimed, want %d", len(claimed), emails+notes)
	}
	for id, n := range claimed {
		if n != 1 {
			t.Errorf("email %s claimed %d times", id, n)
		}
	}
	if c, err := st[1].EmailCounts(ctx); err != nil || c[EmailSent] != emails+notes || len(c) != 1 {
		t.Errorf("states %v %v, want %d sent", c, err, emails+notes)
	}
}

// Export workers on two servers: each export is made once. A member who
// asks several times at once gets one export.
func TestParallelExportsAreQueuedAndClaimedOnce(t *testing.T) {
	st := servers(t, fixedClock())
	ctx := context.Background()
	alice := mustUser(t, st[0], "alice")
	const n = 8
	ids := make([]int64, n)
	errs := atOnce(n, st, func(i int, s *Store) error {
		j, err := s.RequestExport(ctx, alice)
		if err == nil {
			ids[i] = j.ID
		}
		return err
	})
	wantOutcomes(t, "requests at once", errs, map[string]int{"ok": n})
	if distinct := slices.Compact(slices.Sorted(slices.Values(ids))); len(distinct) != 1 {
		t.Fatalf("one member's requests at once made exports %v", ids)
	}
	for i := range 20 {
		u := mustUser(t, st[0], fmt.Sprintf("member%d", i))
		if _, err := st[i%2].RequestExport(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	claimed := map[int64]int{}
	const workers = 6
	errs = atOnce(workers, st, func(i int, s *Store) error {
		for {
			j, err := s.ClaimExport(ctx)
			if errors.Is(err, ErrNotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			mu.Lock()
			claimed[j.ID]++
			mu.Unlock()
		}
	})
	wantOutcomes(t, "workers", errs, map[string]int{"ok": workers})
	if len(claimed) != 21 {
		t.Errorf("%d exports claimed, want 21", len(claimed))
	}
	for id, n := range claimed {
		if n != 1 {
			t.Errorf("export %d claimed %d times", id, n)
		}
	}
}

// Sign-ups of one name or one address at once: one account, and the
// others get the answer a taken name or address gets, never an error.
func TestParallelSignUpsOfOneNameMakeOneAccount(t *testing.T) {
	st := servers(t, fixedClock())
	ctx := context.Background()
	const n = 8
	regs := make([]Registration, n)
	errs := atOnce(n, st, func(i int, s *Store) error {
		var err error
		regs[i], err = s.Register(ctx, NewUser{Username: "popular", Email: fmt.Sprintf("p%d@example.com", i), Password: "correct horse"},
			fmt.Sprintf("198.51.100.%d", i+1), 0)
		return err
	})
	wantOutcomes(t, "one username at once", errs, map[string]int{"ok": 1, "invalid": n - 1})
	for i, err := range errs {
		var ve *ValidationError
		if errors.As(err, &ve) && ve.Fields["username"] == "" {
			t.Errorf("sign-up %d refused for %v, want the username taken", i, ve.Fields)
		}
	}
	errs = atOnce(n, st, func(i int, s *Store) error {
		var err error
		regs[i], err = s.Register(ctx, NewUser{Username: fmt.Sprintf("same%d", i), Email: "Same@Example.com", Password: "correct horse"},
			fmt.Sprintf("198.51.100.%d", i+1), 0)
		return err
	})
	wantOutcomes(t, "one address at once", errs, map[string]int{"ok": n})
	var owner int64
	created := 0
	for _, r := range regs {
		if r.Created {
			created++
			owner = r.User.ID
		}
	}
	if created != 1 {
		t.Fatalf("%d accounts made for one address", created)
	}
	for _, r := range regs {
		if r.User == nil || r.User.ID != owner {
			t.Fatalf("a sign-up with the taken address: %+v, want the owner %d", r, owner)
		}
	}
	errs = atOnce(n, st, func(i int, s *Store) error {
		_, err := s.CreateUser(ctx, NewUser{Username: "Operator", Email: fmt.Sprintf("op%d@example.com", i), Password: "correct horse"})
		return err
	})
	wantOutcomes(t, "one username from the command line", errs, map[string]int{"ok": 1, "invalid": n - 1})
	// The address's daily limit holds too.
	errs = atOnce(n, st, func(i int, s *Store) error {
		_, err := s.Register(ctx, NewUser{Username: fmt.Sprintf("limited%d", i), Email: fmt.Sprintf("l%d@example.com", i), Password: "correct horse"},
			"203.0.113.7", 3)
		return err
	})
	wantOutcomes(t, "sign-ups from one address", errs, map[string]int{"ok": 3, "throttled": n - 3})
	if got := count(t, st[0], `SELECT COUNT(*) FROM users`); got != 1+1+1+3 {
		t.Errorf("%d accounts, want 6", got)
	}
}

// One identity linked to two accounts at once: it belongs to one of them.
func TestParallelIdentityLinksGoToOneAccount(t *testing.T) {
	st := servers(t, fixedClock())
	ctx := context.Background()
	alice, bob := mustUser(t, st[0], "alice"), mustUser(t, st[0], "bob")
	id := Identity{Issuer: "https://idp.example.com", Subject: "248289761001", Email: "someone@corp.example"}
	const n = 8
	errs := atOnce(n, st, func(i int, s *Store) error {
		u := alice
		if i%4 >= 2 {
			u = bob
		}
		return s.LinkIdentity(ctx, u, id)
	})
	owner, err := st[0].UserByIdentity(ctx, id.Issuer, id.Subject)
	if err != nil {
		t.Fatal(err)
	}
	for i, err := range errs {
		mine := (i%4 >= 2) == (owner.ID == bob.ID)
		if _, refused := IsNotAllowed(err); mine && err != nil || !mine && !refused {
			t.Errorf("link %d (owner's: %v): %v", i, mine, err)
		}
	}
}

// Two admins deleting their own accounts at once: the last admin stays.
func TestParallelAdminDeletionsKeepTheLastAdmin(t *testing.T) {
	st := servers(t, fixedClock())
	ctx := context.Background()
	var admins []*User
	for _, name := range []string{"boss1", "boss2"} {
		u, err := st[0].CreateUser(ctx, NewUser{Username: name, Email: name + "@example.com", Password: "correct horse", Role: RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		admins = append(admins, u)
	}
	errs := atOnce(2, st, func(i int, s *Store) error {
		_, err := s.DeleteAccount(ctx, admins[i], admins[i].ID, DeleteAccount{Reauthenticated: true})
		return err
	})
	wantOutcomes(t, "admins deleting themselves at once", errs, map[string]int{"ok": 1, "not allowed": 1})
	if got := count(t, st[0], `SELECT COUNT(*) FROM users WHERE role = 'admin' AND deleted_at IS NULL`); got != 1 {
		t.Errorf("%d admins left, want 1", got)
	}
}

// One form sent several times at once (a double click, a retry through
// two servers): its submission key writes it once, and every copy leads
// to what the first made.
func TestParallelCopiesOfOneSubmissionWriteOnce(t *testing.T) {
	st := servers(t, fixedClock())
	ctx := context.Background()
	asker, peer := mustUser(t, st[0], "asker"), mustUser(t, st[0], "peer")
	th := mustThread(t, st[0], asker, "Router reboots itself every night")
	const n = 8
	ids := make([]int64, n)
	errs := atOnce(n, st, func(i int, s *Store) error {
		p, err := s.SubmitAnswer(ctx, peer, th.ID, "Turn off the nightly maintenance window.", "key-0123456789abcdef")
		if err == nil {
			ids[i] = p.ID
		}
		return err
	})
	wantOutcomes(t, "one answer sent at once", errs, map[string]int{"ok": n})
	if distinct := slices.Compact(slices.Sorted(slices.Values(ids))); len(distinct) != 1 {
		t.Fatalf("copies led to answers %v", ids)
	}
	if got := count(t, st[0], `SELECT COUNT(*) FROM posts WHERE thread_id = ? AND is_question = 0`, th.ID); got != 1 {
		t.Errorf("%d answers written, want 1", got)
	}
	if got, err := st[1].Thread(ctx, th.ID); err != nil || got.AnswerCount != 1 {
		t.Errorf("thread after the copies: %+v %v", got, err)
	}
}
