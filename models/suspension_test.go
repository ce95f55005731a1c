package models

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/models/notallowed"
)

// suspended suspends u for a day by admin and returns u as it now is.
func suspended(t *testing.T, s *Store, admin, u *User) *User {
	t.Helper()
	if err := s.SuspendUser(context.Background(), admin, u.ID, s.now().Add(24*time.Hour), "Cooling off"); err != nil {
		t.Fatal(err)
	}
	return reload(t, s, u)
}

func mustRefuse(t *testing.T, what string, err error) {
	t.Helper()
	if _, ok := IsNotAllowed(err); !ok && !errors.Is(err, ErrForbidden) {
		t.Errorf("%s: %v, want a refusal", what, err)
	}
}

// TestSuspendedActorsAreRefusedByTheStore: the web layer refuses a
// suspended account's writes first; the store refuses them again.
func TestSuspendedActorsAreRefusedByTheStore(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	admin := userWithRole(t, s, "boss", RoleAdmin)
	saveSettings(t, s, admin, SiteSettingsForm{AmbassadorDomains: "example-isp.com"})
	asker, peer := mustUser(t, s, "asker"), mustUser(t, s, "peer")
	th := mustThread(t, s, asker, "Router reboots itself every night")
	a, err := s.CreateAnswer(ctx, peer, th.ID, "Turn off the nightly maintenance window.")
	if err != nil {
		t.Fatal(err)
	}
	mod := suspended(t, s, admin, userWithRole(t, s, "mod", RoleModerator))
	mustRefuse(t, "hide", s.HidePost(ctx, mod, a.ID, "Off-topic"))
	mustRefuse(t, "lock", s.LockThread(ctx, mod, th.ID, true, "Heated"))
	mustRefuse(t, "suspend", s.SuspendUser(ctx, mod, peer.ID, s.now().Add(time.Hour), "Rude"))
	mustRefuse(t, "own unsuspension", s.UnsuspendUser(ctx, mod, mod.ID, ""))

	amb := suspended(t, s, admin, userWithRole(t, s, "amb", RoleAmbassador))
	_, err = s.OpenIncident(ctx, amb, NewIncident{CategoryID: th.Category.ID, ThreadID: th.ID, Message: "Known outage."})
	mustRefuse(t, "incident", err)

	token, err := s.RequestAmbassador(ctx, asker, "asker@example-isp.com", linkMail)
	if err != nil {
		t.Fatal(err)
	}
	asker = suspended(t, s, admin, asker)
	mustRefuse(t, "ambassador verification", s.VerifyAmbassador(ctx, asker, token))
	_, err = s.RequestAmbassador(ctx, asker, "asker@example-isp.com", linkMail)
	mustRefuse(t, "ambassador request", err)
	_, err = s.Accept(ctx, asker, a.ID, false)
	mustRefuse(t, "accept", err)
	mustRefuse(t, "flag", s.FlagPost(ctx, asker, a.ID, "off-topic", ""))
	mustRefuse(t, "delete", s.DeletePost(ctx, asker, th.QuestionID))

	if got := reload(t, s, asker); got.Role != RoleMember {
		t.Errorf("suspended member became %s", got.Role)
	}
	for _, u := range []*User{mod, amb} {
		if !reload(t, s, u).Suspended(s.now()) {
			t.Errorf("%s is no longer suspended", u.Username)
		}
	}
	if p, _ := s.Post(ctx, a.ID); p.Hidden {
		t.Error("a suspended moderator hid a post")
	}
	for _, action := range logActions(t, s) {
		if action != "suspend_user" && action != "change_settings" {
			t.Errorf("audit log has %s", action)
		}
	}
}

// TestOwnSuspensionAndStaffSuspensions: nobody lifts their own suspension,
// not even an admin, and only an admin lifts a staff member's.
func TestOwnSuspensionAndStaffSuspensions(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	admin, other := userWithRole(t, s, "boss", RoleAdmin), userWithRole(t, s, "chief", RoleAdmin)
	mod := userWithRole(t, s, "mod", RoleModerator)
	amb := suspended(t, s, admin, userWithRole(t, s, "amb", RoleAmbassador))
	member := suspended(t, s, admin, mustUser(t, s, "member"))

	mustRefuse(t, "moderator unsuspending staff", s.UnsuspendUser(ctx, mod, amb.ID, ""))
	if err := s.UnsuspendUser(ctx, mod, member.ID, ""); err != nil {
		t.Errorf("moderator unsuspending a member: %v", err)
	}
	if err := s.UnsuspendUser(ctx, admin, amb.ID, ""); err != nil {
		t.Errorf("admin unsuspending staff: %v", err)
	}
	// An admin's own suspension: refused even with an account value read before it.
	if err := s.SuspendUser(ctx, other, admin.ID, s.now().Add(time.Hour), "Audit"); err != nil {
		t.Fatal(err)
	}
	mustRefuse(t, "admin's own unsuspension", s.UnsuspendUser(ctx, admin, admin.ID, ""))
	if !reload(t, s, admin).Suspended(s.now()) {
		t.Error("an admin lifted their own suspension")
	}
}

// TestStandingDecidesWhoseVotesGivePoints: by default a member's votes give
// points once the account is 3 days old and holds 10 points; superusers'
// and staff's at once. A vote that gave nothing takes nothing back.
func TestStandingDecidesWhoseVotesGivePoints(t *testing.T) {
	s, now := clockStore(t)
	ctx := context.Background()
	asker, author := mustUser(t, s, "asker"), mustUser(t, s, "author")
	th := mustThread(t, s, asker, "Router reboots itself every night")
	a, err := s.CreateAnswer(ctx, author, th.ID, "Turn off the nightly maintenance window.")
	if err != nil {
		t.Fatal(err)
	}
	points := func() int { return reload(t, s, author).Reputation }
	fresh := mustUser(t, s, "fresh")
	if err := s.Vote(ctx, fresh, a.ID, false); err != nil {
		t.Fatal(err)
	}
	if p := points(); p != 0 {
		t.Fatalf("a new account's vote gave %d", p)
	}
	if err := s.Vote(ctx, userWithRole(t, s, "trusted", RoleSuperuser), a.ID, false); err != nil {
		t.Fatal(err)
	}
	if p := points(); p != PointsHelpfulAnswer {
		t.Fatalf("a new superuser's vote: %d", p)
	}
	// Old enough, but no points of its own: still nothing.
	*now = now.Add(4 * 24 * time.Hour)
	if err := s.Vote(ctx, reload(t, s, fresh), a.ID, true); err != nil {
		t.Fatal(err)
	}
	if p := points(); p != PointsHelpfulAnswer {
		t.Fatalf("undoing a vote that gave nothing: %d", p)
	}
	if err := s.Vote(ctx, reload(t, s, fresh), a.ID, false); err != nil {
		t.Fatal(err)
	}
	if p := points(); p != PointsHelpfulAnswer {
		t.Fatalf("an old account without points gave: %d", p-PointsHelpfulAnswer)
	}
	// With 10 points of its own (a staff vote on its answer) it has standing.
	mine, err := s.CreateAnswer(ctx, fresh, th.ID, "Or update the firmware to the latest version.")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Vote(ctx, userWithRole(t, s, "mod", RoleModerator), mine.ID, false); err != nil {
		t.Fatal(err)
	}
	if err := s.Vote(ctx, reload(t, s, fresh), a.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := s.Vote(ctx, reload(t, s, fresh), a.ID, false); err != nil {
		t.Fatal(err)
	}
	if p := points(); p != 2*PointsHelpfulAnswer {
		t.Fatalf("a member with standing: %d", p-PointsHelpfulAnswer)
	}
	if set, _ := s.SiteSettings(ctx); set.StandingDays != 3 || set.StandingReputation != 10 {
		t.Errorf("defaults: %d days, %d points", set.StandingDays, set.StandingReputation)
	}
}

// TestWritesInFlightAreRefusedOnceSuspended: a request that read the
// member before a suspension (or their account's deletion) committed, and
// writes after, is refused inside the write: no question, answer or edit
// of theirs is stored, and the refusal says until when and why.
func TestWritesInFlightAreRefusedOnceSuspended(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	admin := userWithRole(t, s, "boss", RoleAdmin)
	asker := mustUser(t, s, "asker")
	th := mustThread(t, s, asker, "Router reboots itself every night")
	for _, role := range []Role{RoleMember, RoleModerator} {
		u := userWithRole(t, s, "late_"+string(role), role)
		own, err := s.CreateAnswer(ctx, u, th.ID, "Written before the suspension.")
		if err != nil {
			t.Fatal(err)
		}
		stale := reload(t, s, u) // what the request read
		suspended(t, s, admin, u)
		posts := countRows(t, s, `SELECT COUNT(*) FROM posts`)
		threads := countRows(t, s, `SELECT COUNT(*) FROM threads`)

		_, err = s.CreateAnswer(ctx, stale, th.ID, "Written after the suspension committed.")
		checkSuspendedRefusal(t, string(role)+" answer", err)
		_, err = s.CreateThread(ctx, stale, NewThread{Title: "A question asked while suspended", CategorySlug: th.Category.Slug,
			Body: "Nobody should read this."})
		checkSuspendedRefusal(t, string(role)+" question", err)
		err = s.EditPost(ctx, stale, own.ID, PostEdit{Body: "Edited after the suspension committed."})
		if na, ok := IsNotAllowed(err); !ok || na.Kind != notallowed.EditSuspended {
			t.Errorf("%s edit: %v, want the refusal the edit form gives a suspended member", role, err)
		}
		key, _ := NewAttachmentKey()
		_, err = s.SetAvatar(ctx, stale, NewAttachment{Key: key, ContentType: "image/png", Name: "me.png", Size: 90, Width: 64, Height: 64,
			SHA256: strings.Repeat("ab", 32)})
		checkSuspendedRefusal(t, string(role)+" avatar", err)
		key, _ = NewAttachmentKey()
		_, err = s.CreateAttachment(ctx, stale, NewAttachment{Key: key, Kind: AttachmentImage, ContentType: "image/png", Name: "shot.png",
			Size: 90, Width: 64, Height: 64, SHA256: strings.Repeat("ef", 32)})
		checkSuspendedRefusal(t, string(role)+" upload", err)
		if n := countRows(t, s, `SELECT COUNT(*) FROM attachments WHERE owner_id = ?`, u.ID); n != 0 {
			t.Errorf("%s: %d uploads recorded while suspended", role, n)
		}
		err = s.SaveProfile(ctx, stale, ProfileEdit{DisplayName: "Renamed while suspended", Bio: "Nobody should read this."})
		checkSuspendedRefusal(t, string(role)+" profile", err)
		if got := reload(t, s, u); got.AvatarURL != "" || got.DisplayName != "" || got.Bio != "" {
			t.Errorf("%s: profile changed while suspended: avatar %q, name %q, bio %q", role, got.AvatarURL, got.DisplayName, got.Bio)
		}

		if got := countRows(t, s, `SELECT COUNT(*) FROM posts`); got != posts {
			t.Errorf("%s: %d posts after the refused writes, %d before", role, got, posts)
		}
		if got := countRows(t, s, `SELECT COUNT(*) FROM threads`); got != threads {
			t.Errorf("%s: %d threads after the refused writes, %d before", role, got, threads)
		}
		if p, err := s.Post(ctx, own.ID); err != nil || p.BodyMD != "Written before the suspension." {
			t.Errorf("%s: the answer reads %q (%v) after the refused edit", role, p.BodyMD, err)
		}
	}

	// A vote or an acceptance by a member suspended meanwhile counts for
	// nothing.
	voterNow := mustUser(t, s, "voter")
	staleVoter := reload(t, s, voterNow)
	suspended(t, s, admin, voterNow)
	checkSuspendedRefusal(t, "vote", s.Vote(ctx, staleVoter, firstAnswer(t, s, th.ID), false))
	staleAsker := reload(t, s, asker)
	suspended(t, s, admin, asker)
	_, err := s.Accept(ctx, staleAsker, firstAnswer(t, s, th.ID), false)
	checkSuspendedRefusal(t, "accept", err)
	if n := countRows(t, s, `SELECT COUNT(*) FROM votes`); n != 0 {
		t.Errorf("%d votes stored", n)
	}
	if got, _ := s.Thread(ctx, th.ID); got.AcceptedID != 0 {
		t.Errorf("answer %d accepted by a suspended asker", got.AcceptedID)
	}
	if err := s.UnsuspendUser(ctx, admin, asker.ID, ""); err != nil {
		t.Fatal(err)
	}
	asker = reload(t, s, asker)

	// A curator suspended meanwhile changes no article.
	helper := mustUser(t, s, "helper")
	solved := mustThread(t, s, asker, "Wi-Fi drops every evening")
	first, err := s.CreateAnswer(ctx, helper, solved.ID, "Move the router off channel 13.")
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.CreateAnswer(ctx, helper, solved.ID, "Turn off band steering.")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Accept(ctx, asker, first.ID, false); err != nil {
		t.Fatal(err)
	}
	article, err := s.ArticleOfLoadedThread(ctx, solved)
	if err != nil {
		t.Fatal(err)
	}
	curator := userWithRole(t, s, "curator", RoleAmbassador)
	staleCurator := reload(t, s, curator)
	suspended(t, s, admin, curator)
	checkSuspendedRefusal(t, "article edit", s.EditArticle(ctx, staleCurator, article.ID, ArticleEdit{Title: "Evening Wi-Fi drops, solved",
		Problem: "The Wi-Fi drops every evening.", Solution: "Rewritten while suspended."}))
	checkSuspendedRefusal(t, "answer promoted", s.PromoteAnswer(ctx, staleCurator, article.ID, second.ID))
	checkSuspendedRefusal(t, "article unpublished", s.SetArticlePublished(ctx, staleCurator, article.ID, false))
	checkSuspendedRefusal(t, "article marked outdated", s.SetArticleOutdated(ctx, staleCurator, article.ID, true, "Firmware 3 changed this."))
	if after, err := s.Article(ctx, article.ID); err != nil || after.Title != article.Title || after.SolutionMD != article.SolutionMD ||
		!after.Published || after.Outdated || after.PostID != first.ID {
		t.Errorf("a suspended curator changed the article: %+v (%v)", after, err)
	}

	// An account deleted meanwhile writes nothing either.
	gone := mustUser(t, s, "gone")
	stale := reload(t, s, gone)
	if _, err := s.DeleteAccount(ctx, admin, gone.ID, DeleteAccount{Password: "correct horse"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAnswer(ctx, stale, th.ID, "Written after the account was deleted."); !errors.Is(err, ErrForbidden) {
		t.Errorf("answer from a deleted account: %v, want ErrForbidden", err)
	}
	if n := countRows(t, s, `SELECT COUNT(*) FROM posts WHERE author_id = ?`, gone.ID); n != 0 {
		t.Errorf("a deleted account wrote %d posts", n)
	}
}

func checkSuspendedRefusal(t *testing.T, what string, err error) {
	t.Helper()
	na, ok := IsNotAllowed(err)
	if !ok || na.Kind != notallowed.Suspended || na.Why != "Cooling off" || !na.Until.After(time.Now()) {
		t.Errorf("%s: %v, want the suspension's refusal with its reason and end", what, err)
	}
}

// firstAnswer is the first answer of a thread.
func firstAnswer(t *testing.T, s *Store, threadID int64) int64 {
	t.Helper()
	var id int64
	if err := s.db.Primary().QueryRow(`SELECT MIN(id) FROM posts WHERE thread_id = ? AND is_question = ?`, threadID, false).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
