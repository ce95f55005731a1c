package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// socialItem is a stored tweet as conversion needs it.
type socialItem struct {
	id, parent, handle, name, text, status, lang string
	format                                       string // the tweets.Format it was read from
	brand                                        bool
	created                                      int64
	ruleID                                       int64
	thread                                       int64 // its thread, when it has one
}

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
			parts, err := im.prepareBatch(quiet, im.s.r, batch(k))
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
			c := newStmtCache(tx)
			defer c.close()
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
	q := `SELECT conversation_id FROM social_items WHERE import_id = ? AND status = 'new' GROUP BY conversation_id ORDER BY MIN(created_at), conversation_id`
	if im.opts.Triage {
		q = `SELECT conversation_id FROM social_items WHERE import_id = ? AND status = 'new' GROUP BY conversation_id
			HAVING MAX(rule_id IN (SELECT id FROM social_rules WHERE trusted = 1 AND active = 1)) = 1 ORDER BY MIN(created_at), conversation_id`
	}
	out, err := column[string](tx.QueryContext(ctx, q, im.id))
	if err != nil {
		return nil, fmt.Errorf("list conversations: %w", err)
	}
	return out, nil
}

func loadConversation(ctx context.Context, tx dbtx, conv string) ([]socialItem, int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+socialItemColumns+` FROM social_items WHERE conversation_id = ? ORDER BY created_at, tweet_id`, conv)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var items []socialItem
	var thread int64
	for rows.Next() {
		it, t, err := scanSocialItem(rows)
		if err != nil {
			return nil, 0, err
		}
		if t != 0 && thread == 0 {
			thread = t
		}
		items = append(items, it)
	}
	return items, thread, rows.Err()
}

// convertConversation makes (or extends) the thread of one conversation.
// The root tweet is the question when it is usable; otherwise the first new
// customer tweet is. Brand replies are answers by the brand's account.
// categoryID 0 means the import's category (or the matching rule's).
func (im *Importer) convertConversation(ctx context.Context, tx dbtx, conv string, categoryID int64) error {
	items, threadID, err := loadConversation(ctx, tx, conv)
	if err != nil {
		return err
	}
	var fresh []socialItem
	for _, it := range items {
		if it.status == "new" {
			fresh = append(fresh, it)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	answers := fresh
	if threadID == 0 {
		q := questionIndex(conv, fresh)
		if q < 0 {
			return nil // only brand replies: they wait in the inbox for a question
		}
		if categoryID == 0 {
			if categoryID, err = im.categoryFor(ctx, tx, fresh[q]); err != nil {
				return err
			}
		}
		if threadID, err = im.s.threadFromItem(ctx, tx, fresh[q], categoryID); err != nil {
			return err
		}
		im.sum.Threads++
		answers = append(append([]socialItem{}, fresh[:q]...), fresh[q+1:]...)
	}
	for _, it := range answers {
		if err := im.s.answerFromItem(ctx, tx, threadID, it); err != nil {
			return err
		}
		im.sum.Answers++
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

func (im *Importer) categoryFor(ctx context.Context, tx dbtx, it socialItem) (int64, error) {
	var id int64
	if it.ruleID != 0 {
		err := tx.QueryRowContext(ctx, `SELECT COALESCE(category_id, 0) FROM social_rules WHERE id = ?`, it.ruleID).Scan(&id)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, err
		}
		if id != 0 {
			return id, nil
		}
	}
	err := tx.QueryRowContext(ctx, `SELECT id FROM categories WHERE slug = ?`, im.opts.Category).Scan(&id)
	return id, err
}

// threadFromItem stores a tweet as a new thread's question, dated as the tweet.
func (s *Store) threadFromItem(ctx context.Context, tx dbtx, it socialItem, categoryID int64) (int64, error) {
	author, err := s.placeholderUser(ctx, tx, it.handle, it.name, it.brand)
	if err != nil {
		return 0, err
	}
	title := TweetTitle(it.text, it.handle)
	md, r, err := s.md.renderTweet(it.text)
	if err != nil {
		return 0, err
	}
	var threadID, postID int64
	lang, checked := threadLang(it.lang)
	if err := tx.QueryRowContext(ctx, `INSERT INTO threads (category_id, author_id, title, slug, created_at, last_activity_at, source_url, lang, lang_checked)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, categoryID, author, title, Slugify(title), it.created, it.created,
		sourceRef(it.handle, it.id, it.format), lang, checked).Scan(&threadID); err != nil {
		return 0, err
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO posts (thread_id, author_id, is_question, body_md, body_html, body_text, created_at)
		VALUES (?, ?, 1, ?, ?, ?, ?) RETURNING id`, threadID, author, md, r.HTML, r.Text, it.created).Scan(&postID); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE threads SET question_id = ? WHERE id = ?`, postID, threadID); err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, `UPDATE social_items SET status = 'converted', thread_id = ?, post_id = ? WHERE tweet_id = ?`, threadID, postID, it.id)
	return threadID, err
}

// answerFromItem adds a tweet to a thread as an answer, dated as the tweet.
func (s *Store) answerFromItem(ctx context.Context, tx dbtx, threadID int64, it socialItem) error {
	author, err := s.placeholderUser(ctx, tx, it.handle, it.name, it.brand)
	if err != nil {
		return err
	}
	md, r, err := s.md.renderTweet(it.text)
	if err != nil {
		return err
	}
	var postID int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO posts (thread_id, author_id, body_md, body_html, body_text, created_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, threadID, author, md, r.HTML, r.Text, it.created).Scan(&postID); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE social_items SET status = CASE WHEN status = 'new' THEN 'appended' ELSE status END,
		thread_id = ?, post_id = ? WHERE tweet_id = ?`, threadID, postID, it.id)
	return err
}

var handleChars = regexp.MustCompile(`[^A-Za-z0-9_.-]`)

// placeholderHandle is the handle a placeholder profile is filed under.
func placeholderHandle(handle string) string {
	handle = strings.TrimPrefix(strings.TrimSpace(handle), "@")
	if handle == "" {
		return "unknown"
	}
	return handle
}

// placeholderUser finds or makes the profile of someone imported from X:
// "@handle", no password, no login, until an admin links it to a real
// account. The brand's handles become ambassador profiles.
func (s *Store) placeholderUser(ctx context.Context, tx dbtx, handle, name string, brand bool) (int64, error) {
	handle = placeholderHandle(handle)
	var id int64
	// "x_handle != ''" lets SQLite use the partial index on lower(x_handle).
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(linked_to, id) FROM users WHERE x_handle != '' AND lower(x_handle) = lower(?)
		ORDER BY id LIMIT 1`, handle).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	return s.newPlaceholder(ctx, tx, handle, brand)
}

// newPlaceholder makes the profile of a handle that has none, under a free
// username as close to the handle as the username rules allow.
func (s *Store) newPlaceholder(ctx context.Context, tx dbtx, handle string, brand bool) (int64, error) {
	base := placeholderUsername(handle)
	var id int64
	for n := 0; n < 50; n++ {
		username := base
		if n > 0 {
			username = fmt.Sprintf("%s_x%d", base, n)
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO users (username, email, password_hash, role, created_at, imported, x_handle)
			SELECT ?, ?, '!', ?, ?, 1, ? WHERE NOT EXISTS (SELECT 1 FROM users WHERE lower(username) = lower(?))
			RETURNING id`, username, placeholderEmail(handle, n), string(placeholderRole(brand)), s.now().Unix(), handle, username).Scan(&id)
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, sql.ErrNoRows) && !strings.Contains(err.Error(), "UNIQUE") {
			return 0, fmt.Errorf("placeholder for @%s: %w", handle, err)
		}
	}
	return 0, fmt.Errorf("no free username for @%s", handle)
}

// placeholderUsername is the username a handle's profile gets when it is
// free: the handle with what usernames cannot hold replaced.
func placeholderUsername(handle string) string {
	base := handleChars.ReplaceAllString(handle, "_")
	if len(base) < 3 {
		base = "x_" + base
	}
	if len(base) > 26 {
		base = base[:26]
	}
	base = strings.Trim(base, "_.-")
	if base == "" || !usernamePattern.MatchString(base) {
		base = "x_" + strings.Trim(base, "_.-") + "_user"
	}
	return base
}

// placeholderEmail is the n-th try's address: unique, and never delivered.
func placeholderEmail(handle string, n int) string {
	return "x-" + strings.ToLower(handleChars.ReplaceAllString(handle, "_")) + fmt.Sprintf("-%d", n) + "@imported.invalid"
}

func placeholderRole(brand bool) Role {
	if brand {
		return RoleAmbassador
	}
	return RoleMember
}
