package models

import (
	"context"
	"sort"

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

// insertItems stores new items (social.InsertItems, social.CopyItems on
// PostgreSQL) and counts them, and the filtered ones by reason, as each
// statement stores them.
func (im *Importer) insertItems(ctx context.Context, c dbtx, items []social.PendingItem) error {
	now := im.s.now().Unix()
	stored := func(part []social.PendingItem) {
		for i := range part {
			if part[i].Reason != "" {
				im.sum.Filtered[part[i].Reason]++
			}
		}
		im.sum.Imported += len(part)
	}
	if im.s.engine == db.Postgres {
		return social.CopyItems(ctx, c, items, im.opts.Source, im.id, now, stored)
	}
	return social.InsertItems(ctx, c, items, im.opts.Source, im.id, now, stored)
}

// streamPlan is what a batch will do: the items to store as they are (rest)
// and the threads to make or extend (parts), in order.
type streamPlan struct {
	rest    []social.PendingItem
	parts   []convertPart
	joins   []social.Joining
	mend    []string // joining replies whose conversations had threads
	dups    int      // imported before, or twice in the batch
	waiting int      // new items left for Finish
}

// planStream decides what a batch does, reading what is stored through c.
// It changes nothing, so it can run ahead on the readers (preRender).
// Conversations that replies stored earlier join wait for Finish, which
// converts them with everything they hold.
func (s *Store) planStream(ctx context.Context, c dbtx, batch []social.PendingItem) (*streamPlan, error) {
	rb, err := s.ResolveBatch(ctx, c, batch)
	if err != nil {
		return nil, err
	}
	return s.planResolved(ctx, c, rb)
}

// planResolved is planStream after resolveBatch.
func (s *Store) planResolved(ctx context.Context, c dbtx, rb *social.ResolvedBatch) (*streamPlan, error) {
	plan := &streamPlan{dups: rb.Dups, joins: rb.Joins}
	keep, from := rb.Keep, rb.From
	joined := map[string]bool{}
	for _, j := range rb.Joins {
		joined[j.From], joined[j.To] = true, true
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
		if keep[i].Status != "new" {
			continue
		}
		cv := convs[keep[i].Conv]
		if cv == nil {
			cv = &conversation{id: keep[i].Conv, first: keep[i].Created, whole: true}
			convs[cv.id] = cv
			order = append(order, cv)
		}
		cv.items = append(cv.items, i)
		cv.first = min(cv.first, keep[i].Created)
		cv.whole = cv.whole && from[i] == social.FromBatch
	}
	ids := make([]string, 0, len(order)+len(rb.Joins))
	for _, cv := range order {
		ids = append(ids, cv.id)
	}
	for _, j := range rb.Joins {
		ids = append(ids, j.From)
	}
	threaded, err := s.StoredConversations(ctx, c, ids)
	if err != nil {
		return nil, err
	}
	for _, j := range rb.Joins {
		if threaded[j.From] {
			plan.mend = append(plan.mend, j.Child)
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
				items[k] = keep[i].Item()
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
				at[keep[i].ID] = i
			}
			nt.pending = make([]social.PendingItem, len(nt.items))
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
func (im *Importer) preRender(ctx context.Context, batch []social.PendingItem) map[string]*newThread {
	plan, err := im.s.planStream(ctx, im.s.db.Primary(), batch)
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
func (im *Importer) streamBatch(ctx context.Context, c *stmtCache, batch []social.PendingItem, pre map[string]*newThread) error {
	rb, err := im.s.ResolveBatch(ctx, c, batch)
	if err != nil {
		return err
	}
	if err := im.applyRepeats(ctx, c, rb.Keep); err != nil {
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
	if err := social.JoinReplies(ctx, c, plan.joins); err != nil {
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
