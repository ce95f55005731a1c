package moderation_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/models/moderation"
)

// rawDB opens the store's database without a store, for the statements
// that run in a transaction of the caller's: on PostgreSQL through
// models/db's connector, which rebinds the placeholders.
func rawDB(t *testing.T, location string) *sql.DB {
	t.Helper()
	var d *sql.DB
	var err error
	if testdb.Postgres() {
		d, err = db.OpenPostgres(context.Background(), location, db.PostgresOptions{MaxConns: 2})
	} else {
		d, err = sql.Open("sqlite3", location)
	}
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// inTx runs fn in one transaction of a raw database and closes it.
func inTx(t *testing.T, location string, fn func(ctx context.Context, tx *sql.Tx) error) {
	t.Helper()
	ctx := context.Background()
	d := rawDB(t, location)
	defer d.Close()
	tx, err := d.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := fn(ctx, tx); err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// TestActionStatements: each staff action's statements, run in a
// transaction of the caller's, change what a fresh store then reads, and
// their reverses change it back; VisiblePostsOf leaves out hidden posts.
func TestActionStatements(t *testing.T) {
	ctx := context.Background()
	loc := testdb.Location(t, "actions.db")
	open := func() *models.Store {
		s, err := models.Open(ctx, loc, models.Options{PasswordCost: bcrypt.MinCost})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open()
	user := func(name string) *models.User {
		u, err := s.CreateUser(ctx, models.NewUser{Username: name, Email: name + "@example.com", Password: "correct horse"})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	asker, helper := user("asker"), user("helper")
	thread := func(title string) *models.Thread {
		th, err := s.CreateThread(ctx, asker, models.NewThread{Title: title, CategorySlug: "general", Body: "It happens every night."})
		if err != nil {
			t.Fatal(err)
		}
		return th
	}
	orig, dup := thread("The router reboots every night"), thread("Router restarts itself at night")
	answer, err := s.CreateAnswer(ctx, helper, orig.ID, "Turn the maintenance window off.")
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.CreateAnswer(ctx, helper, dup.ID, "Update the firmware.")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := s.CreateCategory(ctx, models.NewCategory{Slug: "hardware", Name: "Hardware"})
	if err != nil {
		t.Fatal(err)
	}
	general, err := s.CategoryBySlug(ctx, "general")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	until := time.Now().Add(72 * time.Hour).Truncate(time.Second)
	inTx(t, loc, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE posts SET pending = 1 WHERE id = ?`, other.ID); err != nil {
			return err
		}
		threadID, question, err := moderation.HidePost(ctx, tx, answer.ID, "Off-topic.", time.Now())
		if err != nil || threadID != orig.ID || question {
			t.Errorf("hiding the answer: thread %d, question %v, %v", threadID, question, err)
		}
		threadID, question, err = moderation.HidePost(ctx, tx, dup.QuestionID, "Spam.", time.Now())
		if err != nil || threadID != dup.ID || !question {
			t.Errorf("hiding the question: thread %d, question %v, %v", threadID, question, err)
		}
		// Both categories public: nothing to recount.
		if privacyChanged, err := moderation.MoveThread(ctx, tx, orig.ID, cat.ID); err != nil || privacyChanged {
			t.Errorf("moving between public categories: privacy changed %v, %v", privacyChanged, err)
		}
		for _, err := range []error{
			moderation.LockThread(ctx, tx, orig.ID, true, time.Now()),
			moderation.PinThread(ctx, tx, orig.ID, true, time.Now()),
			moderation.CloseAsDuplicate(ctx, tx, dup.ID, orig.ID, time.Now()),
			moderation.Suspend(ctx, tx, helper.ID, until, "Hasty answers."),
		} {
			if err != nil {
				return err
			}
		}
		return nil
	})
	s = open()
	p, err := s.Post(ctx, answer.ID)
	if err != nil || !p.Hidden || p.HiddenReason != "Off-topic." {
		t.Fatalf("hidden answer: %+v %v", p, err)
	}
	th, err := s.Thread(ctx, orig.ID)
	if err != nil || !th.Locked || !th.Pinned || th.Category.ID != cat.ID || th.Hidden {
		t.Fatalf("locked, pinned, moved thread: %+v %v", th, err)
	}
	d, err := s.Thread(ctx, dup.ID)
	if err != nil || !d.Hidden || d.DuplicateOf != orig.ID || !d.Locked {
		t.Fatalf("hidden duplicate: %+v %v", d, err)
	}
	h, err := s.UserByID(ctx, helper.ID)
	if err != nil || !h.SuspendedUntil.Equal(until) || h.SuspendReason != "Hasty answers." {
		t.Fatalf("suspended helper: until %s (%q) %v", h.SuspendedUntil, h.SuspendReason, err)
	}
	if p, err := s.Post(ctx, other.ID); err != nil || !p.Pending {
		t.Fatalf("queued post: %+v %v", p, err)
	}
	if ids, err := s.VisiblePostsOf(ctx, helper.ID); err != nil || len(ids) != 1 || ids[0] != other.ID {
		t.Fatalf("helper's visible posts: %v %v, want [%d]", ids, err, other.ID)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	inTx(t, loc, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := moderation.MoveThread(ctx, tx, orig.ID, general.ID); err != nil {
			return err
		}
		for _, err := range []error{
			moderation.UnhidePost(ctx, tx, answer.ID, orig.ID, false),
			moderation.UnhidePost(ctx, tx, dup.QuestionID, dup.ID, true),
			moderation.LockThread(ctx, tx, orig.ID, false, time.Now()),
			moderation.PinThread(ctx, tx, orig.ID, false, time.Now()),
			moderation.CloseAsDuplicate(ctx, tx, dup.ID, 0, time.Now()),
			moderation.Unsuspend(ctx, tx, helper.ID),
			moderation.ClearPending(ctx, tx, other.ID, dup.ID, false),
		} {
			if err != nil {
				return err
			}
		}
		return nil
	})
	s = open()
	defer s.Close()
	if p, err := s.Post(ctx, answer.ID); err != nil || p.Hidden || p.HiddenReason != "" {
		t.Fatalf("shown answer: %+v %v", p, err)
	}
	if th, err := s.Thread(ctx, orig.ID); err != nil || th.Locked || th.Pinned || th.Category.ID != general.ID {
		t.Fatalf("unlocked, unpinned thread back in general: %+v %v", th, err)
	}
	if d, err := s.Thread(ctx, dup.ID); err != nil || d.Hidden || d.DuplicateOf != 0 || d.Locked {
		t.Fatalf("reopened thread: %+v %v", d, err)
	}
	if h, err := s.UserByID(ctx, helper.ID); err != nil || h.Suspended(time.Now()) || h.SuspendReason != "" {
		t.Fatalf("unsuspended helper: until %s (%q) %v", h.SuspendedUntil, h.SuspendReason, err)
	}
	if p, err := s.Post(ctx, other.ID); err != nil || p.Pending {
		t.Fatalf("approved post: %+v %v", p, err)
	}
	if ids, err := s.VisiblePostsOf(ctx, helper.ID); err != nil || len(ids) != 2 {
		t.Fatalf("helper's visible posts: %v %v, want both", ids, err)
	}
}
