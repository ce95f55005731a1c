package models

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

// The accounts' reads and writes that other tests reach only through the
// web layer, on the suite's engine: each query runs, and answers what it
// should.

// A profile and a data export count and name only what the viewer may
// see: a private category's thread is counted for its group's members, and
// named by id alone to others.
func TestProfileAndExportShowWhatTheViewerMaySee(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	admin, err := s.CreateUser(ctx, NewUser{Username: "boss", Email: "boss@example.com", Password: "correct horse", Role: RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateCategory(ctx, NewCategory{Name: "Staff room", Slug: "staff", Group: "insiders"}); err != nil {
		t.Fatal(err)
	}
	alice, bob, carol := mustUser(t, s, "alice"), mustUser(t, s, "bob"), mustUser(t, s, "carol")
	for _, u := range []*User{alice, bob} {
		if err := s.AddToGroup(ctx, admin, u.ID, "Insiders"); err != nil {
			t.Fatal(err)
		}
	}
	public := mustThread(t, s, alice, "Router reboots itself every night")
	private, err := s.CreateThread(ctx, alice, NewThread{Title: "Secret roadmap question", CategorySlug: "staff",
		Body: "When does the new firmware ship to everyone?"})
	if err != nil {
		t.Fatal(err)
	}
	var answers []*Post
	for _, th := range []*Thread{public, private} {
		a, err := s.CreateAnswer(ctx, bob, th.ID, "Turn off the nightly maintenance window in the settings.")
		if err != nil {
			t.Fatal(err)
		}
		answers = append(answers, a)
		if err := s.Watch(ctx, carol.ID, th.ID, true); err != nil && th == public {
			t.Fatal(err)
		}
	}
	if err := s.Vote(ctx, alice, answers[0].ID, false); err != nil {
		t.Fatal(err)
	}
	if err := s.Vote(ctx, alice, answers[1].ID, false); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		viewer          *User
		answers, helped int
	}{{nil, 1, 1}, {carol, 1, 1}, {alice, 2, 2}, {admin, 2, 2}} {
		p, err := s.Profile(ctx, "BOB", c.viewer)
		if err != nil || p.Answers != c.answers || p.HelpfulVotes != c.helped || p.Questions != 0 {
			t.Errorf("bob's profile for %v: %+v %v", c.viewer, p, err)
		}
		list, err := s.UserAnswers(ctx, bob.ID, 1, c.viewer)
		if err != nil || len(list.Answers) != c.answers || list.Answers[len(list.Answers)-1].Thread.ID != public.ID {
			t.Errorf("bob's answers for %v: %+v %v", c.viewer, list, err)
		}
	}
	if p, err := s.Profile(ctx, "alice", carol); err != nil || p.Questions != 1 {
		t.Errorf("alice's questions for carol: %+v %v", p, err)
	}

	// Alice's export: her votes name the private thread (she may open it).
	votes, err := s.ExportVotes(ctx, alice)
	if err != nil || len(votes) != 2 || votes[0].ThreadTitle != public.Title || votes[1].ThreadTitle != private.Title {
		t.Fatalf("alice's votes: %+v %v", votes, err)
	}
	// Carol watches the private thread (she did before it was made
	// private): her export names it by id only.
	if _, err := s.db.W().ExecContext(ctx, `INSERT INTO watches (user_id, thread_id) VALUES (?, ?) ON CONFLICT DO NOTHING`,
		carol.ID, private.ID); err != nil {
		t.Fatal(err)
	}
	watches, err := s.ExportWatches(ctx, carol)
	if err != nil || len(watches) != 2 {
		t.Fatalf("carol's watches: %+v %v", watches, err)
	}
	for _, w := range watches {
		if want := map[int64]string{public.ID: public.Title, private.ID: ""}[w.ThreadID]; w.ThreadTitle != want {
			t.Errorf("carol's watch of %d titled %q, want %q", w.ThreadID, w.ThreadTitle, want)
		}
	}
	profile, settings, err := s.ExportAccount(ctx, bob.ID)
	if err != nil || profile.Username != "bob" || !slicesEqual(profile.Groups, []string{"insiders"}) || !settings.EmailNotifications {
		t.Fatalf("bob's account: %+v %+v %v", profile, settings, err)
	}
	var posts []ExportPost
	if err := s.ExportPosts(ctx, bob, func(p ExportPost) error { posts = append(posts, p); return nil }); err != nil ||
		len(posts) != 2 || posts[0].Question || posts[0].HelpfulCount != 1 || posts[0].Deleted || len(posts[0].Revisions) != 0 {
		t.Fatalf("bob's posts: %+v %v", posts, err)
	}
	// Carol answered the public thread; it moved to the staff room and was
	// retitled there: her export keeps her answer, not the thread's name.
	mine, err := s.CreateAnswer(ctx, carol, public.ID, "Mine too, since the last firmware.")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.MoveThread(ctx, admin, public.ID, "staff", "Insiders only"); err != nil {
		t.Fatal(err)
	}
	if err := s.EditPost(ctx, admin, public.QuestionID, PostEdit{Title: "Router firmware 3 rollout plan", Body: "When does firmware 3 ship?"}); err != nil {
		t.Fatal(err)
	}
	posts = nil
	if err := s.ExportPosts(ctx, carol, func(p ExportPost) error { posts = append(posts, p); return nil }); err != nil ||
		len(posts) != 1 || posts[0].ID != mine.ID || posts[0].BodyMarkdown != "Mine too, since the last firmware." || posts[0].ThreadTitle != "" {
		t.Errorf("carol's posts after the move: %+v %v, want her answer with no thread title", posts, err)
	}
	// Alice, an insider, still sees the new title of her own question, and
	// her question's history keeps its old title.
	posts = nil
	if err := s.ExportPosts(ctx, alice, func(p ExportPost) error { posts = append(posts, p); return nil }); err != nil || len(posts) != 2 ||
		posts[0].ThreadTitle != "Router firmware 3 rollout plan" || len(posts[0].Revisions) != 1 || posts[0].Revisions[0].Title != public.Title {
		t.Errorf("alice's posts after the move: %+v %v", posts, err)
	}
	var notes []ExportNotification
	if err := s.ExportNotifications(ctx, alice.ID, func(n ExportNotification) error { notes = append(notes, n); return nil }); err != nil ||
		len(notes) == 0 || notes[0].Read || notes[0].ThreadID != public.ID {
		t.Fatalf("alice's notifications: %+v %v", notes, err)
	}
}

func slicesEqual(a, b []string) bool { return strings.Join(a, "\x00") == strings.Join(b, "\x00") }

// Account settings and staff changes of an account.
func TestAccountChangesOnEitherEngine(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	admin, err := s.CreateUser(ctx, NewUser{Username: "boss", Email: "boss@example.com", Password: "correct horse", Role: RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	alice := mustUser(t, s, "alice")
	if n, err := s.CountUsers(ctx); err != nil || n != 2 {
		t.Fatalf("count: %d %v", n, err)
	}
	if err := s.SaveProfile(ctx, alice, ProfileEdit{DisplayName: "Alice L.", Bio: "Hi"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRole(ctx, "ALICE", RoleAmbassador); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRole(ctx, "nobody", RoleAmbassador); !errors.Is(err, ErrNotFound) {
		t.Fatalf("role of nobody: %v", err)
	}
	if amb, err := s.VerifiedAmbassadors(ctx); err != nil || len(amb) != 1 || amb[0].DisplayName != "Alice L." {
		t.Fatalf("ambassadors: %+v %v", amb, err)
	}
	if err := s.SetUserRole(ctx, admin, alice.ID, RoleModerator, "helps a lot"); err != nil {
		t.Fatal(err)
	}
	if mods, err := s.UsersWithRole(ctx, RoleModerator); err != nil || len(mods) != 1 || mods[0].ID != alice.ID {
		t.Fatalf("moderators: %+v %v", mods, err)
	}
	sid, err := s.StartSession(ctx, alice.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	alice, err = s.ChangePassword(ctx, alice, "correct horse", "battery staple", "198.51.100.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SessionUser(ctx, sid); !errors.Is(err, ErrNotFound) {
		t.Fatalf("session after a password change: %v", err)
	}
	if _, err := s.Authenticate(ctx, "alice", "battery staple", "198.51.100.1"); err != nil {
		t.Fatal(err)
	}
	if alice, err = s.SetPassword(ctx, alice, "horse battery"); err != nil {
		t.Fatal(err)
	}
	sid, _ = s.StartSession(ctx, alice.ID, "")
	if err := s.EndAllSessions(ctx, alice); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SessionUser(ctx, sid); !errors.Is(err, ErrNotFound) {
		t.Fatalf("session after logging out everywhere: %v", err)
	}
	to, err := s.SendPasswordReset(ctx, alice, resetMail)
	if err != nil || to != "alice@example.com" {
		t.Fatalf("send reset: %q %v", to, err)
	}
	mail := EmailChangeMail{Link: func(token string) (string, string) { return "Confirm", "/email/verify/" + token },
		Taken: func() (string, string) { return "Taken", "taken" }}
	if err := s.RequestEmailChange(ctx, alice, "alice@new.example", "horse battery", "198.51.100.2", mail); err != nil {
		t.Fatal(err)
	}
	if pending, err := s.PendingEmailChange(ctx, alice); err != nil || pending != "alice@new.example" {
		t.Fatalf("pending change: %q %v", pending, err)
	}
	token, err := s.UnsubscribeToken(ctx, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Unsubscribe(ctx, alice.ID, token+"x"); !errors.Is(err, ErrLinkInvalid) {
		t.Fatalf("forged unsubscribe: %v", err)
	}
	if err := s.Unsubscribe(ctx, alice.ID, token); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.UserByID(ctx, alice.ID); u.EmailNotifications || u.Role != RoleModerator || u.Bio != "Hi" {
		t.Fatalf("alice after it all: %+v", u)
	}
}

// Second factors and sign-in steps, end to end.
func TestSecondFactorsOnEitherEngine(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	u := mustUser(t, s, "max")
	if has, err := s.HasPassword(ctx, u.ID); err != nil || !has {
		t.Fatalf("has password: %v %v", has, err)
	}
	if has, err := s.HasSecondFactor(ctx, u.ID); err != nil || has {
		t.Fatalf("second factor before any: %v %v", has, err)
	}
	codes, err := s.AddPasskey(ctx, u, []byte{0, 1, 2, 0xff}, `{"id":"k1"}`, "  Phone ")
	if err != nil || len(codes) != RecoveryCodeCount {
		t.Fatalf("add passkey: %d codes, %v", len(codes), err)
	}
	if _, err := s.AddPasskey(ctx, u, []byte{0, 1, 2, 0xff}, `{"id":"k1"}`, "again"); err == nil {
		t.Fatal("the same passkey twice")
	}
	if err := s.UsePasskey(ctx, u.ID, []byte{0, 1, 2, 0xff}, `{"id":"k1","count":2}`); err != nil {
		t.Fatal(err)
	}
	f, err := s.SecondFactors(ctx, u.ID)
	if err != nil || f.TOTP || f.RecoveryLeft != RecoveryCodeCount || len(f.Passkeys) != 1 || f.Passkeys[0].Name != "Phone" ||
		string(f.Passkeys[0].CredentialID) != "\x00\x01\x02\xff" || f.Passkeys[0].LastUsedAt.IsZero() || !f.Any() {
		t.Fatalf("factors: %+v %v", f, err)
	}
	if more, err := s.NewRecoveryCodes(ctx, u.ID); err != nil || len(more) != RecoveryCodeCount || more[0] == codes[0] {
		t.Fatalf("new codes: %v %v", more, err)
	}
	if err := s.RemovePasskey(ctx, u.ID, f.Passkeys[0].ID); err != nil {
		t.Fatal(err)
	}
	if f, _ := s.SecondFactors(ctx, u.ID); f.Any() || f.RecoveryLeft != 0 {
		t.Fatalf("after removing the only passkey: %+v", f)
	}
	if err := s.RemovePasskey(ctx, u.ID, f.Passkeys[0].ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("removing it again: %v", err)
	}
	key, err := NewTOTPKey("Forum", "max")
	if err != nil {
		t.Fatal(err)
	}
	code, _ := totp.GenerateCode(key.Secret(), s.Now())
	if _, err := s.EnableTOTP(ctx, u, key.Secret(), code); err != nil {
		t.Fatal(err)
	}
	if err := s.DisableTOTP(ctx, u); err != nil {
		t.Fatal(err)
	}
	if has, _ := s.HasSecondFactor(ctx, u.ID); has {
		t.Fatal("a factor after disabling the app")
	}
	if err := s.ResetSecondFactors(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	// A sign-in step kept for a form shown again, then given up.
	secret, err := s.SaveChallenge(ctx, ChallengeTOTPEnrol, u.ID, map[string]string{"secret": "abc"}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var data map[string]string
	if err := s.PeekChallenge(ctx, ChallengeTOTPEnrol, secret, u.ID, &data); err != nil || data["secret"] != "abc" {
		t.Fatalf("peek: %v %v", data, err)
	}
	if err := s.DropChallenge(ctx, ChallengeTOTPEnrol, secret); err != nil {
		t.Fatal(err)
	}
	if err := s.PeekChallenge(ctx, ChallengeTOTPEnrol, secret, u.ID, &data); !errors.Is(err, ErrChallengeInvalid) {
		t.Fatalf("peek after dropping: %v", err)
	}
	// Company sign-in linking to the account with its password.
	id := ExternalIdentity{Issuer: "https://idp.example.com", Subject: "s-9", Email: "MAX@example.com", EmailVerified: true}
	if next, owner, err := s.SSOSignIn(ctx, id); err != nil || next != SSOConfirmPassword || owner.ID != u.ID {
		t.Fatalf("sign-in: %v %+v %v", next, owner, err)
	}
	if _, err := s.LinkWithPassword(ctx, id, u.ID, "wrong", "198.51.100.1"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("link with a wrong password: %v", err)
	}
	if linked, err := s.LinkWithPassword(ctx, id, u.ID, "correct horse", "198.51.100.1"); err != nil || linked.ID != u.ID {
		t.Fatalf("link: %+v %v", linked, err)
	}
	if next, _, err := s.SSOSignIn(ctx, id); err != nil || next != SSOSignedIn {
		t.Fatalf("next sign-in: %v %v", next, err)
	}
	if pending, err := s.PendingAmbassadors(ctx); err != nil || len(pending) != 0 {
		t.Fatalf("pending ambassadors: %+v %v", pending, err)
	}
}
