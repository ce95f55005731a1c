package models

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/crowdcare/crowdcare/models/social"
)

// The inbox's items, conversations and query (models/social); aliases for
// the handlers.
type (
	InboxItem         = social.InboxItem         // alias: moved to models/social
	InboxConversation = social.InboxConversation // alias: moved to models/social
	InboxQuery        = social.InboxQuery        // alias: moved to models/social
)

// InboxPage is one page of conversations, with what the filters can offer.
type InboxPage struct {
	Conversations []InboxConversation
	Languages     []string
	Rules         []SocialRule
	Counts        map[string]int // items per status
	Paging
}

// InboxStatuses are the views of the inbox (social.InboxStatuses, for the
// handlers).
func InboxStatuses() []string { return social.InboxStatuses() }

// Inbox lists conversations with items in the chosen state, newest activity first.
func (s *Store) Inbox(ctx context.Context, actor *User, q InboxQuery) (*InboxPage, error) {
	if !actor.Can(PermTriageSocial) {
		return nil, ErrForbidden
	}
	if err := checkListPage(q.Page); err != nil {
		return nil, err
	}
	total, err := s.CountInboxConversations(ctx, q, listCountLimit+1)
	if err != nil {
		return nil, err
	}
	page := &InboxPage{}
	page.Paging = listPaging(q.Page, total, ThreadsPerPage)
	if page.Conversations, err = s.InboxConversations(ctx, q, ThreadsPerPage, (page.Page-1)*ThreadsPerPage); err != nil {
		return nil, err
	}
	if page.Languages, err = s.InboxLanguages(ctx); err != nil {
		return nil, err
	}
	if page.Rules, err = s.SocialRules(ctx); err != nil {
		return nil, err
	}
	if page.Counts, err = s.InboxCounts(ctx); err != nil {
		return nil, err
	}
	return page, nil
}

func (s *Store) strings(ctx context.Context, q string, args ...any) ([]string, error) {
	return column[string](s.reader(ctx).QueryContext(ctx, q, args...))
}

// conversationsOf maps selected item ids to their distinct conversations.
func conversationsOf(ctx context.Context, tx *sql.Tx, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, &ValidationError{Fields: map[string]string{"items": "Select at least one item."}}
	}
	return social.ConversationsOf(ctx, tx, ids)
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
		if err := v.Err(); err != nil {
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
			tid, err := social.ConversationThread(ctx, tx, c)
			if err != nil {
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
			it, err := social.ItemByID(ctx, tx, id)
			if err == sql.ErrNoRows || (err == nil && it.Status != "new") {
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
	if !social.CanSetStatus(status) {
		return 0, &ValidationError{Fields: map[string]string{"action": "Choose an action."}}
	}
	if len(ids) == 0 {
		return 0, &ValidationError{Fields: map[string]string{"items": "Select at least one item."}}
	}
	var n int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if n, err = social.SetStatus(ctx, tx, ids, status); err != nil {
			return err
		}
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
