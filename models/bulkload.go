package models

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// This file is the store's bulk loader: whole threads, member lists and
// posts from X written as they stand, many to a transaction, without the
// one-post-at-a-time path's rules (posting limits, the approval queue,
// notifications, reputation). It is for bringing a forum's history in from
// elsewhere; the benchmark corpora (internal/bench) are written with it.

// BulkPost is one post of a BulkThread, as it was written.
type BulkPost struct {
	AuthorID int64
	Body     string // Markdown, rendered as a post's is
	At       time.Time
	Helpful  int // helpful votes counted (answers only)
}

// BulkThread is a whole thread to store as it stands.
type BulkThread struct {
	CategoryID int64
	AuthorID   int64
	Title      string
	Tags       []string // parsed as a member's tags are (ParseTags)
	At         time.Time
	Question   BulkPost
	Answers    []BulkPost // in the order written
	// Accepted is the index in Answers of the accepted answer, -1 for none;
	// AcceptedAt when it was accepted.
	Accepted   int
	AcceptedAt time.Time
}

// WriteThreads stores threads in one transaction: each thread, its posts
// (Markdown rendered as when a member posts), its counters, tags, and its
// KB article when it has an accepted answer, or else its search row.
// Authors and categories must exist. It writes nothing else: no
// notifications, reputation or audit entries.
func (s *Store) WriteThreads(ctx context.Context, threads []BulkThread) error {
	// Render outside the transaction: the writer is held for the writes only.
	type rendered struct{ html, text string }
	out := make([][]rendered, len(threads))
	for i, t := range threads {
		for j, p := range append([]BulkPost{t.Question}, t.Answers...) {
			rd, err := s.md.Render(p.Body)
			if err != nil {
				return fmt.Errorf("render thread %q post %d: %w", t.Title, j, err)
			}
			out[i] = append(out[i], rendered{rd.HTML, rd.Text})
		}
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for i, t := range threads {
			if err := s.writeThread(ctx, tx, t, func(j int) (string, string) { return out[i][j].html, out[i][j].text }); err != nil {
				return fmt.Errorf("thread %q: %w", t.Title, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("write threads: %w", err)
	}
	return nil
}

func (s *Store) writeThread(ctx context.Context, tx *sql.Tx, t BulkThread, rendered func(j int) (html, text string)) error {
	var threadID int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO threads (category_id, author_id, title, slug, created_at, last_activity_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, t.CategoryID, t.AuthorID, t.Title, Slugify(t.Title), t.At.Unix(), t.At.Unix()).Scan(&threadID); err != nil {
		return err
	}
	post := func(j int, p BulkPost, question bool) (int64, error) {
		html, text := rendered(j)
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO posts (thread_id, author_id, is_question, body_md, body_html, body_text,
			helpful_count, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			threadID, p.AuthorID, question, p.Body, html, text, p.Helpful, p.At.Unix()).Scan(&id)
		return id, err
	}
	qid, err := post(0, t.Question, true)
	if err != nil {
		return err
	}
	last := t.Question.At
	var answerIDs []int64
	for j, a := range t.Answers {
		id, err := post(j+1, a, false)
		if err != nil {
			return err
		}
		answerIDs = append(answerIDs, id)
		last = a.At
	}
	var accepted, acceptedAt, firstAnswerAt any
	if len(t.Answers) > 0 {
		firstAnswerAt = t.Answers[0].At.Unix()
	}
	if t.Accepted >= 0 && t.Accepted < len(answerIDs) {
		accepted, acceptedAt = answerIDs[t.Accepted], t.AcceptedAt.Unix()
	}
	if _, err := tx.ExecContext(ctx, `UPDATE threads SET question_id = ?, accepted_id = ?, answer_count = ?, last_activity_at = ?,
		first_answer_at = ?, accepted_at = ?, accepted_author_id = (SELECT author_id FROM posts WHERE id = ?2) WHERE id = ?`,
		qid, accepted, len(t.Answers), last.Unix(), firstAnswerAt, acceptedAt, threadID); err != nil {
		return err
	}
	if err := setTags(ctx, tx, threadID, ParseTags(strings.Join(t.Tags, ","))); err != nil {
		return err
	}
	if accepted != nil {
		if err := s.createArticle(ctx, tx, threadID, accepted.(int64)); err != nil {
			return err
		}
	}
	return s.indexThread(ctx, tx, threadID)
}

// BulkMember is an account for CreateMembers.
type BulkMember struct {
	Username, Email string
}

// CreateMembers creates member accounts in one transaction, all with one
// password (hashed once), their addresses taken as confirmed, as for
// accounts an operator makes. A username already taken is left as it is.
// It returns the accounts' ids in the order given: for bringing a member
// list in from elsewhere.
func (s *Store) CreateMembers(ctx context.Context, members []BulkMember, password string) ([]int64, error) {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.opts.PasswordCost)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	var ids []int64
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		ids = make([]int64, 0, len(members)) // afresh if the transaction runs again
		now := s.now().Unix()
		for _, m := range members {
			var id int64
			err := tx.QueryRowContext(ctx, `INSERT INTO users (username, email, password_hash, created_at, email_verified_at)
				VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT DO NOTHING RETURNING id`, m.Username, m.Email, string(hash), now).Scan(&id)
			if err == sql.ErrNoRows {
				err = tx.QueryRowContext(ctx, `SELECT id FROM users WHERE username = ?`, m.Username).Scan(&id)
			}
			if err != nil {
				return fmt.Errorf("member %q: %w", m.Username, err)
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("create members: %w", err)
	}
	return ids, nil
}

// NewSocialItem is a post from X for AddSocialItems: its own conversation,
// its language known.
type NewSocialItem struct {
	TweetID, AuthorHandle, Text, Lang string
	CreatedAt                         time.Time
}

// AddSocialItems puts posts from X in the triage inbox as they are, in one
// transaction, marked as coming from source: no watch rules, filters or
// language detection run on them (an import does that: NewImporter). For
// posts gathered elsewhere and already sorted; the benchmarks' mentions.
func (s *Store) AddSocialItems(ctx context.Context, source string, items []NewSocialItem) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO social_items (tweet_id, conversation_id, author_handle, text, lang, lang_checked,
			status, source, created_at, imported_at) VALUES (?1, ?1, ?2, ?3, ?4, 1, 'new', ?5, ?6, ?7)`)
		if err != nil {
			return err
		}
		defer st.Close()
		now := s.now().Unix()
		for _, it := range items {
			if _, err := st.ExecContext(ctx, it.TweetID, it.AuthorHandle, it.Text, it.Lang, source, it.CreatedAt.Unix(), now); err != nil {
				return fmt.Errorf("item %s: %w", it.TweetID, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("add social items: %w", err)
	}
	return nil
}

// CountSocialItems counts the posts from X that came from source.
func (s *Store) CountSocialItems(ctx context.Context, source string) (int, error) {
	var n int
	if err := s.db.Primary().QueryRowContext(ctx, `SELECT COUNT(*) FROM social_items WHERE source = ?`, source).Scan(&n); err != nil {
		return 0, fmt.Errorf("count social items from %s: %w", source, err)
	}
	return n, nil
}
