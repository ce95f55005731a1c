package moderation_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/moderation"
	"github.com/crowdcare/crowdcare/models/notallowed"
)

// forum is a store with an asker's thread and two answers, and the members
// who flag and moderate them.
type forum struct {
	s                           *models.Store
	asker, reporter, other, mod *models.User
	thread                      *models.Thread
	rude, fine                  *models.Post
}

func newForum(t *testing.T) *forum {
	t.Helper()
	ctx := context.Background()
	s, err := models.Open(ctx, testdb.Location(t, "moderation.db"), models.Options{PasswordCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	user := func(name string, role models.Role) *models.User {
		u, err := s.CreateUser(ctx, models.NewUser{Username: name, Email: name + "@example.com", Password: "correct horse", Role: role})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	f := &forum{s: s, asker: user("asker", models.RoleMember), reporter: user("reporter", models.RoleMember),
		other: user("other", models.RoleMember), mod: user("mod", models.RoleModerator)}
	if f.thread, err = s.CreateThread(ctx, f.asker, models.NewThread{Title: "The router reboots every night", CategorySlug: "general",
		Body: "It restarts at three each morning."}); err != nil {
		t.Fatal(err)
	}
	if f.rude, err = s.CreateAnswer(ctx, f.other, f.thread.ID, "Read the manual, it is all there."); err != nil {
		t.Fatal(err)
	}
	if f.fine, err = s.CreateAnswer(ctx, f.other, f.thread.ID, "Turn the maintenance window off."); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestFlagsAndTheirDismissal, through the store, which embeds the
// moderator: flagging a post twice is one open flag, a member sees only
// their own flags, the open flags come by post with their reasons and
// notes, dismissing closes them and writes the audit line (with its actor
// and target), and dismissing again finds nothing.
func TestFlagsAndTheirDismissal(t *testing.T) {
	ctx := context.Background()
	f := newForum(t)
	s := f.s
	for range 2 {
		if err := s.Flag(ctx, f.reporter.ID, f.rude.ID, "abusive", ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Flag(ctx, f.asker.ID, f.rude.ID, "abusive", "Not helpful at all."); err != nil {
		t.Fatal(err)
	}
	if err := s.Flag(ctx, f.asker.ID, f.fine.ID, "spam", ""); err != nil {
		t.Fatal(err)
	}
	mine, err := s.FlaggedPosts(ctx, f.reporter.ID, []int64{f.rude.ID, f.fine.ID})
	if err != nil || len(mine) != 1 || !mine[f.rude.ID] {
		t.Fatalf("reporter's flags: %v %v, want only post %d", mine, err, f.rude.ID)
	}
	if none, err := s.FlaggedPosts(ctx, f.other.ID, []int64{f.rude.ID, f.fine.ID}); err != nil || len(none) != 0 {
		t.Fatalf("the author's flags: %v %v, want none", none, err)
	}
	open, err := s.OpenFlags(ctx, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 2 || open[0].PostID != f.rude.ID || open[0].Reasons["abusive"] != 2 || len(open[0].FlagIDs) != 2 ||
		len(open[0].Notes) != 1 || open[0].Notes[0] != "Not helpful at all." || open[1].PostID != f.fine.ID || open[1].Reasons["spam"] != 1 {
		t.Fatalf("open flags: %+v %+v", open[0], open[len(open)-1])
	}
	// A caller's condition on the post's thread narrows the list.
	if open, err := s.OpenFlags(ctx, " AND t.id = ?", []any{f.thread.ID + 1000}); err != nil || len(open) != 0 {
		t.Fatalf("open flags of another thread: %v %v", open, err)
	}

	if err := s.DismissFlags(ctx, f.mod, f.rude.ID, "  Blunt, not abusive.  "); err != nil {
		t.Fatal(err)
	}
	if err := s.DismissFlags(ctx, f.mod, f.rude.ID, "again"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("dismissing closed flags: %v, want ErrNotFound", err)
	}
	if mine, err := s.FlaggedPosts(ctx, f.reporter.ID, []int64{f.rude.ID}); err != nil || len(mine) != 0 {
		t.Fatalf("reporter's flags after dismissal: %v %v", mine, err)
	}
	if open, err := s.OpenFlags(ctx, "", nil); err != nil || len(open) != 1 || open[0].PostID != f.fine.ID {
		t.Fatalf("open flags after dismissal: %v %v", open, err)
	}
	log, err := s.ModLog(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(log.Entries) != 1 {
		t.Fatalf("audit log: %d lines, want 1", len(log.Entries))
	}
	e := log.Entries[0]
	if e.Actor.ID != f.mod.ID || e.Actor.Username != "mod" || e.Actor.Role != models.RoleModerator || e.Action != "dismiss_flags" ||
		e.TargetType != "post" || e.TargetID != f.rude.ID || e.TargetName != f.thread.Title || e.Reason != "Blunt, not abusive." ||
		e.TargetURL() != "/p/"+itoa(f.rude.ID) {
		t.Fatalf("audit line: %+v (%s)", e, e.TargetURL())
	}
	lines, err := s.LogEntries(ctx, 0, 10)
	if n, _ := s.LogCount(ctx); err != nil || n != 1 || len(lines) != 1 || lines[0].Actor != e.Actor {
		t.Fatalf("log lines: %d of %d, %v", len(lines), n, err)
	}
}

// TestSuspendedActorsAuditedActionIsUndone: the audit line refuses an actor
// suspended since their account was read, so the action's transaction rolls
// back: the flags stay open and no line is written.
func TestSuspendedActorsAuditedActionIsUndone(t *testing.T) {
	ctx := context.Background()
	f := newForum(t)
	s := f.s
	if err := s.Flag(ctx, f.reporter.ID, f.rude.ID, "abusive", ""); err != nil {
		t.Fatal(err)
	}
	admin, err := s.CreateUser(ctx, models.NewUser{Username: "admin", Email: "admin@example.com", Password: "correct horse", Role: models.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SuspendUser(ctx, admin, f.mod.ID, time.Now().Add(48*time.Hour), "Hasty calls."); err != nil {
		t.Fatal(err)
	}
	// The moderator's account as read before the suspension.
	err = s.Moderator.DismissFlags(ctx, f.mod.ID, f.rude.ID, "")
	var refused *models.ErrNotAllowed
	if !errors.As(err, &refused) || refused.Kind != notallowed.Suspended {
		t.Fatalf("a suspended moderator's dismissal: %v, want a refusal", err)
	}
	if open, err := s.OpenFlags(ctx, "", nil); err != nil || len(open) != 1 {
		t.Fatalf("open flags after the refusal: %v %v", open, err)
	}
	log, err := s.ModLog(ctx, 1)
	if err != nil || len(log.Entries) != 1 || log.Entries[0].Action != "suspend_user" {
		t.Fatalf("audit log: %+v %v, want only the suspension", log, err)
	}
}

// TestFlagReasons: the form's reasons, in its order.
func TestFlagReasons(t *testing.T) {
	got := moderation.FlagReasons()
	want := []string{"spam", "abusive", "off-topic", "unsafe"}
	if len(got) != len(want) {
		t.Fatalf("reasons %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("reasons %v, want %v", got, want)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
