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
