package forum_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/forum"
)

// TestReviseRetitleRemove: the statements of an edit and a removal, run
// in a transaction of the caller's: a revision keeps what the post (and a
// question's title) said before, the budget refuses an edit past it
// without writing, a new title makes a new slug and tags, and removing an
// accepted answer unaccepts it, once; removing the question removes the
// thread.
func TestReviseRetitleRemove(t *testing.T) {
	s, loc := open(t)
	ctx := context.Background()
	asker, helper := user(t, s, "asker", models.RoleMember), user(t, s, "helper", models.RoleMember)
	th, err := s.CreateThread(ctx, asker, models.NewThread{Title: "The router reboots every night", CategorySlug: "general",
		Body: "It restarts at three each morning.", Tags: "router"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.CreateAnswer(ctx, helper, th.ID, "Turn the maintenance window off.")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Accept(ctx, asker, a.ID, false); err != nil {
		t.Fatal(err)
	}
	raw := testdb.Raw(t, loc)
	inTx := func(fn func(tx *sql.Tx) error) error {
		t.Helper()
		tx, err := raw.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := fn(tx); err != nil {
			tx.Rollback()
			return err
		}
		return tx.Commit()
	}
	q, err := s.Post(ctx, th.QuestionID)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := inTx(func(tx *sql.Tx) error {
		if err := s.ReviseIn(ctx, tx, asker.ID, q, 1, "It restarts at three, every morning.", "<p>html</p>", "text", now); err != nil {
			return err
		}
		return s.RetitleIn(ctx, tx, th.ID, "The router restarts at three", []string{"firmware", "router"})
	}); err != nil {
		t.Fatal(err)
	}
	err = inTx(func(tx *sql.Tx) error {
		return s.ReviseIn(ctx, tx, asker.ID, q, 1, "A second edit within the hour.", "<p>x</p>", "x", now)
	})
	var limit *forum.EditLimitError
	if !errors.As(err, &limit) || limit.Budget != 1 {
		t.Fatalf("an edit past the budget: %v, want EditLimitError{1}", err)
	}
	if err := inTx(func(tx *sql.Tx) error {
		return s.ReviseIn(ctx, tx, helper.ID, a, 0, "Turn the maintenance window off in the settings.", "<p>y</p>", "y", now)
	}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Thread(ctx, th.ID)
	if err != nil || got.Slug != "the-router-restarts-at-three" || fmt.Sprint(got.Tags) != "[firmware router]" {
		t.Fatalf("retitled: %+v %v", got, err)
	}
	if q2, _ := s.Post(ctx, q.ID); q2.BodyMD != "It restarts at three, every morning." || !q2.Edited() {
		t.Fatalf("the question after one edit and one refused: %q", q2.BodyMD)
	}
	revs, err := s.Revisions(ctx, q.ID)
	if err != nil || len(revs) != 1 || revs[0].Title != th.Title || revs[0].BodyMD != "It restarts at three each morning." || revs[0].Editor.ID != asker.ID {
		t.Fatalf("question's revisions %+v %v", revs, err)
	}
	if revs, err := s.Revisions(ctx, a.ID); err != nil || len(revs) != 1 || revs[0].Title != "" {
		t.Fatalf("answer's revisions %+v %v, want one without a title", revs, err)
	}

	for i, want := range []bool{true, false} {
		var removed bool
		if err := inTx(func(tx *sql.Tx) (err error) {
			removed, err = s.RemovePostIn(ctx, tx, a, now)
			return err
		}); err != nil || removed != want {
			t.Fatalf("removal %d of the accepted answer: %v %v, want %v", i+1, removed, err, want)
		}
	}
	if got, _ := s.Thread(ctx, th.ID); got.Solved() || got.Deleted {
		t.Fatalf("after removing its accepted answer: solved %v, deleted %v", got.Solved(), got.Deleted)
	}
	if err := inTx(func(tx *sql.Tx) error { _, err := s.RemovePostIn(ctx, tx, q, now); return err }); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Thread(ctx, th.ID); !got.Deleted {
		t.Fatal("removing the question left its thread")
	}
}
