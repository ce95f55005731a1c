package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/crowdcare/crowdcare/models/accounts"
	"github.com/crowdcare/crowdcare/models/markup"
	"github.com/crowdcare/crowdcare/models/social"
)

// convertBatchSize is how many conversations one transaction converts.
const convertBatchSize = 2000

// convertAll turns the conversations this import touched into threads (or
// appends to their threads), a batch of conversations per transaction. While
// triaging, only conversations a trusted rule matched are converted.
func (im *Importer) convertAll(ctx context.Context) error {
	var queue []string
	err := im.write(ctx, func(tx *sql.Tx) error {
		var err error
		queue, err = im.conversationQueue(ctx, tx)
		return err
	})
	if err != nil {
		return err
	}
	// Statements run without the caller's cancellation: with it, the driver
	// starts a goroutine per statement. Cancelling stops at the next batch.
	quiet := context.WithoutCancel(ctx)
	batches := (len(queue) + convertBatchSize - 1) / convertBatchSize
	batch := func(k int) []string { return queue[k*convertBatchSize : min((k+1)*convertBatchSize, len(queue))] }
	// The next batch is read and rendered on the other cores while this one
	// is written. A dry run's items are only visible in its transaction, so
	// it does one thing after the other.
	type prepared struct {
		parts []convertPart
		err   error
	}
	next := make(chan prepared, 1) // a batch given up on is not waited for
	prepare := func(k int) {
		go func() {
			parts, err := im.prepareBatch(quiet, im.s.db.Primary(), batch(k))
			next <- prepared{parts, err}
		}()
	}
	if im.dryTx == nil && batches > 0 {
		prepare(0)
	}
	for k := 0; k < batches; k++ {
		var parts []convertPart
		if im.dryTx == nil {
			p := <-next
			if p.err != nil {
				return p.err
			}
			parts = p.parts
			if k+1 < batches {
				prepare(k + 1)
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		err := im.write(quiet, func(tx *sql.Tx) error {
			c := im.stmts(tx)
			defer c.Close()
			if im.dryTx != nil {
				var err error
				if parts, err = im.prepareBatch(quiet, c, batch(k)); err != nil {
					return err
				}
			}
			return im.writeBatch(quiet, c, parts)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// conversationQueue lists the conversations with new items, oldest first.
func (im *Importer) conversationQueue(ctx context.Context, tx *sql.Tx) ([]string, error) {
	// Every conversation with new items of the imports that publish (this
	// one unless triaging, interrupted ones that were not), and those a
	// trusted rule matched of the imports that triage.
	publish, triage := slices.Clone(im.resumePublish), slices.Clone(im.resumeTriage)
	if im.opts.Triage {
		triage = append(triage, im.id)
	} else {
		publish = append(publish, im.id)
	}
	out, err := im.s.ConversationQueue(ctx, tx, publish, triage)
	if err != nil {
		return nil, err
	}
	if len(im.mend) == 0 {
		return out, nil
	}
	// Conversations whose earlier threads this import joined, for them to
	// be made one.
	mend, err := im.s.ConversationsOfItems(ctx, tx, im.mend)
	if err != nil {
		return nil, fmt.Errorf("list joined conversations: %w", err)
	}
	for _, c := range mend {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out, nil
}

// A conversation's thread: the question is the root tweet when it is a
// customer's, else the first customer tweet. When that is not the root (the
// root is missing, filtered or the brand's), the brand's tweets that came
// before it and that it does not answer are its context: quoted at the top
// of the question ("In reply to @Brand: …"), not answers older than the
// question. Every other item answers, in time order, dated no earlier than
// the question (a reply's clock may run a little behind its parent's). A
// tweet that already has a post of its own keeps it.

// conversationPlan is what a conversation's items make, as indexes into
// them.
type conversationPlan struct {
	question int // -1 while only the brand has spoken
	context  []int
	answers  []int
}

// planConversation plans a thread from the items that may be in it, in the
// order of time. parent maps every item of the conversation (those that may
// not be in the thread too) to its parent; own says whether an item has a
// post of its own.
func planConversation(conv string, items []social.Item, parent map[string]string, own func(social.Item) bool) conversationPlan {
	p := conversationPlan{question: questionIndex(conv, items)}
	if p.question < 0 {
		return p
	}
	q := items[p.question]
	for i, it := range items {
		switch {
		case i == p.question:
		case i < p.question && it.Brand && !own(it) && !descendsFrom(it.ID, q.ID, parent):
			p.context = append(p.context, i)
		default:
			p.answers = append(p.answers, i)
		}
	}
	return p
}

// descendsFrom reports whether tweet id replies to ancestor, directly or
// through replies stored in between.
func descendsFrom(id, ancestor string, parent map[string]string) bool {
	for n := 0; n <= len(parent); n++ {
		p, ok := parent[id]
		if !ok || p == "" {
			return false
		}
		if p == ancestor {
			return true
		}
		id = p
	}
	return false
}

// parentsOf maps items to their parents.
func parentsOf(items []social.Item) map[string]string {
	out := make(map[string]string, len(items))
	for _, it := range items {
		out[it.ID] = it.Parent
	}
	return out
}

// threadable reports whether an item may be part of its conversation's
// thread: new, or already in one of the conversation's threads.
func threadable(it social.Item, threads map[int64]int64) bool {
	return it.Status == "new" || (it.Status == "converted" || it.Status == "appended") && threads[it.Thread] != 0
}

// convertConversation makes, extends or mends the thread of one
// conversation, so that it is what converting all its items at once would
// make: replies stored before their parents arrived (earlier imports made
// threads of them) join the parent's thread, their threads merged into it;
// a question that arrives later than its answers asks the thread; new items
// answer. categoryID 0 means the import's category (or the matching rule's).
func (im *Importer) convertConversation(ctx context.Context, tx dbtx, conv string, categoryID int64) error {
	all, err := social.LoadConversation(ctx, tx, conv)
	if err != nil {
		return err
	}
	// The conversation's threads: those one of its items asks, each with
	// its question's post.
	threads := map[int64]int64{}
	var fresh bool
	for _, it := range all {
		if it.Status == "converted" && it.Thread != 0 && it.Post != 0 {
			threads[it.Thread] = it.Post
		}
		fresh = fresh || it.Status == "new"
	}
	if !fresh && len(threads) <= 1 {
		return nil
	}
	var items []social.Item
	for _, it := range all {
		if threadable(it, threads) {
			items = append(items, it)
		}
	}
	isQuestionPost := map[int64]bool{}
	for _, post := range threads {
		isQuestionPost[post] = true
	}
	own := func(it social.Item) bool {
		return it.Post != 0 && !(it.Status == "appended" && isQuestionPost[it.Post])
	}
	p := planConversation(conv, items, parentsOf(all), own)
	if p.question < 0 {
		return nil // only brand replies: they wait in the inbox for a question
	}
	q := items[p.question]
	context := make([]social.Item, len(p.context))
	for k, i := range p.context {
		context[k] = items[i]
	}
	var threadID int64
	if len(threads) == 0 {
		if categoryID == 0 {
			if categoryID, err = im.categoryFor(ctx, tx, q); err != nil {
				return err
			}
		}
		if threadID, q.Post, err = im.s.threadFromItem(ctx, tx, q, context, categoryID); err != nil {
			return err
		}
		im.sum.Threads++
	} else {
		if threadID, err = im.mendThreads(ctx, tx, threads, q, context); err != nil {
			return err
		}
	}
	for _, i := range p.answers {
		if it := items[i]; !own(it) {
			if err := im.s.answerFromItem(ctx, tx, threadID, it, q.Created); err != nil {
				return err
			}
			im.sum.Answers++
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE threads SET answer_count = (SELECT COUNT(*) FROM posts p
		WHERE p.thread_id = ?1 AND p.is_question = 0 AND `+visiblePost+`),
		first_answer_at = (SELECT MIN(p.created_at) FROM posts p
			WHERE p.thread_id = ?1 AND p.is_question = 0 AND p.author_id != threads.author_id AND `+visiblePost+`),
		last_activity_at = MAX(last_activity_at, (SELECT MAX(created_at) FROM posts WHERE thread_id = ?1)) WHERE id = ?1`, threadID); err != nil {
		return err
	}
	return im.s.indexThread(ctx, tx, threadID)
}

// mendThreads makes the conversation's threads one, asked by q with its
// context, and returns it: the thread q is in, else the oldest. The others
// hand it their posts and watchers and are closed as its duplicates, out of
// every list, their addresses leading to it.
func (im *Importer) mendThreads(ctx context.Context, tx dbtx, threads map[int64]int64, q social.Item, context []social.Item) (int64, error) {
	var target int64
	for id := range threads {
		if target == 0 || id < target {
			target = id
		}
	}
	if q.Thread != 0 && threads[q.Thread] != 0 {
		target = q.Thread
	}
	for id := range threads {
		if id == target {
			continue
		}
		if err := im.s.mergeThread(ctx, tx, id, target); err != nil {
			return 0, err
		}
		im.sum.Merged++
		// Its question answers now.
		im.sum.Answers++
	}
	asked := threads[target]
	rerender := false
	if q.Post != asked {
		// A question that came later than its thread: it asks it now, and
		// the tweet that asked it answers.
		if q.Post == 0 {
			author, err := im.s.placeholderUser(ctx, tx, q)
			if err != nil {
				return 0, err
			}
			if err := tx.QueryRowContext(ctx, `INSERT INTO posts (thread_id, author_id, is_question, body_md, body_html, body_text, created_at)
				VALUES (?, ?, 1, '', '', '', ?) RETURNING id`, target, author, q.Created).Scan(&q.Post); err != nil {
				return 0, err
			}
		} else if _, err := tx.ExecContext(ctx, `UPDATE posts SET is_question = 1, created_at = ? WHERE id = ?`, q.Created, q.Post); err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE posts SET is_question = 0 WHERE id = ?`, asked); err != nil {
			return 0, err
		}
		if err := social.UnmarkQuestion(ctx, tx, asked); err != nil {
			return 0, err
		}
		im.sum.Answers++
		var author int64
		if err := tx.QueryRowContext(ctx, `SELECT author_id FROM posts WHERE id = ?`, q.Post).Scan(&author); err != nil {
			return 0, err
		}
		title := social.TweetTitle(q.Text, q.Handle, TitleMin)
		lang, checked := social.ThreadLang(q.Lang)
		if _, err := tx.ExecContext(ctx, `UPDATE threads SET question_id = ?, author_id = ?, title = ?, slug = ?, created_at = ?,
			source_url = ?, lang = ?, lang_checked = ? WHERE id = ?`, q.Post, author, title, Slugify(title), q.Created,
			social.SourceRef(q.Handle, q.ID, q.Format), lang, checked, target); err != nil {
			return 0, err
		}
		if err := social.MarkConverted(ctx, tx, q.ID, target, q.Post); err != nil {
			return 0, err
		}
		rerender = true
	}
	for _, it := range context {
		if err := social.MarkAppended(ctx, tx, it.ID, target, q.Post); err != nil {
			return 0, err
		}
	}
	// The question as its tweet and context make it, unless it is that
	// already. (Which items a question quotes cannot be looked up by post:
	// social_items has no index on post_id, and a scan of the appended
	// items for every conversation an import extends took 13 s of a
	// million-record import.)
	md, r, err := im.s.renderQuestion(q, context)
	if err != nil {
		return 0, err
	}
	var stored string
	if err := tx.QueryRowContext(ctx, `SELECT body_md FROM posts WHERE id = ?`, q.Post).Scan(&stored); err != nil {
		return 0, err
	}
	if rerender || stored != md {
		// A question someone edited keeps their words.
		if _, err := tx.ExecContext(ctx, `UPDATE posts SET body_md = ?, body_html = ?, body_text = ? WHERE id = ? AND edited_at IS NULL`,
			md, r.HTML, r.Text, q.Post); err != nil {
			return 0, err
		}
	}
	// No answer older than its question.
	if _, err := tx.ExecContext(ctx, `UPDATE posts SET created_at = ?1 WHERE thread_id = ?2 AND is_question = 0 AND created_at < ?1`,
		q.Created, target); err != nil {
		return 0, err
	}
	return target, nil
}

// mergeThread moves a thread's posts, items and watchers to another thread
// of the same conversation, carries its accepted answer over when the other
// has none, and closes it as the other's duplicate: no question, out of
// every list and the search index.
func (s *Store) mergeThread(ctx context.Context, tx dbtx, from, into int64) error {
	now := s.now().Unix()
	if _, err := tx.ExecContext(ctx, `UPDATE posts SET thread_id = ?, is_question = 0 WHERE thread_id = ?`, into, from); err != nil {
		return fmt.Errorf("merge thread %d into %d: %w", from, into, err)
	}
	if err := social.MoveItems(ctx, tx, from, into); err != nil {
		return fmt.Errorf("merge thread %d into %d: %w", from, into, err)
	}
	for _, st := range []struct {
		q    string
		args []any
	}{
		{`INSERT INTO watches (user_id, thread_id) SELECT user_id, ? FROM watches WHERE thread_id = ? ON CONFLICT DO NOTHING`, []any{into, from}},
		{`DELETE FROM watches WHERE thread_id = ?`, []any{from}},
		{`UPDATE threads SET accepted_id = f.accepted_id, accepted_author_id = f.accepted_author_id, accepted_at = f.accepted_at
			FROM (SELECT accepted_id, accepted_author_id, accepted_at FROM threads WHERE id = ?) AS f
			WHERE threads.id = ? AND threads.accepted_id IS NULL AND f.accepted_id IS NOT NULL`, []any{from, into}},
		{`UPDATE threads SET deleted_at = ?, duplicate_of = ?, question_id = NULL, accepted_id = NULL, accepted_author_id = NULL,
			accepted_at = NULL, answer_count = 0, first_answer_at = NULL WHERE id = ?`, []any{now, into, from}},
	} {
		if _, err := tx.ExecContext(ctx, st.q, st.args...); err != nil {
			return fmt.Errorf("merge thread %d into %d: %w", from, into, err)
		}
	}
	return s.indexThread(ctx, tx, from)
}

func (im *Importer) categoryFor(ctx context.Context, tx dbtx, it social.Item) (int64, error) {
	var id int64
	if it.RuleID != 0 {
		var err error
		if id, err = social.RuleCategory(ctx, tx, it.RuleID); err != nil {
			return 0, err
		}
		if id != 0 {
			return id, nil
		}
	}
	err := tx.QueryRowContext(ctx, `SELECT id FROM categories WHERE slug = ?`, im.opts.Category).Scan(&id)
	return id, err
}

// renderQuestion makes a question's post: the tweet, under the context it
// replied to, each context tweet quoted as "In reply to @handle:" and its
// text.
func (s *Store) renderQuestion(q social.Item, context []social.Item) (string, markup.Rendered, error) {
	if len(context) == 0 {
		return s.md.RenderTweet(q.Text)
	}
	var b strings.Builder
	for _, c := range context {
		label := "In reply to:"
		if h := strings.TrimPrefix(strings.TrimSpace(c.Handle), "@"); h != "" {
			label = "In reply to @" + h + ":"
		}
		b.WriteString("> " + markup.TweetMarkdown(label) + "  \n> ")
		b.WriteString(strings.ReplaceAll(markup.TweetMarkdown(c.Text), "\n", "\n> "))
		b.WriteString("\n\n")
	}
	b.WriteString(markup.TweetMarkdown(q.Text))
	md := b.String()
	r, err := s.md.Render(md)
	return md, r, err
}

// threadFromItem stores a tweet as a new thread's question, dated as the
// tweet, with the context it replied to, and returns the thread and the post.
func (s *Store) threadFromItem(ctx context.Context, tx dbtx, it social.Item, context []social.Item, categoryID int64) (int64, int64, error) {
	author, err := s.placeholderUser(ctx, tx, it)
	if err != nil {
		return 0, 0, err
	}
	title := social.TweetTitle(it.Text, it.Handle, TitleMin)
	md, r, err := s.renderQuestion(it, context)
	if err != nil {
		return 0, 0, err
	}
	var threadID, postID int64
	lang, checked := social.ThreadLang(it.Lang)
	if err := tx.QueryRowContext(ctx, `INSERT INTO threads (category_id, author_id, title, slug, created_at, last_activity_at, source_url, lang, lang_checked)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, categoryID, author, title, Slugify(title), it.Created, it.Created,
		social.SourceRef(it.Handle, it.ID, it.Format), lang, checked).Scan(&threadID); err != nil {
		return 0, 0, err
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO posts (thread_id, author_id, is_question, body_md, body_html, body_text, created_at)
		VALUES (?, ?, 1, ?, ?, ?, ?) RETURNING id`, threadID, author, md, r.HTML, r.Text, it.Created).Scan(&postID); err != nil {
		return 0, 0, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE threads SET question_id = ? WHERE id = ?`, postID, threadID); err != nil {
		return 0, 0, err
	}
	if err = social.MarkConverted(ctx, tx, it.ID, threadID, postID); err != nil {
		return 0, 0, err
	}
	for _, c := range context {
		if err = social.MarkAppended(ctx, tx, c.ID, threadID, postID); err != nil {
			return 0, 0, err
		}
	}
	return threadID, postID, nil
}

// answerFromItem adds a tweet to a thread as an answer, dated as the tweet
// but never before notBefore (its question's time).
func (s *Store) answerFromItem(ctx context.Context, tx dbtx, threadID int64, it social.Item, notBefore int64) error {
	author, err := s.placeholderUser(ctx, tx, it)
	if err != nil {
		return err
	}
	md, r, err := s.md.RenderTweet(it.Text)
	if err != nil {
		return err
	}
	var postID int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO posts (thread_id, author_id, body_md, body_html, body_text, created_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, threadID, author, md, r.HTML, r.Text, max(it.Created, notBefore)).Scan(&postID); err != nil {
		return err
	}
	return social.MarkAnswered(ctx, tx, it.ID, threadID, postID)
}

// UnknownXAuthor is the X user id recorded on the one profile of imported
// posts whose file named no author (accounts.UnknownXAuthor; X ids start
// at 1). Alias: moved to models/accounts.
const UnknownXAuthor = accounts.UnknownXAuthor

// MergedInto is the thread an import merged thread id into (see
// mergeThread), or ErrNotFound when it was not merged.
func (s *Store) MergedInto(ctx context.Context, id int64) (int64, error) {
	var to int64
	err := s.reader(ctx).QueryRowContext(ctx, `SELECT duplicate_of FROM threads WHERE id = ? AND question_id IS NULL AND duplicate_of IS NOT NULL`, id).Scan(&to)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("merged thread %d: %w", id, err)
	}
	return to, nil
}
