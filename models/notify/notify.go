// Package notify is the members' notifications and the threads they watch:
// it owns the notifications and watches tables' SQL, the list of a
// member's notifications (Notification, its actor an accounts.UserRef,
// counted and paged as the forum's lists are), and who is told of a new
// post (NewPost: the asker, the thread's watchers and the people mentioned,
// each only if they may read the thread).
//
// It takes the database layer, a *db.DB (models/db), the store's clock and
// a small Domains of what it asks the other domains in the transaction of
// a new post: whether a member may read a category (the forum's visibility
// rule and policy's) and which member a mentioned name is (accounts'), so
// it imports nothing of models; models.Store embeds a *Notifier, so its
// methods are the store's. It names accounts.UserRef and forum.Thread and
// the forum's page sizes.
//
// Still in models: the page of the list (models.NotificationList embeds
// models.Paging, which has not left models yet; Store.Notifications builds
// it from ListedCount and ListPage), mayRead (the visibility rule's SQL,
// which MoveThread also asks) and the steps that record a notification in
// their own transactions (answers, acceptance, moderation, promotion)
// through Record.
package notify

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/crowdcare/crowdcare/models/db"
)

// Notification kinds.
const (
	KindAnswer      = "answer"      // an answer to your question
	KindReply       = "reply"       // a reply on a thread you watch
	KindAccepted    = "accepted"    // your answer was accepted
	KindRecommended = "recommended" // your answer was recommended by the brand
	KindMention     = "mention"     // someone @mentioned you
	KindModeration  = "moderation"  // a moderator acted on your content or account
	KindPromotion   = "promotion"   // you became a superuser or ambassador
)

// Notifier records and reads notifications and watches: it reads from the
// pool a request's reads go to (db.DB.Reader: a replica's when the request
// allows it) and writes single statements on the writer (db.DB.Exec, which
// tells the caches that something changed), at the time now says.
type Notifier struct {
	db      *db.DB
	now     func() time.Time
	domains Domains
}

// Domains is what NewPost asks the other domains, in the transaction of
// the new post (an error is returned, never taken for "no": on PostgreSQL
// a failed statement aborts the transaction, which is then run again).
type Domains struct {
	// MayRead reports whether a member may see a category's threads:
	// nobody is told of a thread in a private category they are not let
	// into (false for a member or category that is not there).
	MayRead func(ctx context.Context, tx *sql.Tx, userID, categoryID int64) (bool, error)
	// Member is the id of the member a lower-cased username names, 0 when
	// there is none.
	Member func(ctx context.Context, tx *sql.Tx, name string) (int64, error)
}

// New is the notifier over the database d, with the store's clock and
// what it asks the other domains.
func New(d *db.DB, now func() time.Time, domains Domains) *Notifier {
	return &Notifier{db: d, now: now, domains: domains}
}

// Record records a notification in the transaction of what caused it.
// Nobody is notified of their own actions.
func (n *Notifier) Record(ctx context.Context, tx *sql.Tx, userID, actorID int64, kind string, threadID, postID int64, text string) error {
	if userID == 0 || userID == actorID {
		return nil
	}
	nullable := func(id int64) any {
		if id == 0 {
			return nil
		}
		return id
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO notifications (user_id, kind, thread_id, post_id, actor_id, text, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, userID, kind, nullable(threadID), nullable(postID), nullable(actorID), text, n.now().Unix())
	if err != nil {
		return fmt.Errorf("notify user %d: %w", userID, err)
	}
	return nil
}

var mentionPattern = regexp.MustCompile(`(?:^|[^\w@/])@([A-Za-z0-9][A-Za-z0-9_.-]{1,28}[A-Za-z0-9])`)

// Mentions lists the distinct usernames @mentioned in a text, at most 10.
func Mentions(body string) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range mentionPattern.FindAllStringSubmatch(body, -1) {
		name := strings.ToLower(m[1])
		if !seen[name] && len(out) < 10 {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out
}

// UnreadCount is the number shown in the header.
func (n *Notifier) UnreadCount(ctx context.Context, userID int64) (int, error) {
	var count int
	if err := n.db.Reader(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL`, userID).Scan(&count); err != nil {
		return 0, fmt.Errorf("count notifications: %w", err)
	}
	return count, nil
}

// MarkRead marks one notification (or all, with id 0) as read.
func (n *Notifier) MarkRead(ctx context.Context, userID, id int64) error {
	q, args := `UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL`, []any{n.now().Unix(), userID}
	if id != 0 {
		q += ` AND id = ?`
		args = append(args, id)
	}
	if _, err := n.db.Exec(ctx, q, args...); err != nil {
		return fmt.Errorf("mark notifications read: %w", err)
	}
	return nil
}

// Watch starts or stops following a thread's replies.
func (n *Notifier) Watch(ctx context.Context, userID, threadID int64, watch bool) error {
	q := `INSERT INTO watches (user_id, thread_id) VALUES (?, ?) ON CONFLICT DO NOTHING`
	if !watch {
		q = `DELETE FROM watches WHERE user_id = ? AND thread_id = ?`
	}
	if _, err := n.db.Exec(ctx, q, userID, threadID); err != nil {
		return fmt.Errorf("watch thread %d: %w", threadID, err)
	}
	return nil
}

// Watching reports whether the user watches the thread.
func (n *Notifier) Watching(ctx context.Context, userID, threadID int64) (bool, error) {
	var count int
	err := n.db.Reader(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM watches WHERE user_id = ? AND thread_id = ?`, userID, threadID).Scan(&count)
	return count > 0, err
}

// watchers lists the members who watch a thread, in the transaction of a
// new post.
func watchers(ctx context.Context, tx *sql.Tx, threadID int64) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT user_id FROM watches WHERE thread_id = ?`, threadID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
