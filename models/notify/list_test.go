package notify_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/internal/dbtest"
	"github.com/crowdcare/crowdcare/models/accounts"
	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/models/forum"
	"github.com/crowdcare/crowdcare/models/notify"
)

// forumRows writes members (by name), a category, a thread asked by the
// first member and its question post, as the forum would have them.
func forumRows(t *testing.T, d *db.DB, names ...string) (ids map[string]int64, th *forum.Thread) {
	t.Helper()
	ctx := context.Background()
	ids = map[string]int64{}
	th = &forum.Thread{Title: "The router reboots every night", Slug: "the-router-reboots-every-night"}
	err := d.InTx(ctx, func(tx *sql.Tx) error {
		for _, name := range names {
			var id int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO users (username, email, password_hash, role, created_at)
				VALUES (?, ?, 'x', ?, 1) RETURNING id`, name, name+"@example.com", "moderator").Scan(&id); err != nil {
				return err
			}
			ids[name] = id
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO categories (slug, name, created_at) VALUES ('hardware', 'Hardware', 1)
			RETURNING id`).Scan(&th.Category.ID); err != nil {
			return err
		}
		th.Author = accounts.UserRef{ID: ids[names[0]], Username: names[0]}
		if err := tx.QueryRowContext(ctx, `INSERT INTO threads (category_id, author_id, title, slug, created_at, last_activity_at)
			VALUES (?, ?, ?, ?, 1, 1) RETURNING id`, th.Category.ID, th.Author.ID, th.Title, th.Slug).Scan(&th.ID); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO posts (thread_id, author_id, is_question, body_md, body_html, created_at)
			VALUES (?, ?, 1, 'It restarts at three.', '<p>It restarts at three.</p>', 1) RETURNING id`,
			th.ID, th.Author.ID).Scan(&th.QuestionID)
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids, th
}

// TestNewPostTellsEachOnce: notify's own rule of who is told of a new post
// over what the other domains answer (Domains): the asker and watchers of
// an answer and the members it mentions, each once, never the author nor
// anyone the visibility rule keeps out (asked in the post's transaction),
// nobody for an unknown name; a question tells only whom it mentions. The
// list then reads each member's notifications, newest first, with the
// author as the actor.
func TestNewPostTellsEachOnce(t *testing.T) {
	ctx := context.Background()
	d := openDB(t)
	ids, th := forumRows(t, d, "asker", "helper", "watcher", "outsider", "named", "quiet")
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	var asked []string
	n := notify.New(d, func() time.Time { return now }, notify.Domains{
		MayRead: func(ctx context.Context, tx *sql.Tx, userID, categoryID int64) (bool, error) {
			if tx == nil || categoryID != th.Category.ID {
				return false, fmt.Errorf("asked outside the transaction or of category %d", categoryID)
			}
			asked = append(asked, fmt.Sprint(userID))
			return userID != ids["outsider"], nil
		},
		Member: func(ctx context.Context, tx *sql.Tx, name string) (int64, error) { return ids[name], nil },
	})
	for _, w := range []string{"watcher", "outsider", "named", "helper"} {
		if err := n.Watch(ctx, ids[w], th.ID, true); err != nil {
			t.Fatal(err)
		}
	}
	helper := accounts.UserRef{ID: ids["helper"], Username: "helper", Role: "member"}
	var answerID int64
	err := d.InTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO posts (thread_id, author_id, body_md, body_html, created_at)
			VALUES (?, ?, 'Ask @named, @outsider, @helper or @nobody.', '', 2) RETURNING id`, th.ID, helper.ID).Scan(&answerID); err != nil {
			return err
		}
		return n.NewPost(ctx, tx, helper, th, answerID, "Ask @named, @outsider, @helper or @nobody.", false)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(asked) == 0 {
		t.Fatal("the visibility rule was never asked")
	}
	want := map[string]string{
		"asker":   notify.KindAnswer + ": helper answered your question “The router reboots every night”",
		"watcher": notify.KindReply + ": helper replied in “The router reboots every night”",
		"named":   notify.KindReply + ": helper replied in “The router reboots every night”", // a watcher first: told once
	}
	now = now.Add(time.Minute)
	// A question tells only whom it mentions: quiet, not the watchers.
	err = d.InTx(ctx, func(tx *sql.Tx) error {
		return n.NewPost(ctx, tx, th.Author, th, th.QuestionID, "@quiet @asker", true)
	})
	if err != nil {
		t.Fatal(err)
	}
	want["quiet"] = notify.KindMention + ": asker mentioned you in “The router reboots every night”"
	for name, id := range ids {
		count, err := n.ListedCount(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		items, err := n.ListPage(ctx, id, 1)
		if err != nil {
			t.Fatal(err)
		}
		if count != len(items) {
			t.Errorf("%s: counted %d, listed %d", name, count, len(items))
		}
		if want[name] == "" {
			if len(items) != 0 {
				t.Errorf("%s told: %+v", name, items)
			}
			continue
		}
		if len(items) != 1 {
			t.Errorf("%s: %d notifications, want 1: %+v", name, len(items), items)
			continue
		}
		it := items[0]
		if got := it.Kind + ": " + it.Text; got != want[name] {
			t.Errorf("%s: %q, want %q", name, got, want[name])
		}
		if it.Read || it.ThreadID != th.ID || it.Actor == nil || it.Actor.Username == name {
			t.Errorf("%s: %+v (actor %+v)", name, it, it.Actor)
		}
		if name == "quiet" {
			if it.PostID != th.QuestionID || it.URL() != fmt.Sprintf("/p/%d", th.QuestionID) || it.Actor.ID != th.Author.ID ||
				!it.CreatedAt.Equal(now) {
				t.Errorf("quiet: %+v, URL %s", it, it.URL())
			}
		} else if it.PostID != answerID || it.Actor.ID != helper.ID || it.Actor.Role != "moderator" || !it.CreatedAt.Equal(now.Add(-time.Minute)) {
			t.Errorf("%s: %+v (actor %+v)", name, it, it.Actor)
		}
	}
}

// TestListPages: the list counts up to the forum's bound and pages by the
// forum's page size, newest first; a notification no member caused has no
// actor and leads to the thread, else to the list.
func TestListPages(t *testing.T) {
	ctx := context.Background()
	d := openDB(t)
	ids, th := forumRows(t, d, "member")
	n := notify.New(d, time.Now, notify.Domains{})
	total := forum.ThreadsPerPage + 3
	err := d.InTx(ctx, func(tx *sql.Tx) error {
		for i := range total {
			thread := int64(0)
			if i%2 == 0 {
				thread = th.ID
			}
			if err := n.Record(ctx, tx, ids["member"], 0, notify.KindPromotion, thread, 0, fmt.Sprint("note ", i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if c, err := n.ListedCount(ctx, ids["member"]); err != nil || c != total {
		t.Fatalf("counted %d, %v; want %d", c, err, total)
	}
	first, err := n.ListPage(ctx, ids["member"], 1)
	if err != nil || len(first) != forum.ThreadsPerPage {
		t.Fatalf("page 1: %d items, %v", len(first), err)
	}
	second, err := n.ListPage(ctx, ids["member"], 2)
	if err != nil || len(second) != 3 {
		t.Fatalf("page 2: %d items, %v", len(second), err)
	}
	if first[0].Text != fmt.Sprint("note ", total-1) || second[2].Text != "note 0" {
		t.Fatalf("order: first %q, last %q", first[0].Text, second[2].Text)
	}
	for _, it := range append(first, second...) {
		wantURL := "/notifications"
		if it.ThreadID != 0 {
			wantURL = fmt.Sprintf("/t/%d", th.ID)
		}
		if it.Actor != nil || it.URL() != wantURL {
			t.Errorf("%q: actor %+v, URL %s, want %s", it.Text, it.Actor, it.URL(), wantURL)
		}
	}
}

// openDB is a fresh, migrated database of the suite's engine, without a store.
func openDB(t *testing.T) *db.DB { return dbtest.Open(t, "notify.db") }
