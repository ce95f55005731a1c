package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/crowdcare/crowdcare/models/forum"
)

// Limits on what a question may hold (forum's). Aliases: moved to models/forum.
const (
	TitleMin = forum.TitleMin
	TitleMax = forum.TitleMax
	BodyMin  = forum.BodyMin
	BodyMax  = forum.BodyMax
	TagsMax  = forum.TagsMax
	TagMax   = forum.TagMax
)

// Thread is a question with its answers' summary (forum.Thread). Alias:
// moved to models/forum.
type Thread = forum.Thread

// ThreadURL is the canonical address of thread id, whose slug is slug.
func ThreadURL(id int64, slug string) string { return forum.ThreadURL(id, slug) }

// NewThread is what the ask form sends.
type NewThread struct {
	Title        string
	CategorySlug string
	Body         string
	Tags         string // comma-separated, as typed
	// Key is the form's submission key: the same key again (within a day)
	// gives the thread the first submission made, and writes nothing.
	Key string
}

// ParseTags splits a comma-separated tag field into clean, unique tags.
func ParseTags(s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range strings.Split(s, ",") {
		t = strings.Join(strings.Fields(strings.ToLower(t)), "-")
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
	}
	return out
}

func validTag(t string) bool {
	if utf8.RuneCountInString(t) > TagMax {
		return false
	}
	for _, r := range t {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("-+.#", r) || r > 127 && r != 0xFFFD) {
			return false
		}
	}
	return true
}

func checkTitle(v validator, title string) {
	n := utf8.RuneCountInString(title)
	v.Check(n > 0, "title", "Give your question a title.")
	if r, ok := firstControl(title); ok {
		v.Check(false, "title", fmt.Sprintf("Remove the control character %U from the title: a title is plain text on one line.", r))
	}
	v.Check(n >= TitleMin, "title", fmt.Sprintf("Make the title at least %d characters: say what goes wrong.", TitleMin))
	v.Check(n <= TitleMax, "title", fmt.Sprintf("Keep the title to %d characters at most (it has %d).", TitleMax, n))
}

func checkBody(v validator, body string) {
	n := utf8.RuneCountInString(body)
	v.Check(n > 0, "body", "Write something.")
	v.Check(n >= BodyMin, "body", fmt.Sprintf("Write at least %d characters.", BodyMin))
	v.Check(n <= BodyMax, "body", fmt.Sprintf("Keep it to %d characters at most (it has %d).", BodyMax, n))
}

func checkTags(v validator, tags []string) {
	v.Check(len(tags) <= TagsMax, "tags", fmt.Sprintf("Use at most %d tags.", TagsMax))
	for _, t := range tags {
		v.Check(validTag(t), "tags", fmt.Sprintf("Tags are up to %d letters, digits, dashes, dots, + or #: %q is not.", TagMax, t))
	}
}

// CreateThread stores a question and returns its thread.
func (s *Store) CreateThread(ctx context.Context, author *User, n NewThread) (*Thread, error) {
	n.Key = submissionKey("thread", n.Key)
	var t *Thread
	id, first, err := s.repeated(ctx, author.ID, n.Key, func() (int64, error) {
		var err error
		if t, err = s.createThread(ctx, author, n, false); err != nil {
			return 0, err
		}
		return t.ID, nil
	})
	if err != nil {
		return nil, err
	}
	if first {
		return t, nil
	}
	return s.Thread(ctx, id)
}

// createThread is CreateThread; trusted skips the posting rules (rate
// limit, approval queue, the checks before the write), for content the
// operator seeds. The write itself refuses a suspended or deleted author
// either way (withinPostBudget).
func (s *Store) createThread(ctx context.Context, author *User, n NewThread, trusted bool) (*Thread, error) {
	n.Title = strings.Join(strings.Fields(cleanText(n.Title)), " ")
	n.Body = strings.TrimSpace(cleanText(n.Body))
	tags := ParseTags(cleanText(n.Tags))
	v := validator{}
	checkTitle(v, n.Title)
	checkBody(v, n.Body)
	checkTags(v, tags)
	r, err := s.renderBody(v, "body", n.Body)
	if err != nil {
		return nil, err
	}
	cat, err := s.CategoryBySlug(ctx, n.CategorySlug)
	if errors.Is(err, ErrNotFound) {
		v.Check(false, "category", "Choose a category.")
	} else if err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if ok, err := s.CanSeeCategory(ctx, author, cat.ID); err != nil || !ok {
		return nil, &ValidationError{Fields: map[string]string{"category": "Choose a category."}}
	}
	pending, perHour := false, 0
	if !trusted {
		if perHour, err = s.checkCanPost(ctx, author); err != nil {
			return nil, err
		}
		if pending, err = s.needsApproval(ctx, author, r.HasLink); err != nil {
			return nil, err
		}
	}
	lim, err := s.uploadLimitsFor(ctx, r)
	if err != nil {
		return nil, err
	}
	now := s.now().Unix()
	t := &Thread{Category: *cat, Author: author.Ref(), Title: n.Title, Slug: Slugify(n.Title), Tags: tags,
		CreatedAt: time.Unix(now, 0), LastActivityAt: time.Unix(now, 0), Pending: pending}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.withinPostBudget(ctx, tx, author, perHour); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO threads (category_id, author_id, title, slug, created_at, last_activity_at, pending)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, cat.ID, author.ID, t.Title, t.Slug, now, now, pending).Scan(&t.ID); err != nil {
			return err
		}
		if err := s.claimSubmission(ctx, tx, author.ID, n.Key, t.ID); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO posts (thread_id, author_id, is_question, body_md, body_html, body_text, created_at, pending)
			VALUES (?, ?, 1, ?, ?, ?, ?, ?) RETURNING id`, t.ID, author.ID, n.Body, r.HTML, r.Text, now, pending).Scan(&t.QuestionID); err != nil {
			return err
		}
		if err := s.attachReferenced(ctx, tx, author.ID, t.QuestionID, r.Uploads, lim); err != nil {
			return err
		}
		// Askers watch their own questions.
		if _, err := tx.ExecContext(ctx, `INSERT INTO watches (user_id, thread_id) VALUES (?, ?)`, author.ID, t.ID); err != nil {
			return err
		}
		if !pending {
			if err := s.notifyNewPost(ctx, tx, author, t, t.QuestionID, n.Body, true); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE threads SET question_id = ? WHERE id = ?`, t.QuestionID, t.ID); err != nil {
			return err
		}
		if err := setTags(ctx, tx, t.ID, tags); err != nil {
			return err
		}
		return s.indexThread(ctx, tx, t.ID)
	})
	if err != nil {
		return nil, fmt.Errorf("create thread: %w", err)
	}
	return t, nil
}

// setTags replaces a thread's tags (forum.SetTags).
func setTags(ctx context.Context, tx dbtx, threadID int64, tags []string) error {
	return forum.SetTags(ctx, tx, threadID, tags)
}

// Reading threads (their columns, scanning, Thread, the tags) is the
// forum's (models/forum/read.go); these are the names this package's files use.

const (
	threadColumns = forum.ThreadColumns
	threadJoins   = forum.ThreadJoins
)

func (s *Store) scanThread(row interface{ Scan(...any) error }) (*Thread, error) {
	return s.Forum.ScanThread(row)
}

// fillTags loads the tags of a page of threads in one query.
func (s *Store) fillTags(ctx context.Context, threads []*Thread) error {
	return s.Forum.FillTags(ctx, threads)
}
