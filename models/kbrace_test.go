package models

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/crowdcare/crowdcare/internal/dbtest"
)

// Promoting an answer and a curator's edit of the same article at once:
// the promotion changes the solution only, so the edit's title and problem
// statement stay, whichever commits first (the promotion once wrote back
// the title and problem it had read before its transaction).
func TestPromotingAnAnswerKeepsAConcurrentEdit(t *testing.T) {
	s := forumServers(t)[0]
	ctx := context.Background()
	_, th, accepted, other := solvedThread(t, s)
	curator := mustAdmin(t, s)
	art, err := s.ArticleForThread(ctx, th.ID)
	if err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 20; round++ {
		title, problem := fmt.Sprintf("Hub 3 Wi-Fi drops, edit %d", round), fmt.Sprintf("The Wi-Fi drops every evening (%d).", round)
		promoted := []int64{accepted.ID, other.ID}[round%2]
		dbtest.Concurrently(t, 2, func(i int) error {
			if i == 0 {
				return s.EditArticle(ctx, curator, art.ID, ArticleEdit{Title: title, Problem: problem, Solution: "Restart the Hub, then wait a minute."})
			}
			return s.PromoteAnswer(ctx, curator, art.ID, promoted)
		})
		got, err := s.Article(ctx, art.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != title || got.ProblemMD != problem {
			t.Fatalf("round %d: article %q / %q after an edit and a promotion at once, want the edit's %q / %q",
				round, got.Title, got.ProblemMD, title, problem)
		}
	}
}

// Promoting an answer while a moderator hides it: a published article never
// shows a hidden answer's text (the promotion once checked the answer before
// its transaction, so a hide in between went unseen).
func TestPromotingAnAnswerBeingHidden(t *testing.T) {
	s := forumServers(t)[0]
	ctx := context.Background()
	_, th, _, _ := solvedThread(t, s)
	curator := mustAdmin(t, s)
	mod := userWithRole(t, s, "mod", RoleModerator)
	dave := mustUser(t, s, "dave")
	art, err := s.ArticleForThread(ctx, th.ID)
	if err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 20; round++ {
		if err := s.SetArticlePublished(ctx, curator, art.ID, true); err != nil {
			t.Fatal(err)
		}
		a, err := s.CreateAnswer(ctx, dave, th.ID, fmt.Sprintf("Unplug the mesh satellite number %d.", round))
		if err != nil {
			t.Fatal(err)
		}
		dbtest.Concurrently(t, 2, func(i int) error {
			if i == 0 {
				return s.HidePost(ctx, mod, a.ID, "dangerous advice")
			}
			var refused *ErrNotAllowed
			if err := s.PromoteAnswer(ctx, curator, art.ID, a.ID); err != nil && !errors.As(err, &refused) {
				return err
			}
			return nil
		})
		got, err := s.Article(ctx, art.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Published && got.PostID == a.ID {
			t.Fatalf("round %d: the published article's solution is hidden answer %d: %q", round, a.ID, got.SolutionMD)
		}
	}
}
