package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Notification kinds.
const (
	NotifyAnswer      = "answer"      // an answer to your question
	NotifyReply       = "reply"       // a reply on a thread you watch
	NotifyAccepted    = "accepted"    // your answer was accepted
	NotifyRecommended = "recommended" // your answer was recommended by the brand
	NotifyMention     = "mention"     // someone @mentioned you
	NotifyModeration  = "moderation"  // a moderator acted on your content or account
	NotifyPromotion   = "promotion"   // you became a superuser or ambassador
)

// Notification is one item in a user's list.
type Notification struct {
	ID        int64
	Kind      string
	Text      string
	ThreadID  int64
	PostID    int64
	Actor     *UserRef
	Read      bool
	CreatedAt time.Time
}

// URL is where the notification leads.
func (n Notification) URL() string {
	switch {
	case n.PostID != 0:
		return fmt.Sprintf("/p/%d", n.PostID)
	case n.ThreadID != 0:
		return fmt.Sprintf("/t/%d", n.ThreadID)
	}
	return "/notifications"
}

// notify records a notification in the transaction of what caused it.
// Nobody is notified of their own actions.
func (s *Store) notify(ctx context.Context, tx *sql.Tx, userID, actorID int64, kind string, threadID, postID int64, text string) error {
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
		VALUES (?, ?, ?, ?, ?, ?, ?)`, userID, kind, nullable(threadID), nullable(postID), nullable(actorID), text, s.now().Unix())
	if err != nil {
		return fmt.Errorf("notify user %d: %w", userID, err)
	}
	return nil
}

var mentionPattern = regexp.MustCompile(`(?:^|[^\w@/])@([A-Za-z0-9][A-Za-z0-9_.-]{1,28}[A-Za-z0-9])`)

// mentions lists the distinct usernames @mentioned in a text, at most 10.
func mentions(body string) []string {
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

// notifyNewPost tells the asker, the thread's watchers and anyone mentioned
// about a new answer (or, for a question, the people it mentions).
func (s *Store) notifyNewPost(ctx context.Context, tx *sql.Tx, author *User, t *Thread, postID int64, body string, question bool) error {
	told := map[int64]bool{author.ID: true}
	askerMay := false
	if !question {
		var err error
		if askerMay, err = mayRead(ctx, tx, t.Author.ID, t.Category.ID); err != nil {
			return err
		}
	}
	if askerMay {
		if err := s.notify(ctx, tx, t.Author.ID, author.ID, NotifyAnswer, t.ID, postID,
			author.Username+" answered your question “"+t.Title+"”"); err != nil {
			return err
		}
	}
	told[t.Author.ID] = true
	if !question {
		watchers, err := txIDs(ctx, tx, `SELECT user_id FROM watches WHERE thread_id = ?`, t.ID)
		if err != nil {
			return err
		}
		for _, w := range watchers {
			if told[w] {
				continue
			}
			may, err := mayRead(ctx, tx, w, t.Category.ID)
			if err != nil {
				return err
			}
			if may {
				told[w] = true
				if err := s.notify(ctx, tx, w, author.ID, NotifyReply, t.ID, postID,
					author.Username+" replied in “"+t.Title+"”"); err != nil {
					return err
				}
			}
		}
	}
	for _, name := range mentions(body) {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE lower(username) = ?`, name).Scan(&id)
		if err == sql.ErrNoRows || err == nil && told[id] {
			continue
		}
		if err != nil {
			return err
		}
		if may, err := mayRead(ctx, tx, id, t.Category.ID); err != nil {
			return err
		} else if !may {
			continue
		}
		told[id] = true
		if err := s.notify(ctx, tx, id, author.ID, NotifyMention, t.ID, postID,
			author.Username+" mentioned you in “"+t.Title+"”"); err != nil {
			return err
		}
	}
	return nil
}

// mayRead reports whether a user may see a category's threads: nobody is
// told about a thread in a private category they are not let into. An
// error is returned, not taken for "no": on PostgreSQL a failed statement
// (a serialization failure) aborts the transaction, which must then be
// run again, not go on to fail with "transaction is aborted".
func mayRead(ctx context.Context, tx *sql.Tx, userID, categoryID int64) (bool, error) {
	var role string
	var open bool
	err := tx.QueryRowContext(ctx, `SELECT u.role, c.group_name = '' OR EXISTS (
			SELECT 1 FROM user_groups g WHERE g.user_id = u.id AND g.group_name = c.group_name)
		FROM users u, categories c WHERE u.id = ? AND c.id = ?`, userID, categoryID).Scan(&role, &open)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("may user %d read category %d: %w", userID, categoryID, err)
	}
	return open || Role(role).Can(PermSeePrivate), nil
}

func txIDs(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]int64, error) {
	return column[int64](tx.QueryContext(ctx, q, args...))
}

// UnreadCount is the number shown in the header.
func (s *Store) UnreadCount(ctx context.Context, userID int64) (int, error) {
	var n int
	if err := s.reader(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL`, userID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count notifications: %w", err)
	}
	return n, nil
}

// NotificationList is a page of notifications.
type NotificationList struct {
	Items []Notification
	Paging
}

// Notifications lists a user's notifications, newest first.
func (s *Store) Notifications(ctx context.Context, userID int64, page int) (*NotificationList, error) {
	if err := checkListPage(page); err != nil {
		return nil, err
	}
	total, err := s.countUpTo(ctx, `SELECT 1 FROM notifications WHERE user_id = ?`, userID)
	if err != nil {
		return nil, fmt.Errorf("count notifications: %w", err)
	}
	list := &NotificationList{Paging: listPaging(page, total, ThreadsPerPage)}
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT n.id, n.kind, n.text, COALESCE(n.thread_id, 0), COALESCE(n.post_id, 0),
		n.read_at IS NOT NULL, n.created_at, COALESCE(u.id, 0), COALESCE(u.username, ''), COALESCE(u.role, '')
		FROM notifications n LEFT JOIN users u ON u.id = n.actor_id WHERE n.user_id = ? ORDER BY n.id DESC LIMIT ? OFFSET ?`,
		userID, ThreadsPerPage, (list.Page-1)*ThreadsPerPage)
	if err != nil {
		return nil, fmt.Errorf("list notifications: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var n Notification
		var at int64
		var actor UserRef
		var role string
		if err := rows.Scan(&n.ID, &n.Kind, &n.Text, &n.ThreadID, &n.PostID, &n.Read, &at, &actor.ID, &actor.Username, &role); err != nil {
			return nil, err
		}
		if actor.ID != 0 {
			actor.Role = Role(role)
			n.Actor = &actor
		}
		n.CreatedAt = time.Unix(at, 0)
		list.Items = append(list.Items, n)
	}
	return list, rows.Err()
}

// MarkRead marks one notification (or all, with id 0) as read.
func (s *Store) MarkRead(ctx context.Context, userID, id int64) error {
	q, args := `UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL`, []any{s.now().Unix(), userID}
	if id != 0 {
		q += ` AND id = ?`
		args = append(args, id)
	}
	if _, err := s.exec(ctx, q, args...); err != nil {
		return fmt.Errorf("mark notifications read: %w", err)
	}
	return nil
}

// Watch starts or stops following a thread's replies.
func (s *Store) Watch(ctx context.Context, userID, threadID int64, watch bool) error {
	q := `INSERT INTO watches (user_id, thread_id) VALUES (?, ?) ON CONFLICT DO NOTHING`
	if !watch {
		q = `DELETE FROM watches WHERE user_id = ? AND thread_id = ?`
	}
	if _, err := s.exec(ctx, q, userID, threadID); err != nil {
		return fmt.Errorf("watch thread %d: %w", threadID, err)
	}
	return nil
}

// Watching reports whether the user watches the thread.
func (s *Store) Watching(ctx context.Context, userID, threadID int64) (bool, error) {
	var n int
	err := s.reader(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM watches WHERE user_id = ? AND thread_id = ?`, userID, threadID).Scan(&n)
	return n > 0, err
}

// SetEmailNotifications turns a user's notification emails on or off.
func (s *Store) SetEmailNotifications(ctx context.Context, userID int64, on bool) error {
	_, err := s.exec(ctx, `UPDATE users SET email_notifications = ? WHERE id = ?`, on, userID)
	return err
}
