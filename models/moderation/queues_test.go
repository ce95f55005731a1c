package moderation_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/internal/dbtest"
	"github.com/crowdcare/crowdcare/models/db"
	mforum "github.com/crowdcare/crowdcare/models/forum"
	"github.com/crowdcare/crowdcare/models/moderation"
)

var errGone = errors.New("not found")

// queueModerator is the moderator over d, reading posts and threads with a
// forum of the test's own: a few columns, and tags that say they were
// filled.
func queueModerator(d *db.DB) *moderation.Moderator {
	return moderation.New(moderation.DB{Reader: d.Reader, Exec: d.Exec, InTx: d.InTx, Now: time.Now, NotFound: errGone,
		Refusal: func(time.Time, string) error { return nil },
		Forum: moderation.Forum{
			PostSelect: `p.id, p.thread_id, p.is_question, p.pending, p.hidden_at IS NOT NULL FROM posts p`,
			ScanPost: func(row interface{ Scan(...any) error }) (*mforum.Post, error) {
				var p mforum.Post
				return &p, row.Scan(&p.ID, &p.ThreadID, &p.IsQuestion, &p.Pending, &p.Hidden)
			},
			ThreadSelect: `t.id, t.title FROM threads t`,
			ScanThread: func(row interface{ Scan(...any) error }) (*mforum.Thread, error) {
				var t mforum.Thread
				return &t, row.Scan(&t.ID, &t.Title)
			},
			FillTags: func(ctx context.Context, threads []*mforum.Thread) error {
				for _, t := range threads {
					t.Tags = []string{"filled"}
				}
				return nil
			},
		}})
}

// TestQueuesReadWithTheForumsColumns: the flag queue comes most flagged
// first (equals by post), each post with its own thread (tags filled) and
// its flags' reasons, one statement for the posts and one for the threads
// through the forum's select lists and scanning; the caller's filter
// narrows it; a flagged post whose thread has no question is not found.
// The approval queue lists the pending posts, not hidden or deleted ones,
// oldest first.
func TestQueuesReadWithTheForumsColumns(t *testing.T) {
	ctx := context.Background()
	d := openDB(t)
	m := queueModerator(d)
	var users [4]int64
	var cat int64
	type thread struct{ id, question int64 }
	var a, b, c thread
	var a1, a2, a3 int64
	err := d.InTx(ctx, func(tx *sql.Tx) error {
		for i := range users {
			if err := tx.QueryRowContext(ctx, `INSERT INTO users (username, email, password_hash, created_at) VALUES (?, ?, 'x', 1)
				RETURNING id`, fmt.Sprint("u", i), fmt.Sprint("u", i, "@example.com")).Scan(&users[i]); err != nil {
				return err
			}
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO categories (slug, name, created_at) VALUES ('queues', 'Queues', 1)
			RETURNING id`).Scan(&cat); err != nil {
			return err
		}
		post := func(threadID int64, question bool, extra string) (int64, error) {
			var id int64
			err := tx.QueryRowContext(ctx, `INSERT INTO posts (thread_id, author_id, is_question, body_md, body_html, created_at, `+extra+`)
				VALUES (?, ?, ?, 'text', '<p>text</p>', 1, 1) RETURNING id`, threadID, users[0], question).Scan(&id)
			return id, err
		}
		for i, th := range []*thread{&a, &b, &c} {
			if err := tx.QueryRowContext(ctx, `INSERT INTO threads (category_id, author_id, title, slug, created_at, last_activity_at)
				VALUES (?, ?, ?, 'slug', 1, 1) RETURNING id`, cat, users[0], fmt.Sprint("Thread ", i)).Scan(&th.id); err != nil {
				return err
			}
			var err error
			if th.question, err = post(th.id, true, "pending"); err != nil {
				return err
			}
			if th != &c { // c's question was never set: the thread is not shown
				if _, err := tx.ExecContext(ctx, `UPDATE threads SET question_id = ?, pending = 0 WHERE id = ?`, th.question, th.id); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `UPDATE posts SET pending = 0 WHERE id = ?`, th.question); err != nil {
					return err
				}
			}
		}
		var err error
		if a1, err = post(a.id, false, "pending"); err != nil {
			return err
		}
		if a2, err = post(a.id, false, "hidden_at"); err != nil {
			return err
		}
		a3, err = post(a.id, false, "deleted_at")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// a1: 2 flags, a2: 3, b's question: 2, c's question: 1.
	for post, reporters := range map[int64][]int64{a1: users[1:3], a2: users[1:4], b.question: users[1:3], c.question: users[1:2]} {
		for i, r := range reporters {
			reason := "spam"
			if i == 0 {
				reason = "abusive"
			}
			if err := m.Flag(ctx, r, post, reason, ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	q, err := m.FlagQueuePosts(ctx, ` AND t.id IN (?, ?)`, []any{a.id, b.id})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		post, thread int64
		flags        int
	}{{a2, a.id, 3}, {b.question, b.id, 2}, {a1, a.id, 2}} // b's question was written before a1
	if len(q) != len(want) {
		t.Fatalf("flag queue: %d posts, want %d", len(q), len(want))
	}
	for i, w := range want {
		fp := q[i]
		if fp.Post.ID != w.post || fp.Thread.ID != w.thread || fp.Post.ThreadID != w.thread || len(fp.FlagIDs) != w.flags ||
			fp.Reasons["abusive"] != 1 || fp.Reasons["spam"] != w.flags-1 || fmt.Sprint(fp.Thread.Tags) != "[filled]" ||
			fp.Thread.Title == "" {
			t.Errorf("queue[%d] = post %d of thread %+v, flags %+v; want post %d of thread %d, %d flags", i, fp.Post.ID, fp.Thread,
				fp.Flags, w.post, w.thread, w.flags)
		}
	}
	if q[0].Post.Hidden != true || q[1].Post.IsQuestion != true || q[2].Post.Pending != true {
		t.Errorf("the forum's scanning: %+v %+v %+v", q[0].Post, q[1].Post, q[2].Post)
	}
	if q, err := m.FlagQueuePosts(ctx, ` AND t.id = ?`, []any{b.id}); err != nil || len(q) != 1 || q[0].Post.ID != b.question {
		t.Errorf("filtered to thread b: %+v %v", q, err)
	}
	if q, err := m.FlagQueuePosts(ctx, ` AND t.id = ?`, []any{-1}); err != nil || q != nil {
		t.Errorf("nothing flagged: %+v %v", q, err)
	}
	if _, err := m.FlagQueuePosts(ctx, "", nil); !errors.Is(err, errGone) {
		t.Errorf("a flagged post of a thread without its question: %v, want the not-found error", err)
	}
	pending, err := m.PendingPosts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, p := range pending {
		ids = append(ids, p.ID)
	}
	// c's question and a1 wait; a2 is hidden, a3 deleted.
	if fmt.Sprint(ids) != fmt.Sprint([]int64{c.question, a1}) || a3 == 0 {
		t.Errorf("approval queue: %v, want [%d %d]", ids, c.question, a1)
	}
}

// openDB is a fresh, migrated database of the suite's engine, without a store.
func openDB(t *testing.T) *db.DB { return dbtest.Open(t, "queues.db") }
