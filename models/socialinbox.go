package models

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/crowdcare/crowdcare/models/social"
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
func (i InboxItem) URL() string { return social.TweetURL(i.Handle, i.TweetID, i.Format) }

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

// InboxPage is one page of conversations, with what the filters can offer.
type InboxPage struct {
	Conversations []InboxConversation
	Languages     []string
	Rules         []SocialRule
	Counts        map[string]int // items per status
	Paging
}

// InboxStatuses are the views of the inbox.
func InboxStatuses() []string { return []string{"new", "filtered", "dismissed", "spam", "converted"} }

// Inbox lists conversations with items in the chosen state, newest activity first.
func (s *Store) Inbox(ctx context.Context, actor *User, q InboxQuery) (*InboxPage, error) {
	if !actor.Can(PermTriageSocial) {
		return nil, ErrForbidden
	}
	if err := checkListPage(q.Page); err != nil {
		return nil, err
	}
	if q.Status == "" {
		q.Status = "new"
	}
	statuses := []string{q.Status}
	if q.Status == "converted" {
		statuses = append(statuses, "appended")
	}
	where := ` WHERE status IN (` + placeholders(len(statuses)) + `)`
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
	page := &InboxPage{Counts: map[string]int{}}
	total, err := s.countUpTo(ctx, `SELECT DISTINCT conversation_id FROM social_items`+where, args...)
	if err != nil {
		return nil, fmt.Errorf("count inbox: %w", err)
	}
	page.Paging = listPaging(q.Page, total, ThreadsPerPage)
	convs, err := s.strings(ctx, `SELECT conversation_id FROM social_items`+where+` GROUP BY conversation_id
		ORDER BY MAX(created_at) DESC LIMIT ? OFFSET ?`, append(args, ThreadsPerPage, (page.Page-1)*ThreadsPerPage)...)
	if err != nil {
		return nil, err
	}
	for _, c := range convs {
		items, err := s.conversationItems(ctx, c)
		if err != nil {
			return nil, err
		}
		page.Conversations = append(page.Conversations, InboxConversation{ID: c, Items: items})
	}
	if page.Languages, err = s.strings(ctx, `SELECT DISTINCT lang FROM social_items WHERE lang != '' ORDER BY lang`); err != nil {
		return nil, err
	}
	if page.Rules, err = s.SocialRules(ctx); err != nil {
		return nil, err
	}
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT status, COUNT(*) FROM social_items GROUP BY status`)
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
		page.Counts[st] += n
	}
	return page, rows.Err()
}

func (s *Store) strings(ctx context.Context, q string, args ...any) ([]string, error) {
	return column[string](s.reader(ctx).QueryContext(ctx, q, args...))
}

func (s *Store) conversationItems(ctx context.Context, conv string) ([]InboxItem, error) {
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT i.tweet_id, i.in_reply_to_id, i.author_handle, i.author_name, i.text, i.lang, i.status,
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

// conversationsOf maps selected item ids to their distinct conversations.
func conversationsOf(ctx context.Context, tx *sql.Tx, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, &ValidationError{Fields: map[string]string{"items": "Select at least one item."}}
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return column[string](tx.QueryContext(ctx, `SELECT DISTINCT conversation_id FROM social_items WHERE tweet_id IN (`+placeholders(len(ids))+`)`, args...))
}

// ConvertSocial turns the conversations of the selected items into threads
// in a category; a title replaces the generated one when one conversation is chosen.
func (s *Store) ConvertSocial(ctx context.Context, actor *User, ids []string, categorySlug, title string) (int, error) {
	if !actor.Can(PermTriageSocial) {
		return 0, ErrForbidden
	}
	cat, err := s.CategoryBySlug(ctx, categorySlug)
	if err != nil {
		return 0, &ValidationError{Fields: map[string]string{"category": "Choose a category."}}
	}
	title = strings.Join(strings.Fields(title), " ")
	if title != "" {
		v := validator{}
		checkTitle(v, title)
		if err := v.err(); err != nil {
			return 0, err
		}
	}
	im := &Importer{s: s}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		// Counted from nothing each time the transaction runs.
		im.sum = ImportSummary{Filtered: map[string]int{}}
		convs, err := conversationsOf(ctx, tx, ids)
		if err != nil {
			return err
		}
		// One audit line per conversation, naming the thread it went to.
		for _, c := range convs {
			threads, answers := im.sum.Threads, im.sum.Answers
			if err := im.convertConversation(ctx, tx, c, cat.ID); err != nil {
				return err
			}
			created, added := im.sum.Threads > threads, im.sum.Answers-answers
			if !created && added == 0 {
				continue // nothing converted: brand replies alone wait for a question
			}
			var tid int64
			if err := tx.QueryRowContext(ctx, `SELECT thread_id FROM social_items WHERE conversation_id = ? AND thread_id IS NOT NULL LIMIT 1`,
				c).Scan(&tid); err != nil {
				return fmt.Errorf("thread of conversation %s: %w", c, err)
			}
			if title != "" && len(convs) == 1 && created {
				if _, err := tx.ExecContext(ctx, `UPDATE threads SET title = ?, slug = ? WHERE id = ?`, title, Slugify(title), tid); err != nil {
					return err
				}
				if err := s.indexThread(ctx, tx, tid); err != nil {
					return err
				}
			}
			action, reason := "append_social", countNoun(added, "post", "posts")+" added as answers"
			if created {
				action, reason = "convert_social", countNoun(added+1, "post", "posts")+" from X, in "+cat.Name
			}
			if err := logAction(ctx, tx, s.now(), actor, action, "thread", tid, reason); err != nil {
				return err
			}
		}
		return nil
	})
	return im.sum.Threads, err
}

// AppendSocial adds the selected new items to an existing thread as answers.
func (s *Store) AppendSocial(ctx context.Context, actor *User, ids []string, threadID int64) error {
	if !actor.Can(PermTriageSocial) {
		return ErrForbidden
	}
	t, err := s.Thread(ctx, threadID)
	if err != nil || t.Gone() {
		return &ValidationError{Fields: map[string]string{"thread": "There is no visible thread with that number."}}
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if len(ids) == 0 {
			return &ValidationError{Fields: map[string]string{"items": "Select at least one item."}}
		}
		for _, id := range ids {
			it, err := scanSocialItem(tx.QueryRowContext(ctx, `SELECT `+socialItemColumns+` FROM social_items WHERE tweet_id = ?`, id))
			if err == sql.ErrNoRows || (err == nil && it.status != "new") {
				continue
			}
			if err != nil {
				return err
			}
			if err := s.answerFromItem(ctx, tx, threadID, it, t.CreatedAt.Unix()); err != nil {
				return err
			}
		}
		if err := s.refreshThread(ctx, tx, threadID); err != nil {
			return err
		}
		return logAction(ctx, tx, s.now(), actor, "append_social", "thread", threadID, countNoun(len(ids), "post", "posts")+" added as answers")
	})
}

// SetSocialStatus dismisses, marks as spam, or restores (status "new") items.
// Restoring is how a wrong filter is undone.
func (s *Store) SetSocialStatus(ctx context.Context, actor *User, ids []string, status string) (int, error) {
	if !actor.Can(PermTriageSocial) {
		return 0, ErrForbidden
	}
	from := map[string]string{"dismissed": "'new'", "spam": "'new', 'filtered'", "new": "'filtered', 'dismissed', 'spam'"}[status]
	if from == "" {
		return 0, &ValidationError{Fields: map[string]string{"action": "Choose an action."}}
	}
	if len(ids) == 0 {
		return 0, &ValidationError{Fields: map[string]string{"items": "Select at least one item."}}
	}
	args := []any{status}
	for _, id := range ids {
		args = append(args, id)
	}
	var n int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE social_items SET status = ?, filter_reason = CASE WHEN ?1 = 'new' THEN '' ELSE filter_reason END
			WHERE tweet_id IN (`+placeholders(len(ids))+`) AND status IN (`+from+`)`, args...)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return logAction(ctx, tx, s.now(), actor, "social_"+status, "social", 0, countNoun(int(n), "post", "posts"))
	})
	return int(n), err
}

// countNoun is "1 post" or "3 posts", for audit lines.
func countNoun(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
