package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/crowdcare/crowdcare/tweets"
)

// LanguageDetector names the language of a text (ISO 639-1), or "" when
// unsure. It is called from several goroutines at once.
type LanguageDetector interface {
	Detect(text string) string
}

// ImportOptions says how tweets become forum content.
type ImportOptions struct {
	// BrandHandles are the brand's accounts (without "@"); their replies are
	// attributed to the official brand account, their own posts filtered.
	BrandHandles []string
	// Category receives the new threads (slug); "" means the default "general".
	Category string
	// Triage sends conversations to the inbox instead of making threads.
	Triage bool
	// DryRun does everything in a transaction that is rolled back, so the
	// summary says what would happen and nothing is kept.
	DryRun bool
	// Blocklist adds domains to the malware filter.
	Blocklist []string
	Actor     *User
	Source    string // "cli", "upload", "poll"
}

// SkippedRecord is a record a file could not give.
type SkippedRecord struct {
	File   string
	Line   int
	Reason string
}

// ImportSummary says what an import did, or with DryRun would do.
type ImportSummary struct {
	Read       int
	Imported   int // new items stored
	Duplicates int // already imported earlier (by tweet id)
	Filtered   map[string]int
	Threads    int // threads created
	Answers    int // answers added (to new or existing threads)
	Inbox      int // items waiting for triage
	Skipped    []SkippedRecord
	DryRun     bool
}

// FilteredTotal is the number of filtered items, all reasons together.
func (s *ImportSummary) FilteredTotal() int {
	n := 0
	for _, v := range s.Filtered {
		n += v
	}
	return n
}

// FilterReasons lists the reasons in a stable order, for reports.
func (s *ImportSummary) FilterReasons() []string {
	var out []string
	for k := range s.Filtered {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Importer stores tweets as social items in batches, then resolves
// conversations and turns them into threads. Use Add for each tweet, Skip for
// each unreadable record, then Finish.
type Importer struct {
	s     *Store
	opts  ImportOptions
	id    int64
	batch []any // the values of the items to store, itemCols a row
	sum   ImportSummary
	// A full batch is stored by a goroutine of its own while the next one
	// is read; stored gets its outcome.
	storing bool
	stored  chan error
	failed  error
	brand   map[string]bool
	seen    map[string]int // author+text -> times, for the spam score
	dryTx   *sql.Tx
	started time.Time
}

// importBatch is how many items one transaction stores.
const importBatch = 5000

// itemCols is the number of values of a stored item.
const itemCols = 17

// NewImporter starts an import.
func (s *Store) NewImporter(ctx context.Context, opts ImportOptions) (*Importer, error) {
	if opts.Category == "" {
		opts.Category = "general"
	}
	if _, err := s.CategoryBySlug(ctx, opts.Category); err != nil {
		return nil, &ValidationError{Fields: map[string]string{"category": fmt.Sprintf("There is no category %q.", opts.Category)}}
	}
	im := &Importer{s: s, opts: opts, brand: map[string]bool{}, seen: map[string]int{}, started: s.now(),
		sum: ImportSummary{Filtered: map[string]int{}, DryRun: opts.DryRun}, stored: make(chan error, 1)}
	for _, h := range opts.BrandHandles {
		im.brand[strings.ToLower(strings.TrimPrefix(strings.TrimSpace(h), "@"))] = true
	}
	// A counter taken in a write transaction: two imports started together
	// must not share an id, or each would resolve the other's items.
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO settings (key, value) VALUES ('import_seq',
			(SELECT COALESCE(MAX(import_id), 0) + 1 FROM social_items))
			ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1 RETURNING CAST(value AS INTEGER)`).Scan(&im.id)
	})
	if err != nil {
		return nil, fmt.Errorf("new import: %w", err)
	}
	if opts.DryRun {
		tx, err := s.w.BeginTx(ctx, nil)
		if err != nil {
			return nil, err
		}
		im.dryTx = tx
	}
	return im, nil
}

// write runs fn in the import's transaction: one per batch, or the single
// rolled-back transaction of a dry run.
func (im *Importer) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if im.dryTx != nil {
		return fn(im.dryTx)
	}
	return im.s.inTx(ctx, fn)
}

// Skip records a record the reader could not use.
func (im *Importer) Skip(file string, line int, reason string) {
	im.sum.Skipped = append(im.sum.Skipped, SkippedRecord{File: file, Line: line, Reason: reason})
}

// Add queues one tweet. Batches are stored in the background; an error
// storing one is returned by a later Add or by Finish.
func (im *Importer) Add(ctx context.Context, t tweets.Tweet) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if im.failed != nil {
		return im.failed
	}
	im.sum.Read++
	t.Text = cleanText(t.Text)
	brand := im.isBrand(t)
	status, reason, score := im.classify(t, brand)
	lang := t.Lang
	if pseudoLanguage(lang) {
		lang = "" // DetectLanguages fills it in after the import
	}
	conv := t.ConversationID
	if conv == "" {
		conv = t.ID
	}
	im.batch = append(im.batch, t.ID, conv, t.InReplyToID, t.AuthorHandle, t.AuthorID, t.AuthorName, t.Text, lang,
		lang != "", brand, status, reason, score, im.opts.Source, im.id, t.CreatedAt.Unix(), im.s.now().Unix())
	if len(im.batch) >= importBatch*itemCols {
		return im.flush(ctx)
	}
	return nil
}

func (im *Importer) isBrand(t tweets.Tweet) bool {
	return im.brand[strings.ToLower(t.AuthorHandle)] || (t.Inbound != nil && !*t.Inbound)
}

// classify applies the filters: what is filtered keeps its reason.
func (im *Importer) classify(t tweets.Tweet, brand bool) (status, reason string, score int) {
	key := strings.ToLower(t.AuthorHandle) + "\x00" + t.Text
	repeats := im.seen[key]
	if len(im.seen) < 200000 {
		im.seen[key]++
	}
	score = spamScore(t.Text, len(t.Mentions), len(t.URLs), len(t.Hashtags), repeats)
	switch {
	case t.Retweet:
		return "filtered", FilterRetweet, score
	case brand && t.InReplyToID == "":
		return "filtered", FilterBrand, score
	case !brand && (isPromotion(t.Text) || len(t.Hashtags) >= 5):
		return "filtered", FilterPromotion, score
	}
	for _, u := range t.URLs {
		if linkSuspicious(u, im.opts.Blocklist) {
			return "filtered", FilterMalware, score
		}
	}
	if !brand && score >= 3 {
		return "filtered", FilterSpam, score
	}
	return "new", "", score
}

// pseudoLanguage codes say "no language" rather than naming one.
func pseudoLanguage(code string) bool {
	switch code {
	case "", "und", "qme", "zxx", "qam", "qst", "qht", "art", "qct":
		return true
	}
	return false
}

// flush hands the queued items to a goroutine that stores them, after the
// batch before is stored, so at most two batches are in memory.
func (im *Importer) flush(ctx context.Context) error {
	if len(im.batch) == 0 {
		return nil
	}
	if err := im.wait(); err != nil {
		return err
	}
	batch := im.batch
	im.batch = make([]any, 0, importBatch*itemCols)
	im.storing = true
	// Statements run without the caller's cancellation: with it, the driver
	// starts a goroutine per statement. Add checks it between records.
	ctx = context.WithoutCancel(ctx)
	go func() {
		im.stored <- im.write(ctx, func(tx *sql.Tx) error { return im.storeItems(ctx, tx, batch) })
	}()
	return nil
}

// wait waits for the batch being stored, if any.
func (im *Importer) wait() error {
	if im.storing {
		im.storing = false
		im.failed = <-im.stored
	}
	return im.failed
}

// drain stores what is queued and waits until it is stored.
func (im *Importer) drain(ctx context.Context) error {
	if err := im.flush(ctx); err != nil {
		return err
	}
	return im.wait()
}

// storeItems inserts a batch with multi-row statements. An item already
// imported (by tweet id) is left as it is and counted as a duplicate.
func (im *Importer) storeItems(ctx context.Context, tx *sql.Tx, batch []any) error {
	c := newStmtCache(tx)
	defer c.close()
	tuple := "(" + placeholders(itemCols) + ")"
	for start := 0; start < len(batch); start += bulkRows * itemCols {
		end := min(start+bulkRows*itemCols, len(batch))
		n := (end - start) / itemCols
		rows, err := c.QueryContext(ctx, `INSERT INTO social_items (tweet_id, conversation_id, in_reply_to_id, author_handle,
			author_id, author_name, text, lang, lang_checked, is_brand, status, filter_reason, spam_score, source, import_id, created_at, imported_at)
			VALUES `+strings.TrimSuffix(strings.Repeat(tuple+",", n), ",")+` ON CONFLICT (tweet_id) DO NOTHING RETURNING filter_reason`,
			batch[start:end]...)
		if err != nil {
			return fmt.Errorf("store tweets: %w", err)
		}
		stored := 0
		for rows.Next() {
			var reason string
			if err := rows.Scan(&reason); err != nil {
				rows.Close()
				return err
			}
			stored++
			if reason != "" {
				im.sum.Filtered[reason]++
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store tweets: %w", err)
		}
		im.sum.Imported += stored
		im.sum.Duplicates += n - stored
	}
	return nil
}

// Finish stores what is queued, joins replies to their conversations and,
// unless triaging, turns conversations into threads.
func (im *Importer) Finish(ctx context.Context) (*ImportSummary, error) {
	if err := im.drain(ctx); err != nil {
		im.rollback()
		return nil, err
	}
	ctx = context.WithoutCancel(ctx)
	err := im.write(ctx, func(tx *sql.Tx) error {
		if err := im.resolveConversations(ctx, tx); err != nil {
			return err
		}
		if err := im.applyRules(ctx, tx); err != nil {
			return err
		}
		return nil
	})
	if err == nil {
		// While triaging this converts only what trusted rules matched.
		err = im.convertAll(ctx)
	}
	if err == nil {
		err = im.countInbox(ctx)
	}
	if im.dryTx != nil {
		im.rollback()
	}
	if err != nil {
		return nil, err
	}
	return &im.sum, nil
}

func (im *Importer) rollback() {
	if im.dryTx != nil {
		im.dryTx.Rollback()
		im.dryTx = nil
	}
}

// resolveConversations points every reply of this import at its
// conversation's root, following parents that are stored (from this file or
// an earlier one) until nothing changes. A reply whose parent is missing
// stays its own conversation.
func (im *Importer) resolveConversations(ctx context.Context, tx *sql.Tx) error {
	for i := 0; i < 500; i++ {
		res, err := tx.ExecContext(ctx, `UPDATE social_items SET conversation_id = (
				SELECT p.conversation_id FROM social_items p WHERE p.tweet_id = social_items.in_reply_to_id)
			WHERE import_id = ? AND in_reply_to_id != '' AND EXISTS (
				SELECT 1 FROM social_items p WHERE p.tweet_id = social_items.in_reply_to_id
				AND p.conversation_id != social_items.conversation_id)`, im.id)
		if err != nil {
			return fmt.Errorf("resolve conversations: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
	}
	return errors.New("resolve conversations: reply chains deeper than 500")
}

func (im *Importer) countInbox(ctx context.Context) error {
	q := `SELECT COUNT(*) FROM social_items WHERE import_id = ? AND status = 'new'`
	var row *sql.Row
	if im.dryTx != nil {
		row = im.dryTx.QueryRowContext(ctx, q, im.id)
	} else {
		row = im.s.r.QueryRowContext(ctx, q, im.id)
	}
	return row.Scan(&im.sum.Inbox)
}

// LinkPlaceholder hands an imported profile's posts to a real account and
// makes later imports from that handle use the real account too.
func (s *Store) LinkPlaceholder(ctx context.Context, actor *User, placeholderID int64, username string) error {
	if !actor.Can(PermManageRoles) {
		return ErrForbidden
	}
	ph, err := s.UserByID(ctx, placeholderID)
	if err != nil {
		return err
	}
	if !ph.Imported {
		return &ErrNotAllowed{Reason: "Only a profile imported from X can be linked."}
	}
	real, err := s.UserByUsername(ctx, username)
	if err != nil || real.Imported {
		return &ValidationError{Fields: map[string]string{"username": "Give the username of a real account."}}
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		// Everything the profile earned or follows moves to the account.
		for _, q := range []string{
			`UPDATE posts SET author_id = ?1 WHERE author_id = ?2`,
			`UPDATE threads SET author_id = ?1 WHERE author_id = ?2`,
			`UPDATE threads SET accepted_author_id = ?1 WHERE accepted_author_id = ?2`,
			`UPDATE reputation_events SET user_id = ?1 WHERE user_id = ?2`,
			`UPDATE reputation_events SET actor_id = ?1 WHERE actor_id = ?2`,
			`UPDATE notifications SET user_id = ?1 WHERE user_id = ?2`,
			`INSERT OR IGNORE INTO watches (user_id, thread_id) SELECT ?1, thread_id FROM watches WHERE user_id = ?2`,
			`DELETE FROM watches WHERE user_id = ?2 AND ?1 IS NOT NULL`,
			`UPDATE users SET reputation = reputation + (SELECT reputation FROM users WHERE id = ?2) WHERE id = ?1`,
			`UPDATE users SET reputation = 0, linked_to = ?1 WHERE id = ?2`,
		} {
			if _, err := tx.ExecContext(ctx, q, real.ID, ph.ID); err != nil {
				return err
			}
		}
		var total int
		var role string
		if err := tx.QueryRowContext(ctx, `SELECT reputation, role FROM users WHERE id = ?`, real.ID).Scan(&total, &role); err != nil {
			return err
		}
		if err := s.promoteIfEarned(ctx, tx, real.ID, role, total); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET x_handle = ? WHERE id = ? AND x_handle = ''`, ph.XHandle, real.ID); err != nil {
			return err
		}
		return logAction(ctx, tx, s.now(), actor, "link_placeholder", "user", ph.ID, "@"+ph.XHandle+" to "+real.Username)
	})
}

// DetectLanguages names the language of up to limit imported posts whose
// source did not, on every core, and returns how many it looked at.
func (s *Store) DetectLanguages(ctx context.Context, det LanguageDetector, limit int) (int, error) {
	return s.detectAndStore(ctx, det, `SELECT tweet_id, text FROM social_items WHERE lang_checked = 0 LIMIT ?`,
		`UPDATE social_items SET lang = ?, lang_checked = 1 WHERE tweet_id = ?`, limit)
}
