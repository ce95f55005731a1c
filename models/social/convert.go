package social

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"

	"github.com/crowdcare/crowdcare/models/db"
)

// The items' side of converting conversations into threads: what the
// store's conversion (models/socialconvert.go, socialbulk.go) reads of the
// items and how it marks them, each in the transaction (or through the
// readers) it is given. The threads, posts and profiles it writes are the
// store's.

// LoadConversation reads every item of a conversation in the order of time.
func LoadConversation(ctx context.Context, c db.Querier, conv string) ([]Item, error) {
	rows, err := c.QueryContext(ctx, `SELECT `+ItemColumns+` FROM social_items WHERE conversation_id = ? ORDER BY created_at, tweet_id`, conv)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var items []Item
	for rows.Next() {
		it, err := ScanItem(rows)
		if err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return items, rows.Err()
}

// LoadConversations reads every item of the given conversations, each
// conversation's in the order of time.
func (s *Social) LoadConversations(ctx context.Context, c db.Querier, convs []string) (map[string][]Item, error) {
	rows, err := c.QueryContext(ctx, `SELECT `+ItemColumns+`, conversation_id
		FROM social_items WHERE conversation_id IN (`+s.db.JSONTexts("?")+`)`, db.StringList(convs))
	if err != nil {
		return nil, fmt.Errorf("load conversations: %w", err)
	}
	defer rows.Close()
	out := make(map[string][]Item, len(convs))
	for rows.Next() {
		var conv string
		it, err := ScanItem(rows, &conv)
		if err != nil {
			return nil, err
		}
		out[conv] = append(out[conv], it)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, items := range out {
		sort.Slice(items, func(i, j int) bool {
			if items[i].Created != items[j].Created {
				return items[i].Created < items[j].Created
			}
			return items[i].ID < items[j].ID
		})
	}
	return out, nil
}

// ConversationQueue lists the conversations with new items, oldest first:
// those of the imports publish, and those a trusted rule matched of the
// imports triage.
func (s *Social) ConversationQueue(ctx context.Context, c db.Querier, publish, triage []int64) ([]string, error) {
	q := `SELECT conversation_id FROM social_items
		WHERE status = 'new' AND (import_id IN (` + s.db.JSONInts("?1") + `) OR import_id IN (` + s.db.JSONInts("?2") + `))
		GROUP BY conversation_id
		HAVING MAX(CASE WHEN import_id IN (` + s.db.JSONInts("?1") + `) THEN 1 ELSE 0 END) = 1
			OR MAX(CASE WHEN import_id IN (` + s.db.JSONInts("?2") + `)
				AND rule_id IN (SELECT id FROM social_rules WHERE trusted = 1 AND active = 1) THEN 1 ELSE 0 END) = 1
		ORDER BY MIN(created_at), conversation_id`
	out, err := db.Column[string](c.QueryContext(ctx, q, db.IDList(publish), db.IDList(triage)))
	if err != nil {
		return nil, fmt.Errorf("list conversations: %w", err)
	}
	return out, nil
}

// ConversationsOfItems lists the distinct conversations of the items ids,
// in order.
func (s *Social) ConversationsOfItems(ctx context.Context, c db.Querier, ids []string) ([]string, error) {
	return db.Column[string](c.QueryContext(ctx, `SELECT DISTINCT conversation_id FROM social_items
		WHERE tweet_id IN (`+s.db.JSONTexts("?")+`) ORDER BY conversation_id`, db.StringList(ids)))
}

// ChangedItems lists the items among ids that are no longer new or have a
// thread.
func (s *Social) ChangedItems(ctx context.Context, c db.Querier, ids []string) ([]string, error) {
	return db.Column[string](c.QueryContext(ctx, `SELECT tweet_id FROM social_items
		WHERE tweet_id IN (`+s.db.JSONTexts("?")+`) AND (status != 'new' OR thread_id IS NOT NULL)`, db.StringList(ids)))
}

// MarkConverted records that item id asked thread threadID as its
// question, post postID.
func MarkConverted(ctx context.Context, c db.Querier, id string, threadID, postID int64) error {
	_, err := c.ExecContext(ctx, `UPDATE social_items SET status = 'converted', thread_id = ?, post_id = ? WHERE tweet_id = ?`,
		threadID, postID, id)
	return err
}

// MarkAppended records that item id went to thread threadID as post
// postID (an answer, or context the question postID quotes).
func MarkAppended(ctx context.Context, c db.Querier, id string, threadID, postID int64) error {
	_, err := c.ExecContext(ctx, `UPDATE social_items SET status = 'appended', thread_id = ?, post_id = ? WHERE tweet_id = ?`,
		threadID, postID, id)
	return err
}

// MarkAnswered records that item id became post postID, an answer in
// thread threadID: appended if it was new, else its status kept.
func MarkAnswered(ctx context.Context, c db.Querier, id string, threadID, postID int64) error {
	_, err := c.ExecContext(ctx, `UPDATE social_items SET status = CASE WHEN status = 'new' THEN 'appended' ELSE status END,
		thread_id = ?, post_id = ? WHERE tweet_id = ?`, threadID, postID, id)
	return err
}

// UnmarkQuestion records that post postID no longer asks its thread's
// question: the item it was converted from is appended.
func UnmarkQuestion(ctx context.Context, c db.Querier, postID int64) error {
	_, err := c.ExecContext(ctx, `UPDATE social_items SET status = 'appended' WHERE post_id = ? AND status = 'converted'`, postID)
	return err
}

// MoveItems records that thread from's items went to thread into (merged):
// its question's item is appended there.
func MoveItems(ctx context.Context, c db.Querier, from, into int64) error {
	_, err := c.ExecContext(ctx, `UPDATE social_items SET thread_id = ?, status = CASE WHEN status = 'converted' THEN 'appended' ELSE status END
			WHERE thread_id = ?`, into, from)
	return err
}

// RuleCategory is the category of rule ruleID's new threads, 0 when it has
// none (or there is no such rule).
func RuleCategory(ctx context.Context, c db.Querier, ruleID int64) (int64, error) {
	var id int64
	err := c.QueryRowContext(ctx, `SELECT COALESCE(category_id, 0) FROM social_rules WHERE id = ?`, ruleID).Scan(&id)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	return id, nil
}

// MarkItems marks stored items converted or appended to the threads and
// posts an import's batch made: rows of (tweet id, status, thread, post),
// one UPDATE … FROM (VALUES …) a BulkRows rows (typed on PostgreSQL, which
// would take the values for text).
func (s *Social) MarkItems(ctx context.Context, c db.Querier, rows []any) error {
	tuple := ""
	if s.db.Engine() == db.Postgres {
		tuple = TypedTuple("TEXT", "TEXT", "BIGINT", "BIGINT")
	}
	return ExecTuples(ctx, c, `UPDATE social_items SET status = v.column2, thread_id = v.column3, post_id = v.column4 FROM (VALUES `,
		tuple, `) AS v WHERE social_items.tweet_id = v.column1`, 4, rows)
}
