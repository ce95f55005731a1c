package notify_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/crowdcare/crowdcare/internal/storetest"
	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/notify"
)

// TestMentions: distinct names in lower case, at most ten, never an
// address, a path or a doubled "@".
func TestMentions(t *testing.T) {
	for text, want := range map[string]string{
		"@Named had this, and @named again; ask @bo_b.": "[named bo_b]",
		"mail joe@example.com or see /u/@joe or @@joe":  "[]",
		"(@ann) @jo": "[ann]", // three characters at least
		"@ab1 @ab2 @ab3 @ab4 @ab5 @ab6 @ab7 @ab8 @ab9 @ac1 @ac2": "[ab1 ab2 ab3 ab4 ab5 ab6 ab7 ab8 ab9 ac1]",
	} {
		if got := fmt.Sprint(notify.Mentions(text)); got != want {
			t.Errorf("Mentions(%q) = %s, want %s", text, got, want)
		}
	}
}

// TestWatchAndMarkRead: through the store, which embeds the notifier:
// watching twice is watching once, a watcher is told of a reply, marking
// one notification read leaves the others unread, and unwatching stops
// the replies.
func TestWatchAndMarkRead(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t, "notify.db", nil)
	user := func(name string) *models.User { return storetest.User(t, s, name, "") }
	asker, helper, watcher := user("asker"), user("helper"), user("watcher")
	th, err := s.CreateThread(ctx, asker, models.NewThread{Title: "The router reboots every night", CategorySlug: "general",
		Body: "It restarts at three each morning."})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := s.Watch(ctx, watcher.ID, th.ID, true); err != nil {
			t.Fatal(err)
		}
	}
	if w, err := s.Watching(ctx, watcher.ID, th.ID); err != nil || !w {
		t.Fatalf("watching: %v %v", w, err)
	}
	for _, body := range []string{"Turn the maintenance window off.", "Or update the firmware first."} {
		if _, err := s.CreateAnswer(ctx, helper, th.ID, body); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.UnreadCount(ctx, watcher.ID); err != nil || n != 2 {
		t.Fatalf("watcher's unread: %d %v, want 2", n, err)
	}
	list, err := s.Notifications(ctx, watcher.ID, 1)
	if err != nil || len(list.Items) != 2 || list.Items[0].Kind != notify.KindReply {
		t.Fatalf("watcher's notifications: %+v %v", list, err)
	}
	if err := s.MarkRead(ctx, watcher.ID, list.Items[0].ID); err != nil {
		t.Fatal(err)
	}
	// Another member's id marks nothing of theirs.
	if err := s.MarkRead(ctx, asker.ID, list.Items[1].ID); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.UnreadCount(ctx, watcher.ID); n != 1 {
		t.Fatalf("unread after marking one: %d, want 1", n)
	}
	if err := s.Watch(ctx, watcher.ID, th.ID, false); err != nil {
		t.Fatal(err)
	}
	if w, _ := s.Watching(ctx, watcher.ID, th.ID); w {
		t.Fatal("still watching after unwatching")
	}
	if _, err := s.CreateAnswer(ctx, helper, th.ID, "A third idea: a new power supply."); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.UnreadCount(ctx, watcher.ID); n != 1 {
		t.Fatalf("unread after unwatching: %d, want 1", n)
	}
}
