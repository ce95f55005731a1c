package notify

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/crowdcare/crowdcare/models/accounts"
	"github.com/crowdcare/crowdcare/models/forum"
	"github.com/crowdcare/crowdcare/models/policy"
)

// Notification is one item in a member's list.
type Notification struct {
	ID        int64
	Kind      string
	Text      string
	ThreadID  int64
	PostID    int64
	Actor     *accounts.UserRef // nil when no member acted (a promotion)
	Read      bool
	CreatedAt time.Time
}

// URL is where the notification leads.
func (n Notification) URL() string {
	switch {
	case n.PostID != 0:
		return "/p/" + strconv.FormatInt(n.PostID, 10)
	case n.ThreadID != 0:
		return "/t/" + strconv.FormatInt(n.ThreadID, 10)
	}
	return "/notifications"
}

// ListedCount counts a member's notifications as the forum's lists count
// their rows: up to forum.ListCountLimit+1 of them, so a member with a
// million notifications costs no more than one with a few thousand.
func (n *Notifier) ListedCount(ctx context.Context, userID int64) (int, error) {
	var count int
	err := n.db.Reader(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM notifications WHERE user_id = ? LIMIT ?) AS v`,
		userID, forum.ListCountLimit+1).Scan(&count)
	if err != nil {
		return 0, fmt.Errorf("count notifications: %w", err)
	}
	return count, nil
}

// ListPage lists page (from 1) of a member's notifications, newest first,
// forum.ThreadsPerPage to a page, each with the member who acted.
func (n *Notifier) ListPage(ctx context.Context, userID int64, page int) ([]Notification, error) {
	rows, err := n.db.Reader(ctx).QueryContext(ctx, `SELECT n.id, n.kind, n.text, COALESCE(n.thread_id, 0), COALESCE(n.post_id, 0),
		n.read_at IS NOT NULL, n.created_at, COALESCE(u.id, 0), COALESCE(u.username, ''), COALESCE(u.role, '')
		FROM notifications n LEFT JOIN users u ON u.id = n.actor_id WHERE n.user_id = ? ORDER BY n.id DESC LIMIT ? OFFSET ?`,
		userID, forum.ThreadsPerPage, (max(page, 1)-1)*forum.ThreadsPerPage)
	if err != nil {
		return nil, fmt.Errorf("list notifications: %w", err)
	}
	defer rows.Close()
	var out []Notification
	for rows.Next() {
		var item Notification
		var at int64
		var actor accounts.UserRef
		var role string
		if err := rows.Scan(&item.ID, &item.Kind, &item.Text, &item.ThreadID, &item.PostID, &item.Read, &at,
			&actor.ID, &actor.Username, &role); err != nil {
			return nil, fmt.Errorf("list notifications: %w", err)
		}
		if actor.ID != 0 {
			actor.Role = policy.Role(role)
			item.Actor = &actor
		}
		item.CreatedAt = time.Unix(at, 0)
		out = append(out, item)
	}
	return out, rows.Err()
}
