package forum_test

import (
	"context"
	"slices"
	"testing"

	"github.com/crowdcare/crowdcare/models"
)

// TestThreadPostsAsEachViewerSeesThem: the question and the accepted
// answer lead; a queued answer is listed for its author and staff only; a
// hidden answer's text is kept from everyone but its author and staff; the
// viewer's own votes are marked; AnswerPage and ThreadInsiders agree.
func TestThreadPostsAsEachViewerSeesThem(t *testing.T) {
	s, _ := open(t)
	ctx := context.Background()
	asker, helper, other := user(t, s, "asker", models.RoleMember), user(t, s, "helper", models.RoleMember), user(t, s, "other", models.RoleMember)
	mod := user(t, s, "mod", models.RoleModerator)
	th, err := s.CreateThread(ctx, asker, models.NewThread{Title: "The router reboots every night", CategorySlug: "general",
		Body: "It restarts at three each morning."})
	if err != nil {
		t.Fatal(err)
	}
	answer := func(u *models.User, body string) *models.Post {
		t.Helper()
		p, err := s.CreateAnswer(ctx, u, th.ID, body)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	first := answer(helper, "Turn the maintenance window off.")
	second := answer(helper, "Or update the firmware first.")
	hidden := answer(asker, "Never mind, shouting at it helped.")
	queued := answer(other, "See https://example.com/fix for the firmware fix.")
	if !queued.Pending {
		t.Fatal("a new member's link was not queued")
	}
	if _, err := s.Accept(ctx, asker, second.ID, false); err != nil {
		t.Fatal(err)
	}
	if err := s.HidePost(ctx, mod, hidden.ID, "off topic"); err != nil {
		t.Fatal(err)
	}
	if err := s.Vote(ctx, other, first.ID, false); err != nil {
		t.Fatal(err)
	}
	th, err = s.Thread(ctx, th.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name              string
		viewer            *models.User
		answers           []int64
		seesHidden, voted bool
	}{
		{"visitor", nil, []int64{first.ID, hidden.ID}, false, false},
		{"the hidden post's author", asker, []int64{first.ID, hidden.ID}, true, false},
		{"the queued post's author", other, []int64{first.ID, hidden.ID, queued.ID}, false, true},
		{"staff", mod, []int64{first.ID, hidden.ID, queued.ID}, true, false},
	} {
		tp, err := s.ThreadPosts(ctx, th, 1, c.viewer)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, a := range tp.Answers {
			ids = append(ids, a.ID)
		}
		if tp.Question.ID != th.QuestionID || tp.Accepted == nil || tp.Accepted.ID != second.ID || !slices.Equal(ids, c.answers) {
			t.Errorf("%s: question %d, accepted %v, answers %v; want %d, %d, %v", c.name, tp.Question.ID, tp.Accepted, ids, th.QuestionID, second.ID, c.answers)
			continue
		}
		h := tp.Answers[1]
		if h.Redacted == c.seesHidden || (h.BodyMD == "") == c.seesHidden {
			t.Errorf("%s: hidden answer redacted %v, text %q", c.name, h.Redacted, h.BodyMD)
		}
		if tp.Answers[0].ViewerVoted != c.voted || !tp.Has(first.ID) || tp.Has(999999) || len(tp.All()) != 2+len(c.answers) {
			t.Errorf("%s: voted %v (want %v), Has and All disagree", c.name, tp.Answers[0].ViewerVoted, c.voted)
		}
	}
	if voted, err := s.VotedPosts(ctx, other.ID, []int64{first.ID, second.ID}); err != nil || !voted[first.ID] || voted[second.ID] {
		t.Errorf("voted posts %v %v", voted, err)
	}
	if insiders, err := s.ThreadInsiders(ctx, th.ID); err != nil || len(insiders) != 2 || !insiders[asker.ID] || !insiders[other.ID] {
		t.Errorf("insiders %v %v, want the hidden and the queued posts' authors", insiders, err)
	}
	for _, p := range []*models.Post{second, first} {
		if n, err := s.AnswerPage(ctx, p, th); err != nil || n != 1 {
			t.Errorf("answer %d on page %d (%v), want 1", p.ID, n, err)
		}
	}
}
