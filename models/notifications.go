package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/crowdcare/crowdcare/models/notify"
)

// Notifications and watches live in models/notify (their SQL, the kinds,
// who is mentioned in a text); Store embeds a *notify.Notifier, so handlers
// call store.UnreadCount, MarkRead, Watch and Watching as before. These
// aliases keep the kinds' names.

// Notification kinds (notify's).
const (
	NotifyAnswer      = notify.KindAnswer
	NotifyReply       = notify.KindReply
	NotifyAccepted    = notify.KindAccepted
	NotifyRecommended = notify.KindRecommended
	NotifyMention     = notify.KindMention
	NotifyModeration  = notify.KindModeration
	NotifyPromotion   = notify.KindPromotion
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

// notify records a notification in the transaction of what caused it
// (notify.Notifier.Record): nobody is notified of their own actions.
func (s *Store) notify(ctx context.Context, tx *sql.Tx, userID, actorID int64, kind string, threadID, postID int64, text string) error {
	return s.Notifier.Record(ctx, tx, userID, actorID, kind, threadID, postID, text)
}

// newNotifier is the notifier over the store's database and clock.
func (s *Store) newNotifier() *notify.Notifier { return notify.New(s.db, s.now) }

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
		watchers, err := notify.Watchers(ctx, tx, t.ID)
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
	for _, name := range notify.Mentions(body) {
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
