package models

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// What a member's data export holds, as its JSON files spell it. Threads
// the member can no longer open (a private category they left) are named
// by id only, except where they posted.

// ExportProfile is profile.json.
type ExportProfile struct {
	Username      string           `json:"username"`
	DisplayName   string           `json:"display_name"`
	Bio           string           `json:"bio"`
	Email         string           `json:"email"`
	EmailVerified bool             `json:"email_verified"`
	Role          Role             `json:"role"`
	WorkEmail     string           `json:"work_email,omitempty"`
	Reputation    int              `json:"reputation"`
	CreatedAt     time.Time        `json:"created_at"`
	Groups        []string         `json:"groups"`
	Identities    []ExportIdentity `json:"sign_in_identities"`
}

// ExportIdentity is a linked single sign-on identity.
type ExportIdentity struct {
	Issuer    string    `json:"issuer"`
	Subject   string    `json:"subject"`
	Email     string    `json:"email"`
	CreatedAt time.Time `json:"linked_at"`
}

// ExportSettings is settings.json.
type ExportSettings struct {
	EmailNotifications bool `json:"email_notifications"`
}

// ExportPost is one entry of posts.json, and a Markdown file.
type ExportPost struct {
	ID           int64            `json:"id"`
	ThreadID     int64            `json:"thread_id"`
	ThreadTitle  string           `json:"thread_title"`
	Question     bool             `json:"is_question"`
	URL          string           `json:"url"`
	BodyMarkdown string           `json:"body_markdown"`
	HelpfulCount int              `json:"helpful_count"`
	CreatedAt    time.Time        `json:"created_at"`
	EditedAt     *time.Time       `json:"edited_at,omitempty"`
	Deleted      bool             `json:"deleted"`
	Hidden       bool             `json:"hidden_by_moderator"`
	Pending      bool             `json:"awaiting_approval"`
	Revisions    []ExportRevision `json:"revisions"`
}

// ExportRevision is a post's text before one edit.
type ExportRevision struct {
	Title        string    `json:"title,omitempty"`
	BodyMarkdown string    `json:"body_markdown"`
	EditedAt     time.Time `json:"replaced_at"`
	ByYou        bool      `json:"edited_by_you"`
}

// ExportVote is one entry of votes.json: a post the member found helpful,
// or a KB article they rated.
type ExportVote struct {
	PostID      int64     `json:"post_id,omitempty"`
	ArticleID   int64     `json:"kb_article_id,omitempty"`
	ThreadID    int64     `json:"thread_id,omitempty"`
	ThreadTitle string    `json:"thread_title,omitempty"`
	Helpful     bool      `json:"helpful"`
	CreatedAt   time.Time `json:"created_at"`
}

// ExportWatch is one entry of watches.json.
type ExportWatch struct {
	ThreadID    int64  `json:"thread_id"`
	ThreadTitle string `json:"thread_title,omitempty"`
}

// ExportNotification is one entry of notifications.json.
type ExportNotification struct {
	Kind      string    `json:"kind"`
	Text      string    `json:"text"`
	ThreadID  int64     `json:"thread_id,omitempty"`
	PostID    int64     `json:"post_id,omitempty"`
	Read      bool      `json:"read"`
	CreatedAt time.Time `json:"created_at"`
}

// canOpen is a SQL condition: the user ?1 may open the category c (?2:
// they see every private one).
const canOpen = `(c.group_name = '' OR ?2 = 1 OR EXISTS (SELECT 1 FROM user_groups g
	WHERE g.user_id = ?1 AND g.group_name = c.group_name))`

// canReadTitle is a SQL expression: the thread t's title when the user
// ?1 may open its category c (canOpen), else ”.
const canReadTitle = `CASE WHEN ` + canOpen + ` THEN t.title ELSE '' END`

// ExportAccount reads profile.json and settings.json.
func (s *Store) ExportAccount(ctx context.Context, userID int64) (*ExportProfile, *ExportSettings, error) {
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return nil, nil, err
	}
	p := &ExportProfile{Username: u.Username, DisplayName: u.DisplayName, Bio: u.Bio, Email: u.Email,
		EmailVerified: u.EmailVerified(), Role: u.Role, WorkEmail: u.WorkEmail, Reputation: u.Reputation + u.PrivateReputation,
		CreatedAt: u.CreatedAt.UTC(), Groups: []string{}, Identities: []ExportIdentity{}}
	if p.Groups, err = s.UserGroups(ctx, userID); err != nil {
		return nil, nil, err
	}
	if p.Groups == nil {
		p.Groups = []string{}
	}
	ids, err := s.Identities(ctx, userID)
	if err != nil {
		return nil, nil, err
	}
	for _, id := range ids {
		p.Identities = append(p.Identities, ExportIdentity{Issuer: id.Issuer, Subject: id.Subject, Email: id.Email, CreatedAt: id.CreatedAt.UTC()})
	}
	return p, &ExportSettings{EmailNotifications: u.EmailNotifications}, nil
}

// ExportPosts calls fn with each post the member wrote, oldest first, with
// its revisions, without holding them all in memory. A thread the member
// may no longer open (moved to a private group's category since) is not
// named: its title, and the titles in the question's history, are left
// out, as in votes.json and watches.json; the member's own text stays.
func (s *Store) ExportPosts(ctx context.Context, u *User, fn func(ExportPost) error) error {
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT p.id, p.thread_id, `+canReadTitle+`, `+canOpen+`, p.is_question, p.body_md,
		p.helpful_count, p.created_at, COALESCE(p.edited_at, 0), p.deleted_at IS NOT NULL, p.hidden_at IS NOT NULL, p.pending
		FROM posts p JOIN threads t ON t.id = p.thread_id JOIN categories c ON c.id = t.category_id
		WHERE p.author_id = ?1 ORDER BY p.id`, u.ID, u.Can(PermSeePrivate))
	if err != nil {
		return fmt.Errorf("export posts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p ExportPost
		var open bool
		var created, edited int64
		if err := rows.Scan(&p.ID, &p.ThreadID, &p.ThreadTitle, &open, &p.Question, &p.BodyMarkdown, &p.HelpfulCount,
			&created, &edited, &p.Deleted, &p.Hidden, &p.Pending); err != nil {
			return fmt.Errorf("export posts: %w", err)
		}
		p.URL = fmt.Sprintf("/p/%d", p.ID)
		p.CreatedAt = time.Unix(created, 0).UTC()
		if edited != 0 {
			e := time.Unix(edited, 0).UTC()
			p.EditedAt = &e
		}
		if p.Revisions, err = s.exportRevisions(ctx, u.ID, p.ID); err != nil {
			return err
		}
		if !open {
			for i := range p.Revisions {
				p.Revisions[i].Title = ""
			}
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (s *Store) exportRevisions(ctx context.Context, userID, postID int64) ([]ExportRevision, error) {
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT title, body_md, created_at, editor_id = ? FROM post_revisions WHERE post_id = ? ORDER BY id`,
		userID, postID)
	if err != nil {
		return nil, fmt.Errorf("export revisions of %d: %w", postID, err)
	}
	defer rows.Close()
	out := []ExportRevision{}
	for rows.Next() {
		var r ExportRevision
		var at int64
		if err := rows.Scan(&r.Title, &r.BodyMarkdown, &at, &r.ByYou); err != nil {
			return nil, err
		}
		r.EditedAt = time.Unix(at, 0).UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// ExportVotes reads votes.json: helpful votes on posts, then KB ratings.
func (s *Store) ExportVotes(ctx context.Context, u *User) ([]ExportVote, error) {
	out := []ExportVote{}
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT v.post_id, t.id, `+canReadTitle+`, v.created_at FROM votes v
		JOIN posts p ON p.id = v.post_id JOIN threads t ON t.id = p.thread_id JOIN categories c ON c.id = t.category_id
		WHERE v.user_id = ?1 ORDER BY v.created_at, v.post_id`, u.ID, u.Can(PermSeePrivate))
	if err != nil {
		return nil, fmt.Errorf("export votes: %w", err)
	}
	err = scanRows(rows, func(r *sql.Rows) error {
		v := ExportVote{Helpful: true}
		var at int64
		if err := r.Scan(&v.PostID, &v.ThreadID, &v.ThreadTitle, &at); err != nil {
			return err
		}
		v.CreatedAt = time.Unix(at, 0).UTC()
		out = append(out, v)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("export votes: %w", err)
	}
	rows, err = s.reader(ctx).QueryContext(ctx, `SELECT k.id, t.id, `+canReadTitle+`, v.helpful, v.created_at FROM kb_votes v
		JOIN kb_articles k ON k.id = v.article_id JOIN threads t ON t.id = k.thread_id JOIN categories c ON c.id = t.category_id
		WHERE v.voter = ?3 ORDER BY v.created_at, k.id`, u.ID, u.Can(PermSeePrivate), fmt.Sprintf("u:%d", u.ID))
	if err != nil {
		return nil, fmt.Errorf("export KB votes: %w", err)
	}
	err = scanRows(rows, func(r *sql.Rows) error {
		var v ExportVote
		var at int64
		if err := r.Scan(&v.ArticleID, &v.ThreadID, &v.ThreadTitle, &v.Helpful, &at); err != nil {
			return err
		}
		v.CreatedAt = time.Unix(at, 0).UTC()
		out = append(out, v)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("export KB votes: %w", err)
	}
	return out, nil
}

// ExportWatches reads watches.json.
func (s *Store) ExportWatches(ctx context.Context, u *User) ([]ExportWatch, error) {
	out := []ExportWatch{}
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT t.id, `+canReadTitle+` FROM watches w
		JOIN threads t ON t.id = w.thread_id JOIN categories c ON c.id = t.category_id WHERE w.user_id = ?1 ORDER BY t.id`,
		u.ID, u.Can(PermSeePrivate))
	if err != nil {
		return nil, fmt.Errorf("export watches: %w", err)
	}
	err = scanRows(rows, func(r *sql.Rows) error {
		var w ExportWatch
		if err := r.Scan(&w.ThreadID, &w.ThreadTitle); err != nil {
			return err
		}
		out = append(out, w)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("export watches: %w", err)
	}
	return out, nil
}

// ExportNotifications calls fn with each of the member's notifications, oldest first.
func (s *Store) ExportNotifications(ctx context.Context, userID int64, fn func(ExportNotification) error) error {
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT kind, text, COALESCE(thread_id, 0), COALESCE(post_id, 0), read_at IS NOT NULL, created_at
		FROM notifications WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return fmt.Errorf("export notifications: %w", err)
	}
	return scanRows(rows, func(r *sql.Rows) error {
		var n ExportNotification
		var at int64
		if err := r.Scan(&n.Kind, &n.Text, &n.ThreadID, &n.PostID, &n.Read, &at); err != nil {
			return err
		}
		n.CreatedAt = time.Unix(at, 0).UTC()
		return fn(n)
	})
}

// scanRows calls fn for each row and closes rows.
func scanRows(rows *sql.Rows, fn func(*sql.Rows) error) error {
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
