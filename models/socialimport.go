package models

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"strings"

	"github.com/crowdcare/crowdcare/models/notallowed"
	"github.com/crowdcare/crowdcare/models/social"
	"github.com/crowdcare/crowdcare/tweets"
)

// ImportOptions says how tweets become forum content.
type ImportOptions struct {
	// BrandHandles are the brand's accounts (without "@"); their replies are
	// answers by the brand's official account (an ambassador profile),
	// their own posts filtered. The support CSV's inbound=False marks the
	// company side of its conversations, which answers too, but only these
	// handles are this brand's: other companies' accounts are plain
	// imported profiles.
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
	// Operator says who ran an import no account did (the command line);
	// with Actor or Operator set, the import writes one audit-log line.
	Operator string
	// Files names what was read, for the audit log.
	Files []string
	// Job is the import_jobs row this import runs as (0: none, as a dry
	// run); it records the import's id, so a later import can finish what
	// this one left waiting if its process dies.
	Job int64
}

// What an import did, and the records it could not read (models/social):
// aliases for the handlers, the workers and the command.
type (
	ImportSummary = social.ImportSummary // alias: moved to models/social
	SkippedRecord = social.SkippedRecord // alias: moved to models/social
)

// Importer stores tweets as social items in batches, then resolves
// conversations and turns them into threads. Use Add for each tweet, Skip for
// each unreadable record, then Finish.
type Importer struct {
	s     *Store
	opts  ImportOptions
	id    int64
	batch []social.PendingItem // read, waiting to be stored
	sum   ImportSummary
	// Full batches are stored by goroutines of their own, one after the
	// other, while the next one is read.
	last, older *storeJob
	failed      error
	brand       map[string]bool
	aud         *social.Audience // who the brand is and what it took part in, for the ad filter
	dryTx       *sql.Tx
	rules       []SocialRule
	// batchSize is how many items one transaction stores (importBatch;
	// tests use small ones to cut conversations across batches).
	batchSize int
	released  bool
	// Only the goroutine storing batches uses these (and Finish, after).
	cats    map[int64]int64 // rule -> category of its new threads
	waiting int             // new items left for Finish to convert
	mend    []string        // replies whose earlier threads joined a conversation: Finish converts it
	// Interrupted imports whose waiting items Finish converts too, as
	// their own Finish would have (publishing, or triaging: only trusted
	// rules' matches).
	resumePublish, resumeTriage []int64
	// conn is the connection of the transaction write runs, for COPY on
	// PostgreSQL; nil outside one, on SQLite and in a dry run.
	conn *sql.Conn
}

// BrandHandles reads the brand's accounts as a form, a flag or the
// environment gives them: entries may be comma-separated and start with "@";
// empty entries are dropped (an empty handle would make every tweet without
// an author the brand's), and anything X would not accept as a handle is a
// ValidationError on the field "brand_handle".
func BrandHandles(entries []string) ([]string, error) {
	var out []string
	for _, e := range entries {
		for _, h := range strings.Split(e, ",") {
			h = strings.TrimPrefix(strings.TrimSpace(h), "@")
			if h == "" {
				continue
			}
			if !tweets.ValidHandle(h) {
				return nil, &ValidationError{Fields: map[string]string{"brand_handle": fmt.Sprintf(
					"%q is not an X handle: 1 to 15 letters, digits or _, separated by commas.", truncateRunes(h, 30))}}
			}
			out = append(out, h)
		}
	}
	return out, nil
}

// importBatch is how many items one transaction stores.
const importBatch = 5000

// CheckImportOptions refuses what NewImporter would: a category that does
// not exist, brand handles X would not accept (ValidationErrors).
func (s *Store) CheckImportOptions(ctx context.Context, opts ImportOptions) error {
	_, _, err := s.importOptions(ctx, opts)
	return err
}

// importOptions is opts with the category's default filled in, and the
// brand handles parsed, or why they cannot be used.
func (s *Store) importOptions(ctx context.Context, opts ImportOptions) (ImportOptions, []string, error) {
	if opts.Category == "" {
		opts.Category = "general"
	}
	if _, err := s.CategoryBySlug(ctx, opts.Category); err != nil {
		return opts, nil, &ValidationError{Fields: map[string]string{"category": fmt.Sprintf("There is no category %q.", opts.Category)}}
	}
	brands, err := BrandHandles(opts.BrandHandles)
	return opts, brands, err
}

// NewImporter starts an import.
func (s *Store) NewImporter(ctx context.Context, opts ImportOptions) (*Importer, error) {
	opts, brands, err := s.importOptions(ctx, opts)
	if err != nil {
		return nil, err
	}
	im := &Importer{s: s, opts: opts, brand: map[string]bool{}, batchSize: importBatch,
		sum: ImportSummary{Filtered: map[string]int{}, DryRun: opts.DryRun}, cats: map[int64]int64{}}
	// The rules as the import starts apply to all of it, as a category does.
	rules, err := social.LoadRules(ctx, s.db.Primary())
	if err != nil {
		return nil, err
	}
	im.rules = rules
	for _, h := range brands {
		im.brand[strings.ToLower(h)] = true
	}
	im.aud = social.NewAudience(brands)
	// A counter taken in a write transaction: two imports started together
	// must not share an id, or each would resolve the other's items.
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		im.id, err = s.NextImportID(ctx, tx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("new import: %w", err)
	}
	if opts.Job != 0 && !opts.DryRun {
		if err := s.SetJobImport(ctx, opts.Job, im.id); err != nil {
			return nil, fmt.Errorf("new import: %w", err)
		}
	}
	if err := s.beginBulkWrite(ctx); err != nil {
		return nil, err
	}
	if opts.DryRun {
		tx, err := s.db.W().BeginTx(ctx, nil)
		if err != nil {
			im.release(ctx)
			return nil, err
		}
		im.dryTx = tx
	}
	return im, nil
}

// write runs fn in the import's transaction: one per batch, or the single
// rolled-back transaction of a dry run. What fn counted is taken back when
// its transaction is, so a summary never counts what was not stored, nor
// twice what a transaction run again stored (PostgreSQL runs one again
// when a concurrent one made it fail).
func (im *Importer) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if im.dryTx != nil {
		return fn(im.dryTx)
	}
	before := im.counted()
	err := im.s.inBulkTx(ctx, func(conn *sql.Conn, tx *sql.Tx) error {
		im.uncount(before)
		im.conn = conn
		defer func() { im.conn = nil }()
		return fn(tx)
	})
	if err != nil {
		im.uncount(before)
	}
	return err
}

// stmts is a statement cache for the import's transaction tx, which
// writes in bulk through the transaction's connection when write gave it
// one (COPY, on PostgreSQL).
func (im *Importer) stmts(tx *sql.Tx) *stmtCache {
	c := newStmtCache(tx)
	c.Conn = im.conn
	return c
}

// batchCounts is what storing a batch adds to: the summary's fields the
// storing goroutine writes (Read and Skipped belong to the reader's).
type batchCounts struct {
	imported, duplicates, threads, answers, merged, waiting int
	filtered                                                map[string]int
	mend                                                    int
}

func (im *Importer) counted() batchCounts {
	return batchCounts{im.sum.Imported, im.sum.Duplicates, im.sum.Threads, im.sum.Answers, im.sum.Merged, im.waiting,
		maps.Clone(im.sum.Filtered), len(im.mend)}
}

func (im *Importer) uncount(c batchCounts) {
	im.sum.Imported, im.sum.Duplicates, im.sum.Threads, im.sum.Answers, im.sum.Merged, im.waiting =
		c.imported, c.duplicates, c.threads, c.answers, c.merged, c.waiting
	im.sum.Filtered = maps.Clone(c.filtered)
	im.mend = im.mend[:c.mend]
}

// Skip records the records a read of input could not use. A skip inside a
// ZIP is named input:entry; with input "" (an upload, whose job page names
// it) the entry alone.
func (im *Importer) Skip(input string, skipped []tweets.Skip) {
	for _, sk := range skipped {
		file := sk.File
		switch {
		case input != "" && file != "":
			file = input + ":" + file
		case input != "":
			file = input
		}
		im.sum.Skipped = append(im.sum.Skipped, SkippedRecord{File: file, Line: sk.Line, Reason: sk.Report()})
	}
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
	if !validXID(t.AuthorID) {
		t.AuthorID = "" // not an X id: the handle (or nobody) names the author
	}
	brand := im.isBrand(t)
	im.aud.Note(t, brand)
	status, reason, score := im.classify(t, brand)
	var repeat int64
	if !brand { // the brand's replies are never spam
		repeat = social.RepeatKey(t.AuthorID, t.AuthorHandle, t.Text)
	}
	lang := t.Lang
	if social.PseudoLanguage(lang) {
		lang = "" // DetectLanguages fills it in after the import
	}
	conv := t.ConversationID
	if conv == "" {
		conv = t.ID
	}
	var rule int64
	if status == "new" {
		rule = im.matchRule(t.Text, t.AuthorHandle)
	}
	im.batch = append(im.batch, social.PendingItem{ID: t.ID, Conv: conv, Parent: t.InReplyToID, Handle: t.AuthorHandle,
		AuthorID: t.AuthorID, Name: t.AuthorName, Text: t.Text, Lang: lang, Format: string(t.Format), Brand: brand,
		Official: im.brand[strings.ToLower(t.AuthorHandle)], Status: status, Reason: reason, Score: score, RuleID: rule,
		Created: t.CreatedAt.Unix(), Repeat: repeat})
	if len(im.batch) >= im.batchSize {
		return im.flush(ctx)
	}
	return nil
}

// matchRule is the first active watch rule a new item matches, or 0.
func (im *Importer) matchRule(text, handle string) int64 {
	for _, r := range im.rules {
		if r.Matches(text, handle) {
			return r.ID
		}
	}
	return 0
}

// isBrand reports whether a tweet is the company side of its conversation:
// one of the brand's handles, or inbound=False in the support CSV (any
// company's support account there). Such tweets answer; they never ask.
func (im *Importer) isBrand(t tweets.Tweet) bool {
	return im.brand[strings.ToLower(t.AuthorHandle)] || (t.Inbound != nil && !*t.Inbound)
}

// classify applies the filters: what is filtered keeps its reason. Repeated
// texts are scored when the batch is stored, against every stored copy
// (applyRepeats).
func (im *Importer) classify(t tweets.Tweet, brand bool) (status, reason string, score int) {
	score = social.SpamScore(t.Text, len(t.Mentions), len(t.URLs), len(t.Hashtags), 0)
	switch {
	case t.Retweet:
		return "filtered", social.FilterRetweet, score
	case brand && t.InReplyToID == "":
		return "filtered", social.FilterBrand, score
	case !brand && social.IsAd(t, im.aud.Addressed(t)):
		return "filtered", social.FilterPromotion, score
	}
	for _, u := range t.URLs {
		if social.LinkSuspicious(u, im.opts.Blocklist) {
			return "filtered", social.FilterMalware, score
		}
	}
	if !brand && score >= 3 {
		return "filtered", social.FilterSpam, score
	}
	return "new", "", score
}

// storeJob is a batch being stored by a goroutine of its own.
type storeJob struct {
	done chan struct{}
	err  error // this batch's, or the first failure before it
}

// flush hands the queued items to a goroutine that renders the threads they
// will make while the batch before is written, then writes them. At most two
// batches wait while the next is read, so memory stays flat.
func (im *Importer) flush(ctx context.Context) error {
	if len(im.batch) == 0 {
		return nil
	}
	if old := im.older; old != nil {
		<-old.done
		if old.err != nil {
			im.failed = old.err
			return im.failed
		}
	}
	batch := im.batch
	im.batch = make([]social.PendingItem, 0, im.batchSize)
	prev := im.last
	job := &storeJob{done: make(chan struct{})}
	im.older, im.last = prev, job
	// Statements run without the caller's cancellation: with it, the driver
	// starts a goroutine per statement. Add checks it between records.
	ctx = context.WithoutCancel(ctx)
	go func() {
		defer close(job.done)
		var pre map[string]*newThread
		// A dry run's items are only visible in its transaction.
		if !im.opts.Triage && im.dryTx == nil {
			pre = im.preRender(ctx, batch)
		}
		if prev != nil {
			<-prev.done
			if prev.err != nil {
				job.err = prev.err
				return
			}
		}
		job.err = im.write(ctx, func(tx *sql.Tx) error { return im.storeItems(ctx, tx, batch, pre) })
	}()
	return nil
}

// wait waits until every batch handed over is stored.
func (im *Importer) wait() error {
	if im.last != nil {
		<-im.last.done
		if im.failed == nil {
			im.failed = im.last.err
		}
		im.last, im.older = nil, nil
	}
	return im.failed
}

// drain stores what is queued and waits until it is stored.
func (im *Importer) drain(ctx context.Context) error {
	err := im.flush(ctx)
	// Even after a failure: a batch still being stored may use the dry
	// run's transaction, which the caller rolls back next.
	if werr := im.wait(); err == nil {
		err = werr
	}
	return err
}

// storeItems stores a batch. While triaging every item waits in the inbox;
// otherwise the conversations the batch holds whole become threads at once
// (streamBatch).
func (im *Importer) storeItems(ctx context.Context, tx *sql.Tx, batch []social.PendingItem, pre map[string]*newThread) error {
	c := im.stmts(tx)
	defer c.Close()
	if im.opts.Triage {
		rb, err := im.s.ResolveBatch(ctx, c, batch)
		if err != nil {
			return err
		}
		if err := im.applyRepeats(ctx, c, rb.Keep); err != nil {
			return err
		}
		im.sum.Duplicates += rb.Dups
		if err := im.insertItems(ctx, c, rb.Keep); err != nil {
			return err
		}
		return social.JoinReplies(ctx, c, rb.Joins)
	}
	return im.streamBatch(ctx, c, batch, pre)
}

// Finish stores what is queued, joins replies to their conversations and,
// unless triaging, turns conversations into threads. When it fails, an import
// that is not a dry run still returns the summary of what the batches before
// the failure stored: that stays.
func (im *Importer) Finish(ctx context.Context) (*ImportSummary, error) {
	defer im.release(context.WithoutCancel(ctx))
	err := im.drain(ctx)
	ctx = context.WithoutCancel(ctx)
	// Every batch joined its replies to their conversations, and the
	// replies stored before them to theirs; what waits (and the
	// conversations earlier threads joined) is converted now, as a triaged
	// import's trusted matches are; so is what interrupted imports left
	// waiting (their process died before their Finish).
	if err == nil && im.dryTx == nil {
		im.resumePublish, im.resumeTriage, err = social.LeftWaiting(ctx, im.s.db.Primary())
	}
	resume := len(im.resumePublish)+len(im.resumeTriage) > 0
	if err == nil && (im.opts.Triage || im.waiting > 0 || resume) {
		err = im.convertAll(ctx)
	}
	if err == nil && resume {
		err = im.s.ResumedBy(ctx, im.opts.Job, append(im.resumePublish, im.resumeTriage...))
	}
	// Counted after a failure too: what the batches before it stored stays,
	// and the summary says what.
	if cerr := im.countInbox(ctx); err == nil {
		err = cerr
	}
	im.rollback()
	if err != nil && im.opts.DryRun {
		return nil, err
	}
	if aerr := im.audit(ctx, err != nil); err == nil {
		err = aerr
	}
	return &im.sum, err
}

// release gives back what NewImporter took for the import.
func (im *Importer) release(ctx context.Context) {
	if im.released {
		return
	}
	im.released = true
	// Best effort: the import itself is done either way. A setting left as
	// the import had it costs memory (the cache) or disk (the WAL, which
	// grows to 64 MB between checkpoints), not correctness. Not cancellable:
	// a caller giving up (the likely reason we are here) must not leave them.
	_ = im.s.endBulkWrite(context.WithoutCancel(ctx))
}

// Abandon ends an import that will not be finished (its file could not be
// read to the end) and says what it did: the batches handed over are still
// stored, and their whole conversations are threads; the rest waits in the
// inbox. A dry run is rolled back. After Finish it does nothing.
func (im *Importer) Abandon() *ImportSummary {
	if im.released {
		return &im.sum
	}
	ctx := context.Background()
	im.wait()
	im.rollback()
	// Best effort: the count only informs the report, and the caller is
	// reporting a failure already.
	_ = im.countInbox(ctx)
	if im.sum.Imported > 0 {
		_ = im.audit(ctx, true)
	}
	im.release(ctx)
	return &im.sum
}

func (im *Importer) rollback() {
	if im.dryTx != nil {
		im.dryTx.Rollback()
		im.dryTx = nil
	}
}

func (im *Importer) countInbox(ctx context.Context) error {
	var q dbtx = im.s.reader(ctx)
	if im.dryTx != nil {
		q = im.dryTx
	}
	n, err := social.CountWaiting(ctx, q, im.id)
	if err != nil {
		return err
	}
	im.sum.Inbox = n
	return nil
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
		return &ErrNotAllowed{Kind: notallowed.NotImportedFromX}
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
			`INSERT INTO watches (user_id, thread_id) SELECT ?1, thread_id FROM watches WHERE user_id = ?2 ON CONFLICT DO NOTHING`,
			`DELETE FROM watches WHERE user_id = ?2 AND CAST(?1 AS BIGINT) IS NOT NULL`,
			`UPDATE users SET reputation = reputation + (SELECT reputation FROM users WHERE id = ?2),
				private_reputation = private_reputation + (SELECT private_reputation FROM users WHERE id = ?2) WHERE id = ?1`,
			`UPDATE users SET reputation = 0, private_reputation = 0, linked_to = ?1 WHERE id = ?2`,
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
		return logAction(ctx, tx, s.now(), actor, "link_placeholder", "user", ph.ID, ph.XName()+" to "+real.Username)
	})
}
