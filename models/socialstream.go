package models

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/models/social"
)

// An import that makes threads at once does it batch by batch, as it reads:
// a conversation the batch holds whole (its root, which asks the question,
// and every reply to it that the batch has, none of it stored before)
// becomes a thread in the batch's transaction, its items written once,
// already converted. Storing the items first and converting them afterwards
// wrote every item twice and read it back in between. What a batch cannot
// settle alone waits in the inbox for Finish, which converts it as it always
// did: replies whose parent is not stored (it may come later in the file),
// conversations whose question would be a reply (an earlier reply may come
// later and ask it), and conversations an earlier batch or import began,
// unless they already have a thread to append to.

// pendingItem is a read tweet waiting to be stored with its batch.
type pendingItem struct {
	id, conv, parent, handle, authorID, name, text, lang string
	format                                               string // the tweets.Format it was read from
	brand, official                                      bool
	status, reason                                       string
	score                                                int
	ruleID                                               int64
	created                                              int64
	repeat                                               int64 // repeatKey
	// Set when the item is stored as part of a new thread.
	threadID, postID int64
}

func (p *pendingItem) item() social.Item {
	return social.Item{ID: p.id, Parent: p.parent, Handle: p.handle, AuthorID: p.authorID, Name: p.name, Text: p.text, Status: p.status,
		Lang: p.lang, Format: p.format, Brand: p.brand, Official: p.official, Created: p.created, RuleID: p.ruleID}
}

// itemCols is the number of values of a stored item.
const itemCols = 23

// insertItems stores new items with multi-row statements. Every caller
// has dropped what is stored already (resolveBatch, in the same
// transaction), so each row is new; a statement that stores fewer rows
// than it was given fails the batch rather than miscount it.
func (im *Importer) insertItems(ctx context.Context, c dbtx, items []pendingItem) error {
	if im.s.engine == db.Postgres {
		return im.copyItems(ctx, c, items)
	}
	tuple := "(" + placeholders(itemCols) + ")"
	now := im.s.now().Unix()
	args := make([]any, 0, min(len(items), bulkRows)*itemCols)
	for start := 0; start < len(items); start += bulkRows {
		part := items[start:min(start+bulkRows, len(items))]
		args = args[:0]
		for i := range part {
			p := &part[i]
			args = append(args, p.id, p.conv, p.parent, p.handle, p.authorID, p.name, p.text, p.lang, p.lang != "",
				p.brand, p.official, p.status, p.reason, p.score, p.repeat, nullID(p.ruleID), nullID(p.threadID), nullID(p.postID),
				im.opts.Source, im.id, p.created, now, p.format)
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
		for i := range part {
			if part[i].reason != "" {
				im.sum.Filtered[part[i].reason]++
			}
		}
		im.sum.Imported += len(part)
	}
	return nil
}

// nullID is NULL for 0, so a foreign key is left empty.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Where a batch item's conversation begins.
const (
	fromUnknown = iota
	fromBatch   // at a root tweet in the batch
	fromStored  // at a stored tweet
	fromNowhere // at a parent nobody has stored
	fromCycle   // being followed (a loop of replies ends here)
)

// joining is a stored reply whose parent a batch brings: its part of its
// conversation moves to the parent's.
type joining struct {
	child, parent string
	from, to      string // its conversation and, as planned, the parent's
}

// resolvedBatch is a batch's new items with their conversations: a reply
// joins its parent's, whether the parent is in the batch or stored before.
type resolvedBatch struct {
	keep  []pendingItem // new items, in batch order
	from  []int8        // where each one's conversation begins
	dups  int           // imported before, or twice in the batch
	joins []joining
}

// resolveBatch drops what is stored already, resolves the conversations of
// the rest, and finds the stored replies whose parents the batch brings.
// It changes nothing.
func (s *Store) resolveBatch(ctx context.Context, c dbtx, batch []pendingItem) (*resolvedBatch, error) {
	ask := make([]string, 0, 2*len(batch))
	for i := range batch {
		ask = append(ask, batch[i].id)
		if batch[i].parent != "" {
			ask = append(ask, batch[i].parent)
		}
	}
	stored, err := s.storedItems(ctx, c, ask)
	if err != nil {
		return nil, err
	}
	rb := &resolvedBatch{keep: make([]pendingItem, 0, len(batch))}
	// What was imported before, or earlier in this batch, is a duplicate.
	at := make(map[string]int, len(batch))
	for i := range batch {
		_, before := stored[batch[i].id]
		_, twice := at[batch[i].id]
		if before || twice {
			rb.dups++
			continue
		}
		at[batch[i].id] = len(rb.keep)
		rb.keep = append(rb.keep, batch[i])
	}
	keep := rb.keep
	rb.from = make([]int8, len(keep))
	from := rb.from
	var resolve func(i int) int8
	resolve = func(i int) int8 {
		if from[i] != fromUnknown {
			return from[i]
		}
		p := &keep[i]
		if p.parent == "" {
			from[i] = fromBatch
			return fromBatch
		}
		if j, ok := at[p.parent]; ok {
			from[i] = fromCycle
			f := resolve(j)
			if f == fromCycle {
				f = fromNowhere
			}
			p.conv, from[i] = keep[j].conv, f
			return f
		}
		if conv, ok := stored[p.parent]; ok {
			p.conv, from[i] = conv, fromStored
			return fromStored
		}
		from[i] = fromNowhere
		return fromNowhere
	}
	ids := make([]string, len(keep))
	for i := range keep {
		resolve(i)
		ids[i] = keep[i].id
	}
	// Replies stored before their parents, which come now (their parents
	// are not stored: the batch's new tweets are not).
	rows, err := c.QueryContext(ctx, `SELECT in_reply_to_id, tweet_id, conversation_id FROM social_items
		WHERE in_reply_to_id != '' AND in_reply_to_id IN (`+s.jsonTexts("?")+`)`, stringList(ids))
	if err != nil {
		return nil, fmt.Errorf("find earlier replies: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var parent, child, conv string
		if err := rows.Scan(&parent, &child, &conv); err != nil {
			return nil, err
		}
		if to := keep[at[parent]].conv; to != conv {
			rb.joins = append(rb.joins, joining{child: child, parent: parent, from: conv, to: to})
		}
	}
	return rb, rows.Err()
}

// join moves each joining reply, with the replies stored under it, to its
// parent's conversation, once the batch's items are stored. The parent's
// conversation is read as each moves: one reply's move may carry another's
// parent along, in any order.
func join(ctx context.Context, c dbtx, joins []joining) error {
	for _, j := range joins {
		if _, err := c.ExecContext(ctx, `WITH RECURSIVE sub(id) AS (SELECT CAST(?1 AS TEXT)
				UNION SELECT s.tweet_id FROM social_items s JOIN sub ON s.in_reply_to_id = sub.id WHERE s.in_reply_to_id != '')
			UPDATE social_items SET conversation_id = (SELECT p.conversation_id FROM social_items p WHERE p.tweet_id = ?2)
			WHERE tweet_id IN (SELECT id FROM sub)`, j.child, j.parent); err != nil {
			return fmt.Errorf("join reply %s to its parent's conversation: %w", j.child, err)
		}
	}
	return nil
}

// streamPlan is what a batch will do: the items to store as they are (rest)
// and the threads to make or extend (parts), in order.
type streamPlan struct {
	rest    []pendingItem
	parts   []convertPart
	joins   []joining
	mend    []string // joining replies whose conversations had threads
	dups    int      // imported before, or twice in the batch
	waiting int      // new items left for Finish
}

// planStream decides what a batch does, reading what is stored through c.
// It changes nothing, so it can run ahead on the readers (preRender).
// Conversations that replies stored earlier join wait for Finish, which
// converts them with everything they hold.
func (s *Store) planStream(ctx context.Context, c dbtx, batch []pendingItem) (*streamPlan, error) {
	rb, err := s.resolveBatch(ctx, c, batch)
	if err != nil {
		return nil, err
	}
	return s.planResolved(ctx, c, rb)
}

// planResolved is planStream after resolveBatch.
func (s *Store) planResolved(ctx context.Context, c dbtx, rb *resolvedBatch) (*streamPlan, error) {
	plan := &streamPlan{dups: rb.dups, joins: rb.joins}
	keep, from := rb.keep, rb.from
	joined := map[string]bool{}
	for _, j := range rb.joins {
		joined[j.from], joined[j.to] = true, true
	}
	type conversation struct {
		id    string
		items []int // new items, in batch order
		first int64
		whole bool // every new item traces back to a root in this batch
	}
	convs := map[string]*conversation{}
	var order []*conversation
	for i := range keep {
		if keep[i].status != "new" {
			continue
		}
		cv := convs[keep[i].conv]
		if cv == nil {
			cv = &conversation{id: keep[i].conv, first: keep[i].created, whole: true}
			convs[cv.id] = cv
			order = append(order, cv)
		}
		cv.items = append(cv.items, i)
		cv.first = min(cv.first, keep[i].created)
		cv.whole = cv.whole && from[i] == fromBatch
	}
	ids := make([]string, 0, len(order)+len(rb.joins))
	for _, cv := range order {
		ids = append(ids, cv.id)
	}
	for _, j := range rb.joins {
		ids = append(ids, j.from)
	}
	threaded, err := s.storedConversations(ctx, c, ids)
	if err != nil {
		return nil, err
	}
	for _, j := range rb.joins {
		if threaded[j.from] {
			plan.mend = append(plan.mend, j.child)
		}
	}
	sort.SliceStable(order, func(a, b int) bool {
		if order[a].first != order[b].first {
			return order[a].first < order[b].first
		}
		return order[a].id < order[b].id
	})
	// Threads made now are stored with their items; everything else is
	// stored first, so appending to a thread finds the items it appends.
	now := make([]bool, len(keep))
	var fresh []*newThread
	for _, cv := range order {
		hasThread, known := threaded[cv.id]
		switch {
		case joined[cv.id]:
			plan.waiting += len(cv.items)
		case known && hasThread:
			plan.parts = append(plan.parts, convertPart{fresh: fresh, appendTo: cv.id})
			fresh = nil
		case known || !cv.whole:
			plan.waiting += len(cv.items)
		default:
			items := make([]social.Item, len(cv.items))
			for k, i := range cv.items {
				items[k] = keep[i].item()
			}
			sort.SliceStable(items, func(a, b int) bool {
				if items[a].Created != items[b].Created {
					return items[a].Created < items[b].Created
				}
				return items[a].ID < items[b].ID
			})
			nt := planThread(cv.id, items)
			if nt == nil {
				continue // only the brand has spoken: wait for a question
			}
			if nt.items[0].ID != cv.id || len(nt.context) > 0 {
				// The question is a reply (the root was filtered, or is
				// the brand's): an earlier reply may still come in a later
				// batch and be the question, so the whole file decides.
				plan.waiting += len(cv.items)
				continue
			}
			at := make(map[string]int, len(cv.items))
			for _, i := range cv.items {
				at[keep[i].id] = i
			}
			nt.pending = make([]pendingItem, len(nt.items))
			for k, it := range nt.items {
				nt.pending[k] = keep[at[it.ID]]
				now[at[it.ID]] = true
			}
			fresh = append(fresh, nt)
		}
	}
	if len(fresh) > 0 {
		plan.parts = append(plan.parts, convertPart{fresh: fresh})
	}
	for i := range keep {
		if !now[i] {
			plan.rest = append(plan.rest, keep[i])
		}
	}
	return plan, nil
}

// preRender plans a batch on the readers while the batch before it is
// written, and renders the threads it would make. The plan is only a guess
// (the batch before may change what is stored); streamBatch plans again and
// uses what still fits.
func (im *Importer) preRender(ctx context.Context, batch []pendingItem) map[string]*newThread {
	plan, err := im.s.planStream(ctx, im.s.r, batch)
	if err != nil {
		return nil // streamBatch will plan and render it all
	}
	var all []*newThread
	for _, p := range plan.parts {
		all = append(all, p.fresh...)
	}
	if im.s.renderThreads(all) != nil {
		return nil
	}
	out := make(map[string]*newThread, len(all))
	for _, nt := range all {
		out[nt.conv] = nt
	}
	return out
}

// sameItems reports whether two plans of a thread hold the same items in
// the same order.
func sameItems(a, b *newThread) bool {
	if len(a.items) != len(b.items) {
		return false
	}
	for i := range a.items {
		if a.items[i].ID != b.items[i].ID {
			return false
		}
	}
	return true
}

// streamBatch stores a batch and turns the conversations it holds whole
// into threads, in the order the two-step path would: by each
// conversation's first new item. pre holds threads rendered ahead.
func (im *Importer) streamBatch(ctx context.Context, c *stmtCache, batch []pendingItem, pre map[string]*newThread) error {
	rb, err := im.s.resolveBatch(ctx, c, batch)
	if err != nil {
		return err
	}
	if err := im.applyRepeats(ctx, c, rb.keep); err != nil {
		return err
	}
	plan, err := im.s.planResolved(ctx, c, rb)
	if err != nil {
		return err
	}
	im.sum.Duplicates += plan.dups
	im.waiting += plan.waiting + len(plan.mend)
	im.mend = append(im.mend, plan.mend...)
	var render []*newThread
	for _, p := range plan.parts {
		for _, nt := range p.fresh {
			if nt.categoryID, err = im.importCategory(ctx, c, nt.items[0]); err != nil {
				return err
			}
			if r, ok := pre[nt.conv]; ok && sameItems(r, nt) {
				nt.title, nt.slug, nt.md, nt.html, nt.text, nt.search = r.title, r.slug, r.md, r.html, r.text, r.search
			} else {
				render = append(render, nt)
			}
		}
	}
	if err := im.insertItems(ctx, c, plan.rest); err != nil {
		return err
	}
	if err := join(ctx, c, plan.joins); err != nil {
		return err
	}
	if err := im.s.renderThreads(render); err != nil {
		return err
	}
	return im.writeBatch(ctx, c, plan.parts)
}

// importCategory is where a new thread of this import goes, remembered per
// watch rule for the whole import.
func (im *Importer) importCategory(ctx context.Context, c dbtx, q social.Item) (int64, error) {
	if id, ok := im.cats[q.RuleID]; ok {
		return id, nil
	}
	id, err := im.categoryFor(ctx, c, q)
	if err != nil {
		return 0, err
	}
	im.cats[q.RuleID] = id
	return id, nil
}

// storedItems maps the stored tweets among ids to their conversations.
func (s *Store) storedItems(ctx context.Context, c dbtx, ids []string) (map[string]string, error) {
	rows, err := c.QueryContext(ctx, `SELECT tweet_id, conversation_id FROM social_items WHERE tweet_id IN (`+s.jsonTexts("?")+`)`, stringList(ids))
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

// storedConversations says, for each conversation among ids that has
// stored items, whether it has a thread.
func (s *Store) storedConversations(ctx context.Context, c dbtx, ids []string) (map[string]bool, error) {
	rows, err := c.QueryContext(ctx, `SELECT conversation_id, MAX(CASE WHEN thread_id IS NOT NULL THEN 1 ELSE 0 END) FROM social_items
		WHERE conversation_id IN (`+s.jsonTexts("?")+`) GROUP BY conversation_id`, stringList(ids))
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
