package social

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/crowdcare/crowdcare/models/db"
)

// An import stores the posts it reads as items a batch at a time, in the
// batch's transaction: what is stored already is dropped, each reply joins
// its parent's conversation (whether the parent is in the batch or stored
// before), and the rest is written with multi-row INSERTs on SQLite and
// with COPY on PostgreSQL (see models/socialcopy.go for why COPY is safe
// there). The store's import (models/socialimport.go, socialstream.go)
// decides which conversations become threads and writes those, in the
// same transaction.

// PendingItem is a read tweet waiting to be stored with its batch.
type PendingItem struct {
	ID, Conv, Parent, Handle, AuthorID, Name, Text, Lang string
	Format                                               string // the tweets.Format it was read from
	Brand, Official                                      bool
	Status, Reason                                       string
	Score                                                int
	RuleID                                               int64
	Created                                              int64
	Repeat                                               int64 // RepeatKey
	// Set when the item is stored as part of a new thread.
	ThreadID, PostID int64
}

// Item is the pending item as a stored one.
func (p *PendingItem) Item() Item {
	return Item{ID: p.ID, Parent: p.Parent, Handle: p.Handle, AuthorID: p.AuthorID, Name: p.Name, Text: p.Text, Status: p.Status,
		Lang: p.Lang, Format: p.Format, Brand: p.Brand, Official: p.Official, Created: p.Created, RuleID: p.RuleID}
}

// ItemCols is the number of values of a stored item.
const ItemCols = 23

// InsertItems stores new items of the import importID from source, read
// at now, with multi-row statements, and calls stored with each part a
// statement stored. Every caller has dropped what is stored already
// (ResolveBatch, in the same transaction), so each row is new; a
// statement that stores fewer rows than it was given fails the batch
// rather than miscount it.
func InsertItems(ctx context.Context, c db.Querier, items []PendingItem, source string, importID, now int64, stored func([]PendingItem)) error {
	tuple := "(" + db.Placeholders(ItemCols) + ")"
	args := make([]any, 0, min(len(items), BulkRows)*ItemCols)
	for start := 0; start < len(items); start += BulkRows {
		part := items[start:min(start+BulkRows, len(items))]
		args = args[:0]
		for i := range part {
			p := &part[i]
			args = append(args, p.ID, p.Conv, p.Parent, p.Handle, p.AuthorID, p.Name, p.Text, p.Lang, p.Lang != "",
				p.Brand, p.Official, p.Status, p.Reason, p.Score, p.Repeat, NullID(p.RuleID), NullID(p.ThreadID), NullID(p.PostID),
				source, importID, p.Created, now, p.Format)
		}
		res, err := c.ExecContext(ctx, `INSERT INTO social_items (tweet_id, conversation_id, in_reply_to_id, author_handle,
			author_id, author_name, text, lang, lang_checked, is_brand, official, status, filter_reason, spam_score, repeat_key, rule_id,
			thread_id, post_id, source, import_id, created_at, imported_at, source_format)
			VALUES `+strings.TrimSuffix(strings.Repeat(tuple+",", len(part)), ","), args...)
		if err != nil {
			return fmt.Errorf("store tweets: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != int64(len(part)) {
			return fmt.Errorf("store tweets: %d of %d stored (%v)", n, len(part), err)
		}
		stored(part)
	}
	return nil
}

// NullID is NULL for 0, so a foreign key is left empty.
func NullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Where a batch item's conversation begins.
const (
	FromUnknown = iota
	FromBatch   // at a root tweet in the batch
	FromStored  // at a stored tweet
	FromNowhere // at a parent nobody has stored
	FromCycle   // being followed (a loop of replies ends here)
)

// Joining is a stored reply whose parent a batch brings: its part of its
// conversation moves to the parent's.
type Joining struct {
	Child, Parent string
	From, To      string // its conversation and, as planned, the parent's
}

// ResolvedBatch is a batch's new items with their conversations: a reply
// joins its parent's, whether the parent is in the batch or stored before.
type ResolvedBatch struct {
	Keep  []PendingItem // new items, in batch order
	From  []int8        // where each one's conversation begins
	Dups  int           // imported before, or twice in the batch
	Joins []Joining
}

// ResolveBatch drops what is stored already, resolves the conversations of
// the rest, and finds the stored replies whose parents the batch brings.
// It changes nothing.
func (s *Social) ResolveBatch(ctx context.Context, c db.Querier, batch []PendingItem) (*ResolvedBatch, error) {
	ask := make([]string, 0, 2*len(batch))
	for i := range batch {
		ask = append(ask, batch[i].ID)
		if batch[i].Parent != "" {
			ask = append(ask, batch[i].Parent)
		}
	}
	stored, err := s.storedItems(ctx, c, ask)
	if err != nil {
		return nil, err
	}
	rb := &ResolvedBatch{Keep: make([]PendingItem, 0, len(batch))}
	// What was imported before, or earlier in this batch, is a duplicate.
	at := make(map[string]int, len(batch))
	for i := range batch {
		_, before := stored[batch[i].ID]
		_, twice := at[batch[i].ID]
		if before || twice {
			rb.Dups++
			continue
		}
		at[batch[i].ID] = len(rb.Keep)
		rb.Keep = append(rb.Keep, batch[i])
	}
	keep := rb.Keep
	rb.From = make([]int8, len(keep))
	from := rb.From
	var resolve func(i int) int8
	resolve = func(i int) int8 {
		if from[i] != FromUnknown {
			return from[i]
		}
		p := &keep[i]
		if p.Parent == "" {
			from[i] = FromBatch
			return FromBatch
		}
		if j, ok := at[p.Parent]; ok {
			from[i] = FromCycle
			f := resolve(j)
			if f == FromCycle {
				f = FromNowhere
			}
			p.Conv, from[i] = keep[j].Conv, f
			return f
		}
		if conv, ok := stored[p.Parent]; ok {
			p.Conv, from[i] = conv, FromStored
			return FromStored
		}
		from[i] = FromNowhere
		return FromNowhere
	}
	ids := make([]string, len(keep))
	for i := range keep {
		resolve(i)
		ids[i] = keep[i].ID
	}
	// Replies stored before their parents, which come now (their parents
	// are not stored: the batch's new tweets are not).
	rows, err := c.QueryContext(ctx, `SELECT in_reply_to_id, tweet_id, conversation_id FROM social_items
		WHERE in_reply_to_id != '' AND in_reply_to_id IN (`+s.db.JSONTexts("?")+`)`, db.StringList(ids))
	if err != nil {
		return nil, fmt.Errorf("find earlier replies: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var parent, child, conv string
		if err := rows.Scan(&parent, &child, &conv); err != nil {
			return nil, err
		}
		if to := keep[at[parent]].Conv; to != conv {
			rb.Joins = append(rb.Joins, Joining{Child: child, Parent: parent, From: conv, To: to})
		}
	}
	return rb, rows.Err()
}

// JoinReplies moves each joining reply, with the replies stored under it, to its
// parent's conversation, once the batch's items are stored. The parent's
// conversation is read as each moves: one reply's move may carry another's
// parent along, in any order.
func JoinReplies(ctx context.Context, c db.Querier, joins []Joining) error {
	for _, j := range joins {
		if _, err := c.ExecContext(ctx, `WITH RECURSIVE sub(id) AS (SELECT CAST(?1 AS TEXT)
				UNION SELECT s.tweet_id FROM social_items s JOIN sub ON s.in_reply_to_id = sub.id WHERE s.in_reply_to_id != '')
			UPDATE social_items SET conversation_id = (SELECT p.conversation_id FROM social_items p WHERE p.tweet_id = ?2)
			WHERE tweet_id IN (SELECT id FROM sub)`, j.Child, j.Parent); err != nil {
			return fmt.Errorf("join reply %s to its parent's conversation: %w", j.Child, err)
		}
	}
	return nil
}

// storedItems maps the stored tweets among ids to their conversations.
func (s *Social) storedItems(ctx context.Context, c db.Querier, ids []string) (map[string]string, error) {
	rows, err := c.QueryContext(ctx, `SELECT tweet_id, conversation_id FROM social_items WHERE tweet_id IN (`+s.db.JSONTexts("?")+`)`, db.StringList(ids))
	if err != nil {
		return nil, fmt.Errorf("find stored tweets: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, conv string
		if err := rows.Scan(&id, &conv); err != nil {
			return nil, err
		}
		out[id] = conv
	}
	return out, rows.Err()
}

// StoredConversations says, for each conversation among ids that has
// stored items, whether it has a thread.
func (s *Social) StoredConversations(ctx context.Context, c db.Querier, ids []string) (map[string]bool, error) {
	rows, err := c.QueryContext(ctx, `SELECT conversation_id, MAX(CASE WHEN thread_id IS NOT NULL THEN 1 ELSE 0 END) FROM social_items
		WHERE conversation_id IN (`+s.db.JSONTexts("?")+`) GROUP BY conversation_id`, db.StringList(ids))
	if err != nil {
		return nil, fmt.Errorf("find stored conversations: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		var thread bool
		if err := rows.Scan(&id, &thread); err != nil {
			return nil, err
		}
		out[id] = thread
	}
	return out, rows.Err()
}

// CopyRows stores rows of len(cols) values (args, row after row) in table:
// with COPY when c is an import's statement cache that has its
// transaction's connection, else with multi-row INSERTs (a dry run, whose
// transaction is not the store's). Booleans become the integers the schema
// keeps, as the driver passes them elsewhere. It returns how many rows were
// stored.
func CopyRows(ctx context.Context, c db.Querier, table string, cols []string, args []any) (int64, error) {
	if len(args) == 0 {
		return 0, nil
	}
	n := len(args) / len(cols)
	sc, ok := c.(*db.StmtCache)
	if !ok || sc.Conn == nil {
		err := ExecRows(ctx, c, `INSERT INTO `+table+` (`+strings.Join(cols, ", ")+`) VALUES `, "", len(cols), args)
		if err != nil {
			return 0, err
		}
		return int64(n), nil
	}
	for i, v := range args {
		if b, ok := v.(bool); ok {
			args[i] = int64(0)
			if b {
				args[i] = int64(1)
			}
		}
	}
	var copied int64
	err := db.PgxConn(ctx, sc.Conn, func(pc *pgx.Conn) error {
		var err error
		copied, err = pc.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromSlice(n, func(i int) ([]any, error) {
			return args[i*len(cols) : (i+1)*len(cols)], nil
		}))
		return err
	})
	return copied, err
}

// itemColumns are what InsertItems stores of an item.
func itemColumns() []string {
	return []string{"tweet_id", "conversation_id", "in_reply_to_id", "author_handle", "author_id", "author_name", "text",
		"lang", "lang_checked", "is_brand", "official", "status", "filter_reason", "spam_score", "repeat_key", "rule_id",
		"thread_id", "post_id", "source", "import_id", "created_at", "imported_at", "source_format"}
}

// CopyItems is InsertItems on PostgreSQL: one COPY for the lot.
func CopyItems(ctx context.Context, c db.Querier, items []PendingItem, source string, importID, now int64, stored func([]PendingItem)) error {
	args := make([]any, 0, len(items)*ItemCols)
	for i := range items {
		p := &items[i]
		args = append(args, p.ID, p.Conv, p.Parent, p.Handle, p.AuthorID, p.Name, p.Text, p.Lang, p.Lang != "",
			p.Brand, p.Official, p.Status, p.Reason, p.Score, p.Repeat, NullID(p.RuleID), NullID(p.ThreadID), NullID(p.PostID),
			source, importID, p.Created, now, p.Format)
	}
	n, err := CopyRows(ctx, c, "social_items", itemColumns(), args)
	if err != nil {
		return fmt.Errorf("store tweets: %w", err)
	}
	if n != int64(len(items)) {
		return fmt.Errorf("store tweets: %d of %d stored", n, len(items))
	}
	stored(items)
	return nil
}
