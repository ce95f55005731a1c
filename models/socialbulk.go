package models

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/models/search"
	"github.com/crowdcare/crowdcare/models/social"
)

// An import turns conversations into threads a batch at a time: the batch's
// items are loaded with one query, their authors resolved with one more, the
// text work (titles, HTML, search text) done on every core, and the rows
// written with multi-row statements and ids chosen up front. One statement
// per thread and per post cost about 0.7 ms a conversation; SQLite's own
// work per row is a small part of that.

// bulkRows is how many rows one multi-row statement writes (social.BulkRows).
const bulkRows = social.BulkRows

// ImportBulkRows is how many rows an import's multi-row statements write on
// SQLite: internal/bench's bound floor writes as many.
const ImportBulkRows = bulkRows

// newThread is a conversation that becomes a new thread in a batch.
type newThread struct {
	conv       string // the conversation it comes from
	categoryID int64
	items      []social.Item // the question, then the answers in order
	context    []social.Item // quoted in the question
	authors    []int64       // each item's author
	id         int64
	firstPost  int64   // the question's id; the answers' follow (SQLite)
	posts      []int64 // each item's post, the question's first (PostgreSQL)
	// Filled in by render.
	title, slug string
	md, html    []string
	text        []string
	search      []any // the index's text columns (search.Columns)
	// The items, when they are not stored yet (a streamed batch's): they
	// are stored with the thread, already converted. A streamed thread
	// has no context: its question is its conversation's root.
	pending []social.PendingItem
}

// convertPart is a run of new threads of a batch, then possibly a
// conversation that already has a thread and gets its new items appended.
type convertPart struct {
	fresh    []*newThread
	appendTo string
}

// streamed reports whether the part's threads are a streamed batch's, whose
// items are not stored yet (all of a part's are, or none).
func (p convertPart) streamed() bool { return len(p.fresh) > 0 && p.fresh[0].pending != nil }

// prepareBatch reads a batch of conversations (through r: the readers, or
// the import's transaction) and plans and renders their new threads, in the
// order of the queue.
func (im *Importer) prepareBatch(ctx context.Context, r dbtx, convs []string) ([]convertPart, error) {
	byConv, err := im.s.LoadConversations(ctx, r, convs)
	if err != nil {
		return nil, err
	}
	var parts []convertPart
	var fresh, all []*newThread
	for _, conv := range convs {
		items := byConv[conv]
		if len(items) == 0 {
			continue
		}
		if conversationThread(items) != 0 {
			parts = append(parts, convertPart{fresh: fresh, appendTo: conv})
			fresh = nil
			continue
		}
		nt := planThread(conv, items)
		if nt == nil {
			continue // only brand replies: they wait in the inbox for a question
		}
		// One prepare runs at a time, after every batch was streamed, so
		// it may use the import's category memo.
		if nt.categoryID, err = im.importCategory(ctx, r, nt.items[0]); err != nil {
			return nil, err
		}
		fresh = append(fresh, nt)
		all = append(all, nt)
	}
	if len(fresh) > 0 {
		parts = append(parts, convertPart{fresh: fresh})
	}
	if err := im.s.renderThreads(all); err != nil {
		return nil, err
	}
	return parts, nil
}

// writeBatch stores a prepared batch in the transaction c runs in. New
// threads are written together; conversations that already have a thread
// get their new items appended one by one, as in ConvertSocial. Threads and
// posts are numbered in the order of the queue either way.
func (im *Importer) writeBatch(ctx context.Context, c *stmtCache, parts []convertPart) error {
	for _, p := range parts {
		// The batch was read before this transaction: a conversation that
		// someone converted or triaged since goes the one-by-one way, which
		// reads it again here. A streamed batch's items are not stored yet,
		// so nobody can have touched them.
		fresh, changed := p.fresh, []*newThread(nil)
		if !p.streamed() {
			var err error
			if fresh, changed, err = im.s.stillNew(ctx, c, p.fresh); err != nil {
				return err
			}
		}
		for _, nt := range changed {
			if err := im.convertConversation(ctx, c, nt.conv, nt.categoryID); err != nil {
				return fmt.Errorf("conversation %s: %w", nt.conv, err)
			}
		}
		p.fresh = fresh
		if len(p.fresh) > 0 {
			if err := im.s.resolveAuthors(ctx, c, p.fresh); err != nil {
				return err
			}
			if err := im.s.assignIDs(ctx, c, p.fresh); err != nil {
				return err
			}
			if err := im.writeThreads(ctx, c, p.fresh); err != nil {
				return err
			}
			for _, nt := range p.fresh {
				im.sum.Threads++
				im.sum.Answers += len(nt.items) - 1
			}
		}
		if p.appendTo != "" {
			if err := im.convertConversation(ctx, c, p.appendTo, 0); err != nil {
				return fmt.Errorf("conversation %s: %w", p.appendTo, err)
			}
		}
	}
	return nil
}

// conversationThread is the thread a conversation already has, or 0.
func conversationThread(items []social.Item) int64 {
	for _, it := range items {
		if it.Thread != 0 {
			return it.Thread
		}
	}
	return 0
}

// planThread plans a new thread as convertConversation does (see
// planConversation) from a conversation's items: its new ones make the
// thread. Nil when there is no question.
func planThread(conv string, items []social.Item) *newThread {
	var fresh []social.Item
	for _, it := range items {
		if it.Status == "new" {
			fresh = append(fresh, it)
		}
	}
	p := planConversation(conv, fresh, parentsOf(items), func(social.Item) bool { return false })
	if p.question < 0 {
		return nil
	}
	nt := &newThread{conv: conv, items: make([]social.Item, 0, 1+len(p.answers))}
	nt.items = append(nt.items, fresh[p.question])
	for _, i := range p.answers {
		nt.items = append(nt.items, fresh[i])
	}
	for _, i := range p.context {
		nt.context = append(nt.context, fresh[i])
	}
	return nt
}

// resolveAuthors finds or makes every author's profile (authorProfiles), in
// the order converting the threads one at a time would.
func (s *Store) resolveAuthors(ctx context.Context, c dbtx, threads []*newThread) error {
	var wants []authorWant
	for _, nt := range threads {
		for _, it := range nt.items {
			wants = append(wants, authorOf(it))
		}
	}
	ids, err := s.authorProfiles(ctx, c, wants)
	if err != nil {
		return err
	}
	for _, nt := range threads {
		nt.authors = make([]int64, len(nt.items))
		for i, it := range nt.items {
			nt.authors[i] = ids[authorOf(it).key]
		}
	}
	return nil
}

// assignIDs numbers the batch's threads and posts. On SQLite they follow
// the highest ids in use: the import's transaction holds the write lock, so
// nobody else can take them, and SQLite would pick the same numbers one
// insert at a time. On PostgreSQL they are taken from the identities, as
// one insert at a time would take them, so a concurrent transaction never
// chooses the same.
func (s *Store) assignIDs(ctx context.Context, c dbtx, threads []*newThread) error {
	if s.engine == db.Postgres {
		posts := 0
		for _, nt := range threads {
			posts += len(nt.items)
		}
		tids, err := reserveIDs(ctx, c, "threads", len(threads))
		if err != nil {
			return err
		}
		pids, err := reserveIDs(ctx, c, "posts", posts)
		if err != nil {
			return err
		}
		for i, nt := range threads {
			nt.id = tids[i]
			nt.posts, pids = pids[:len(nt.items)], pids[len(nt.items):]
		}
		return nil
	}
	var thread, post int64
	if err := c.QueryRowContext(ctx, `SELECT (SELECT COALESCE(MAX(id), 0) FROM threads), (SELECT COALESCE(MAX(id), 0) FROM posts)`).
		Scan(&thread, &post); err != nil {
		return fmt.Errorf("highest ids: %w", err)
	}
	for _, nt := range threads {
		thread++
		nt.id = thread
		nt.firstPost = post + 1
		post += int64(len(nt.items))
	}
	return nil
}

// renderThreads does the batch's text work on every core: titles, each
// post's HTML and plain text, the search index's text.
func (s *Store) renderThreads(threads []*newThread) error {
	if len(threads) == 0 {
		return nil
	}
	workers := min(runtime.GOMAXPROCS(0), len(threads))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(threads) && errs[w] == nil; i += workers {
				errs[w] = s.renderThread(threads[i])
			}
		}(w)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) renderThread(nt *newThread) error {
	q := nt.items[0]
	nt.title = social.TweetTitle(q.Text, q.Handle, TitleMin)
	nt.slug = Slugify(nt.title)
	n := len(nt.items)
	nt.md, nt.html, nt.text = make([]string, n), make([]string, n), make([]string, n)
	for i, it := range nt.items {
		md, r, err := s.md.RenderTweet(it.Text)
		if i == 0 {
			md, r, err = s.renderQuestion(it, nt.context)
		}
		if err != nil {
			return err
		}
		nt.md[i] = md
		nt.html[i], nt.text[i] = r.HTML, r.Text
	}
	// As indexThread writes it: the question, then the answers by id.
	lang, _ := social.ThreadLang(q.Lang)
	nt.search = search.Columns(search.Doc{Title: nt.title, Body: nt.text[0], Answers: strings.Join(nt.text[1:], "\n"), Lang: lang}, nil)
	return nil
}

// postRows appends the thread's posts (the i-th item's id is postID(i))
// and its items' new status, converted (the question) or appended, with
// the thread and post they went to; the items of a streamed batch, new,
// go to pending instead, to be stored after the posts they refer to.
func (nt *newThread) postRows(postID func(i int) int64, posts, items []any, pending []social.PendingItem) ([]any, []any, []social.PendingItem) {
	q := nt.items[0]
	for i, it := range nt.items {
		id := postID(i)
		posts = append(posts, id, nt.id, nt.authors[i], i == 0, nt.md[i], nt.html[i], nt.text[i], max(it.Created, q.Created))
		status := "appended"
		if i == 0 {
			status = "converted"
		}
		if nt.pending != nil {
			p := nt.pending[i]
			p.Status, p.ThreadID, p.PostID = status, nt.id, id
			pending = append(pending, p)
			continue
		}
		items = append(items, it.ID, status, nt.id, id)
	}
	for _, it := range nt.context {
		items = append(items, it.ID, "appended", nt.id, postID(0))
	}
	return posts, items, pending
}

// times is when a new thread was last active (its newest post, none
// older than the question) and when another author first answered it
// (nil when nobody did), as its row stores them.
func (nt *newThread) times() (last int64, firstAnswer any) {
	q := nt.items[0]
	last = q.Created
	for i, it := range nt.items {
		at := max(it.Created, q.Created) // no answer older than its question
		last = max(last, at)
		if i > 0 && nt.authors[i] != nt.authors[0] {
			if fa, ok := firstAnswer.(int64); !ok || at < fa {
				firstAnswer = at
			}
		}
	}
	return last, firstAnswer
}

// writeThreads stores the batch's threads, posts and search rows, and marks
// the items converted (the question) or appended (the answers).
func (im *Importer) writeThreads(ctx context.Context, c *stmtCache, threads []*newThread) error {
	if im.s.engine == db.Postgres {
		return im.copyThreads(ctx, c, threads)
	}
	var th, posts, questions, items, search []any
	var pending []social.PendingItem
	for _, nt := range threads {
		q := nt.items[0]
		last, firstAnswer := nt.times()
		lang, checked := social.ThreadLang(q.Lang)
		th = append(th, nt.id, nt.categoryID, nt.authors[0], nt.title, nt.slug, len(nt.items)-1,
			q.Created, last, social.SourceRef(q.Handle, q.ID, q.Format), firstAnswer, lang, checked)
		questions = append(questions, nt.id, nt.firstPost)
		posts, items, pending = nt.postRows(func(i int) int64 { return nt.firstPost + int64(i) }, posts, items, pending)
		search = append(search, im.s.index().Values(openIndexRow(nt.id, nt.categoryID, nt.search))...)
	}
	type step struct {
		what, before, after string
		cols                int
		args                []any
	}
	run := func(steps ...step) error {
		for _, st := range steps {
			if err := execRows(ctx, c, st.before, st.after, st.cols, st.args); err != nil {
				return fmt.Errorf("store imported %s: %w", st.what, err)
			}
		}
		return nil
	}
	err := run(step{"threads", `INSERT INTO threads (id, category_id, author_id, title, slug, answer_count, created_at,
			last_activity_at, source_url, first_answer_at, lang, lang_checked) VALUES `, "", 12, th},
		step{"posts", `INSERT INTO posts (id, thread_id, author_id, is_question, body_md, body_html, body_text, created_at) VALUES `, "", 8, posts},
		// Set once the question exists: deferring the foreign key check
		// instead makes SQLite scan threads for every post it inserts.
		step{"questions", `UPDATE threads SET question_id = v.column2 FROM (VALUES `, `) AS v WHERE threads.id = v.column1`, 2, questions})
	if err != nil {
		return err
	}
	// A streamed batch's items are new: stored now, after the threads and
	// posts they refer to. Stored items are marked instead.
	if err := im.insertItems(ctx, c, pending); err != nil {
		return err
	}
	if err := im.s.MarkItems(ctx, c, items); err != nil {
		return fmt.Errorf("store imported items: %w", err)
	}
	return run(step{"search index", `INSERT INTO search_index (` + strings.Join(im.s.index().Columns(), ", ") + `) VALUES `, "", len(im.s.index().Columns()), search})
}

// execRows is social.ExecRows (the multi-row statements' helpers are
// social's), under the name the store's files use.
func execRows(ctx context.Context, c dbtx, before, after string, cols int, args []any) error {
	return social.ExecRows(ctx, c, before, after, cols, args)
}

// questionIndex is which new item asks the question: the root tweet when it
// is a customer's, else the first customer tweet; -1 when the brand alone
// has spoken.
func questionIndex(conv string, fresh []social.Item) int {
	for i, it := range fresh {
		if it.ID == conv && !it.Brand {
			return i
		}
	}
	for i, it := range fresh {
		if !it.Brand {
			return i
		}
	}
	return -1
}

// stillNew splits planned threads into those whose items are all still new
// and without a thread, and those that changed since they were read.
func (s *Store) stillNew(ctx context.Context, c dbtx, threads []*newThread) (fresh, changed []*newThread, err error) {
	if len(threads) == 0 {
		return nil, nil, nil
	}
	var ids []string
	for _, nt := range threads {
		for _, it := range slices.Concat(nt.items, nt.context) {
			ids = append(ids, it.ID)
		}
	}
	gone, err := s.ChangedItems(ctx, c, ids)
	if err != nil {
		return nil, nil, fmt.Errorf("recheck items: %w", err)
	}
	if len(gone) == 0 {
		return threads, nil, nil
	}
	moved := make(map[string]bool, len(gone))
	for _, id := range gone {
		moved[id] = true
	}
	for _, nt := range threads {
		touched := false
		for _, it := range slices.Concat(nt.items, nt.context) {
			touched = touched || moved[it.ID]
		}
		if touched {
			changed = append(changed, nt)
		} else {
			fresh = append(fresh, nt)
		}
	}
	return fresh, changed, nil
}
