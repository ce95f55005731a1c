package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/crowdcare/crowdcare/models/notify"
)

// Notifications and watches live in models/notify (their SQL, the kinds,
// the list's rows, who is told of a new post); Store embeds a
// *notify.Notifier, so handlers call store.UnreadCount, MarkRead, Watch and
// Watching as before. These aliases keep the kinds' and the item's names.
// What stays here: the list's page (NotificationList embeds Paging, still
// models'), the visibility rule notify asks (mayRead) and the users look-up
// of a mentioned name, handed to notify.New.

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

// Notification is one item in a user's list. Alias: moved to models/notify.
type Notification = notify.Notification

// notify records a notification in the transaction of what caused it
// (notify.Notifier.Record): nobody is notified of their own actions.
func (s *Store) notify(ctx context.Context, tx *sql.Tx, userID, actorID int64, kind string, threadID, postID int64, text string) error {
	return s.Notifier.Record(ctx, tx, userID, actorID, kind, threadID, postID, text)
}

// newNotifier is the notifier over the store's database and clock, asking
// in a new post's transaction whether a member may read the thread
// (mayRead) and whom a mentioned name is.
func (s *Store) newNotifier() *notify.Notifier {
	return notify.New(s.db, s.now, notify.Domains{MayRead: mayRead,
		Member: func(ctx context.Context, tx *sql.Tx, name string) (int64, error) {
			var id int64
			err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE lower(username) = ?`, name).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				return 0, nil
			}
			if err != nil {
				return 0, fmt.Errorf("member named %q: %w", name, err)
			}
			return id, nil
		}})
}

// notifyNewPost tells the asker, the thread's watchers and anyone mentioned
// about a new answer (or, for a question, the people it mentions):
// notify.Notifier.NewPost, in the transaction that published it.
func (s *Store) notifyNewPost(ctx context.Context, tx *sql.Tx, author *User, t *Thread, postID int64, body string, question bool) error {
	return s.Notifier.NewPost(ctx, tx, author.Ref(), t, postID, body, question)
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

// Notifications lists a user's notifications, newest first (notify's
// ListedCount and ListPage, paged as the forum's lists are).
func (s *Store) Notifications(ctx context.Context, userID int64, page int) (*NotificationList, error) {
	if err := checkListPage(page); err != nil {
		return nil, err
	}
	total, err := s.ListedCount(ctx, userID)
	if err != nil {
		return nil, err
	}
	list := &NotificationList{Paging: listPaging(page, total, ThreadsPerPage)}
	if list.Items, err = s.ListPage(ctx, userID, list.Page); err != nil {
		return nil, err
	}
	return list, nil
}
