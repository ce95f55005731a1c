package models

import (
	"context"
	"strings"
	"testing"
)

// TestEveryWayOfHidingTakesTheSameSteps: hiding one post, removing a spammer
// and rejecting a queued post all hide the post (a question with its thread),
// recount the thread, take it out of search and the knowledge base, and
// action its open flags.
func TestEveryWayOfHidingTakesTheSameSteps(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	mod := userWithRole(t, s, "mod", RoleModerator)
	asker, peer, spammer := mustUser(t, s, "asker"), mustUser(t, s, "peer"), mustUser(t, s, "spammer")

	// The spammer answers a real question and asks one that gets an accepted answer (and so an article).
	real := mustThread(t, s, asker, "Router reboots itself every night")
	spamAnswer, err := s.CreateAnswer(ctx, spammer, real.ID, "Cheap followers for your profile, ask me.")
	if err != nil {
		t.Fatal(err)
	}
	rude, err := s.CreateAnswer(ctx, peer, real.ID, "Read the manual, it is all there.")
	if err != nil {
		t.Fatal(err)
	}
	spamThread, err := s.CreateThread(ctx, spammer, NewThread{Title: "Followers for every profile today", CategorySlug: "general",
		Body: "Cheap followers and likes for every profile."})
	if err != nil {
		t.Fatal(err)
	}
	fix, err := s.CreateAnswer(ctx, peer, spamThread.ID, "Please do not buy followers, it breaks the rules.")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Accept(ctx, spammer, fix.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ArticleForThread(ctx, spamThread.ID); err != nil {
		t.Fatalf("no article for the accepted answer: %v", err)
	}
	for _, p := range []int64{spamAnswer.ID, rude.ID} {
		if err := s.FlagPost(ctx, asker, p, "spam", ""); err != nil {
			t.Fatal(err)
		}
	}

	if err := s.HidePost(ctx, mod, rude.ID, "Be kind"); err != nil {
		t.Fatal(err)
	}
	if n, err := s.RemoveSpammer(ctx, mod, spammer.ID, "Spam"); err != nil || n != 2 {
		t.Fatalf("remove spammer: %d %v", n, err)
	}
	for _, id := range []int64{rude.ID, spamAnswer.ID, spamThread.QuestionID} {
		if p, _ := s.Post(ctx, id); !p.Hidden {
			t.Errorf("post %d not hidden", id)
		}
	}
	if th, _ := s.Thread(ctx, real.ID); th.AnswerCount != 0 || th.Hidden {
		t.Errorf("real thread after hiding its answers: %d answers, hidden %v", th.AnswerCount, th.Hidden)
	}
	if th, _ := s.Thread(ctx, spamThread.ID); !th.Hidden {
		t.Error("the spammer's thread is not hidden with its question")
	}
	if r := searchTitles(t, s, SearchQuery{Text: "followers"}); len(r) != 0 {
		t.Errorf("hidden posts still found: %v", r)
	}
	if a, _ := s.ArticleForThread(ctx, spamThread.ID); a.Published || !a.Outdated {
		t.Errorf("article of a hidden question: published %v outdated %v", a.Published, a.Outdated)
	}
	if q, _ := s.FlagQueue(ctx, mod); len(q) != 0 {
		t.Errorf("flags left open: %d", len(q))
	}

	// A rejected queued question: hidden with its thread, its author told why, in one step.
	newbie := mustUser(t, s, "newbie")
	saveSettings(t, s, userWithRole(t, s, "boss", RoleAdmin), SiteSettingsForm{ApproveFirstPosts: true})
	queued, err := s.CreateThread(ctx, newbie, NewThread{Title: "Check out this deal on routers", CategorySlug: "general",
		Body: "Visit www.example.com for cheap routers today."})
	if err != nil || !queued.Pending {
		t.Fatalf("question with a link not queued: %v", err)
	}
	if err := s.ApprovePost(ctx, mod, queued.QuestionID, false, "  "); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.Post(ctx, queued.QuestionID); !p.Hidden || p.Pending || p.HiddenReason != "Not approved by a moderator." {
		t.Errorf("rejected question: %+v", p)
	}
	if th, _ := s.Thread(ctx, queued.ID); !th.Hidden || th.Pending {
		t.Errorf("rejected question's thread: hidden %v pending %v", th.Hidden, th.Pending)
	}
	if l, _ := s.Notifications(ctx, newbie.ID, 1); len(l.Items) != 1 || !strings.Contains(l.Items[0].Text, "A moderator hid your post: Not approved") {
		t.Errorf("rejected author's notifications: %+v", l.Items)
	}
	want := "reject_post,hide_post,change_settings,remove_spammer,hide_post"
	if got := strings.Join(logActions(t, s), ","); !strings.HasPrefix(got, want) {
		t.Errorf("audit log: got %s, want it to start %s", got, want)
	}
	// A reason too long for a rejection is refused before anything changes.
	other, err := s.CreateThread(ctx, mustUser(t, s, "other"), NewThread{Title: "Another deal on routers here", CategorySlug: "general",
		Body: "See https://example.com/deal now."})
	if err != nil || !other.Pending {
		t.Fatalf("second queued question: %v", err)
	}
	if err := s.ApprovePost(ctx, mod, other.QuestionID, false, strings.Repeat("x", 501)); !IsValidation(err) {
		t.Fatalf("long rejection reason: %v", err)
	}
	if p, _ := s.Post(ctx, other.QuestionID); p.Hidden || !p.Pending {
		t.Errorf("refused rejection changed the post: %+v", p)
	}
}

// TestFlagQueueLoadsEachPostWithItsThread: posts from several threads, two in
// one thread, each comes with its own thread, counts and (for a triager who
// may not hide) a hidden post's text withheld.
func TestFlagQueueLoadsEachPostWithItsThread(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	mod, su := userWithRole(t, s, "mod", RoleModerator), userWithRole(t, s, "super", RoleSuperuser)
	asker, peer, r1, r2 := mustUser(t, s, "asker"), mustUser(t, s, "peer"), mustUser(t, s, "rita"), mustUser(t, s, "rolf")
	router := mustThread(t, s, asker, "Router reboots itself every night")
	tv := mustThread(t, s, asker, "TV app freezes after the update")
	a1, _ := s.CreateAnswer(ctx, peer, router.ID, "Buy my followers, first answer.")
	a2, _ := s.CreateAnswer(ctx, peer, router.ID, "Read the manual, second answer.")
	a3, _ := s.CreateAnswer(ctx, peer, tv.ID, "Hidden later, third answer.")
	for _, f := range []struct {
		u    *User
		post int64
	}{{r1, a1.ID}, {r2, a1.ID}, {r1, a2.ID}, {r1, a3.ID}, {peer, tv.QuestionID}} {
		if err := s.FlagPost(ctx, f.u, f.post, "spam", "note from "+f.u.Username); err != nil {
			t.Fatal(err)
		}
	}
	// Flagged again after hiding, so it stays in the queue hidden.
	if err := s.HidePost(ctx, mod, a3.ID, "Wrong"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.exec(ctx, `UPDATE flags SET status = 'open' WHERE post_id = ?`, a3.ID); err != nil {
		t.Fatal(err)
	}
	q, err := s.FlagQueue(ctx, su)
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 4 || q[0].Post.ID != a1.ID || q[0].Reasons["spam"] != 2 || len(q[0].Notes) != 2 {
		t.Fatalf("queue: %d posts, first %d with %v", len(q), q[0].Post.ID, q[0].Reasons)
	}
	want := map[int64]string{a1.ID: router.Title, a2.ID: router.Title, a3.ID: tv.Title, tv.QuestionID: tv.Title}
	for _, f := range q {
		if f.Thread.ID != f.Post.ThreadID || f.Thread.Title != want[f.Post.ID] || strings.Join(f.Thread.Tags, ",") != "router,wifi" {
			t.Errorf("post %d with thread %d %q tags %v", f.Post.ID, f.Thread.ID, f.Thread.Title, f.Thread.Tags)
		}
		if hidden := f.Post.ID == a3.ID; f.Post.Redacted != hidden || (f.Post.BodyHTML == "") != hidden {
			t.Errorf("post %d: redacted %v body %q", f.Post.ID, f.Post.Redacted, f.Post.BodyHTML)
		}
	}
	q, err = s.FlagQueue(ctx, mod)
	if err != nil || len(q) != 4 {
		t.Fatalf("moderator's queue: %d %v", len(q), err)
	}
	for _, f := range q {
		if f.Post.Redacted || f.Post.BodyHTML == "" {
			t.Errorf("a moderator cannot read flagged post %d", f.Post.ID)
		}
	}
}
