package social

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/crowdcare/crowdcare/models/db"
)

// InboxItem is one imported post as the triage inbox shows it.
type InboxItem struct {
	TweetID      string
	ParentID     string
	Handle       string
	Name         string
	Text         string
	Lang         string
	Status       string
	FilterReason string
	Brand        bool
	SpamScore    int
	RuleName     string
	ThreadID     int64
	CreatedAt    time.Time
	Format       string // the tweets.Format it was read from
}

// URL is the post on X, or "" when its source's ids are not X's.
func (i InboxItem) URL() string { return TweetURL(i.Handle, i.TweetID, i.Format) }

// InboxConversation is a conversation with at least one item in the view.
type InboxConversation struct {
	ID    string
	Items []InboxItem
}

// InboxQuery selects a page of the inbox.
type InboxQuery struct {
	Status string // new (default), filtered, dismissed, spam, converted
	Lang   string
	RuleID int64
	Page   int
}

// InboxStatuses are the views of the inbox.
func InboxStatuses() []string { return []string{"new", "filtered", "dismissed", "spam", "converted"} }

// inboxWhere is the WHERE clause of the items q selects, and its
// arguments. The converted view also shows the items appended to a thread.
func inboxWhere(q InboxQuery) (string, []any) {
	status := q.Status
	if status == "" {
		status = "new"
	}
	statuses := []string{status}
	if status == "converted" {
		statuses = append(statuses, "appended")
	}
	where := ` WHERE status IN (` + db.Placeholders(len(statuses)) + `)`
	var args []any
	for _, st := range statuses {
		args = append(args, st)
	}
	if q.Lang != "" {
		where += ` AND lang = ?`
		args = append(args, q.Lang)
	}
	if q.RuleID != 0 {
		where += ` AND rule_id = ?`
		args = append(args, q.RuleID)
	}
	return where, args
}

// CountInboxConversations counts the conversations with items q selects,
// stopping after upTo of them.
func (s *Social) CountInboxConversations(ctx context.Context, q InboxQuery, upTo int) (int, error) {
	where, args := inboxWhere(q)
	var n int
	err := s.db.Reader(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT DISTINCT conversation_id FROM social_items`+where+` LIMIT ?) AS v`,
		append(args, upTo)...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count inbox: %w", err)
	}
	return n, nil
}

// InboxConversations reads limit conversations with items q selects, after
// skipping offset, newest activity first, each with its items (up to 200).
func (s *Social) InboxConversations(ctx context.Context, q InboxQuery, limit, offset int) ([]InboxConversation, error) {
	where, args := inboxWhere(q)
	convs, err := db.Column[string](s.db.Reader(ctx).QueryContext(ctx, `SELECT conversation_id FROM social_items`+where+` GROUP BY conversation_id
		ORDER BY MAX(created_at) DESC LIMIT ? OFFSET ?`, append(args, limit, offset)...))
	if err != nil {
		return nil, err
	}
	var out []InboxConversation
	for _, c := range convs {
		items, err := s.conversationItems(ctx, c)
		if err != nil {
			return nil, err
		}
		out = append(out, InboxConversation{ID: c, Items: items})
	}
	return out, nil
}

// InboxLanguages lists the languages items have, for the inbox's filter.
func (s *Social) InboxLanguages(ctx context.Context) ([]string, error) {
	return db.Column[string](s.db.Reader(ctx).QueryContext(ctx, `SELECT DISTINCT lang FROM social_items WHERE lang != '' ORDER BY lang`))
}

// InboxCounts counts the items in each view of the inbox (appended ones
// with the converted).
func (s *Social) InboxCounts(ctx context.Context) (map[string]int, error) {
	counts := map[string]int{}
	rows, err := s.db.Reader(ctx).QueryContext(ctx, `SELECT status, COUNT(*) FROM social_items GROUP BY status`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		if st == "appended" {
			st = "converted"
		}
		counts[st] += n
	}
	return counts, rows.Err()
}

func (s *Social) conversationItems(ctx context.Context, conv string) ([]InboxItem, error) {
	rows, err := s.db.Reader(ctx).QueryContext(ctx, `SELECT i.tweet_id, i.in_reply_to_id, i.author_handle, i.author_name, i.text, i.lang, i.status,
		i.filter_reason, i.is_brand, i.spam_score, COALESCE(r.name, ''), COALESCE(i.thread_id, 0), i.created_at, i.source_format
		FROM social_items i LEFT JOIN social_rules r ON r.id = i.rule_id WHERE i.conversation_id = ? ORDER BY i.created_at, i.tweet_id LIMIT 200`, conv)
	if err != nil {
		return nil, fmt.Errorf("load conversation %s: %w", conv, err)
	}
	defer rows.Close()
	var out []InboxItem
	for rows.Next() {
		var it InboxItem
		var at int64
		if err := rows.Scan(&it.TweetID, &it.ParentID, &it.Handle, &it.Name, &it.Text, &it.Lang, &it.Status, &it.FilterReason,
			&it.Brand, &it.SpamScore, &it.RuleName, &it.ThreadID, &at, &it.Format); err != nil {
			return nil, err
		}
		it.CreatedAt = time.Unix(at, 0)
		out = append(out, it)
	}
	return out, rows.Err()
}

// ConversationsOf maps selected item ids (at least one) to their distinct
// conversations, in the transaction of the step that converts them.
func ConversationsOf(ctx context.Context, tx *sql.Tx, ids []string) ([]string, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return db.Column[string](tx.QueryContext(ctx, `SELECT DISTINCT conversation_id FROM social_items WHERE tweet_id IN (`+db.Placeholders(len(ids))+`)`, args...))
}

// ConversationThread is the thread a converted conversation's items went
// to (sql.ErrNoRows when none did).
func ConversationThread(ctx context.Context, tx *sql.Tx, conv string) (int64, error) {
	var tid int64
	err := tx.QueryRowContext(ctx, `SELECT thread_id FROM social_items WHERE conversation_id = ? AND thread_id IS NOT NULL LIMIT 1`,
		conv).Scan(&tid)
	return tid, err
}

// ItemByID reads one item in the transaction tx (sql.ErrNoRows when there
// is none).
func ItemByID(ctx context.Context, tx *sql.Tx, id string) (Item, error) {
	return ScanItem(tx.QueryRowContext(ctx, `SELECT `+ItemColumns+` FROM social_items WHERE tweet_id = ?`, id))
}

// CanSetStatus reports whether status is one SetStatus sets: dismissed,
// spam, or new (restored).
func CanSetStatus(status string) bool { return statusFrom(status) != "" }

// statusFrom lists, as SQL, the states the triage action that sets status
// takes items from.
func statusFrom(status string) string {
	switch status {
	case "dismissed":
		return "'new'"
	case "spam":
		return "'new', 'filtered'"
	case "new":
		return "'filtered', 'dismissed', 'spam'"
	}
	return ""
}

// SetStatus dismisses, marks as spam, or restores (status "new", which
// clears the filter's reason) the items ids (at least one) that are in a
// state the action takes them from, in the transaction of the step that
// does it, and returns how many it changed.
func SetStatus(ctx context.Context, tx *sql.Tx, ids []string, status string) (int64, error) {
	from := statusFrom(status)
	if from == "" {
		return 0, fmt.Errorf("no triage action sets %q", status)
	}
	args := []any{status}
	for _, id := range ids {
		args = append(args, id)
	}
	res, err := tx.ExecContext(ctx, `UPDATE social_items SET status = ?, filter_reason = CASE WHEN ?1 = 'new' THEN '' ELSE filter_reason END
			WHERE tweet_id IN (`+db.Placeholders(len(ids))+`) AND status IN (`+from+`)`, args...)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return n, nil
}
