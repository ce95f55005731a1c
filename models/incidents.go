package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxIncidentMessage bounds the banner's text.
const MaxIncidentMessage = 200

// maxIncidentTerm bounds the spiking term an incident remembers.
const maxIncidentTerm = 60

// Incident is a known problem announced on a category's pages, pointing
// everyone who comes to ask about it at one canonical thread.
type Incident struct {
	ID                     int64
	CategoryID             int64
	Category, CategorySlug string
	ThreadID               int64
	ThreadTitle            string
	ThreadSlug             string
	Message, Term          string
	OpenedBy               string
	OpenedAt               time.Time
}

// ThreadURL is the canonical thread.
func (i Incident) ThreadURL() string {
	return ThreadURL(i.ThreadID, i.ThreadSlug)
}

// NewIncident is what an ambassador fills in when opening one.
type NewIncident struct {
	CategoryID int64
	ThreadID   int64
	Message    string
	Term       string
}

// OpenIncident announces a known problem in a category. The thread must be
// a visible question; the banner's text is plain and short.
func (s *Store) OpenIncident(ctx context.Context, actor *User, in NewIncident) (int64, error) {
	if !actor.Can(PermIncidents) {
		return 0, ErrForbidden
	}
	in.Message = strings.TrimSpace(in.Message)
	in.Term = truncateRunes(strings.TrimSpace(in.Term), maxIncidentTerm)
	v := validator{}
	v.check(in.Message != "", "message", "Say in a sentence what is wrong and that you are on it.")
	v.check(utf8.RuneCountInString(in.Message) <= MaxIncidentMessage, "message", fmt.Sprintf("Keep it to %d characters.", MaxIncidentMessage))
	v.check(in.CategoryID != 0, "category", "Choose the category whose pages show the banner.")
	var ok bool
	if in.ThreadID != 0 {
		// A banner in a public category must not name a private thread.
		err := s.reader(ctx).QueryRowContext(ctx, `SELECT 1 FROM threads t JOIN categories c ON c.id = t.category_id
			WHERE t.id = ? AND `+visibleThread+` AND (c.group_name = '' OR t.category_id = ?)`, in.ThreadID, in.CategoryID).Scan(&ok)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("incident thread: %w", err)
		}
	}
	v.check(ok, "thread", "Give the canonical thread, a visible question in a public category or this one: its number or its address, e.g. /t/123.")
	if err := v.err(); err != nil {
		return 0, err
	}
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO incidents (category_id, thread_id, message, term, opened_by, opened_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, in.CategoryID, in.ThreadID, in.Message, in.Term, actor.ID, s.now().Unix()).Scan(&id)
		if err != nil {
			return fmt.Errorf("open incident: %w", err)
		}
		return logAction(ctx, tx, s.now(), actor, "open_incident", "thread", in.ThreadID, in.Message)
	})
	return id, err
}

// CloseIncident takes the banner down.
func (s *Store) CloseIncident(ctx context.Context, actor *User, id int64) error {
	if !actor.Can(PermIncidents) {
		return ErrForbidden
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var threadID int64
		var message string
		err := tx.QueryRowContext(ctx, `UPDATE incidents SET closed_at = ?, closed_by = ? WHERE id = ? AND closed_at IS NULL
			RETURNING thread_id, message`, s.now().Unix(), actor.ID, id).Scan(&threadID, &message)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("close incident %d: %w", id, err)
		}
		return logAction(ctx, tx, s.now(), actor, "close_incident", "thread", threadID, message)
	})
}

// OpenIncidents lists the incidents still open, in one category or (0) all
// the viewer may see: a private category's incident is not shown outside it.
func (s *Store) OpenIncidents(ctx context.Context, categoryID int64, viewer *User) ([]Incident, error) {
	private, args, err := s.categoryFilter(ctx, viewer, "i.category_id")
	if err != nil {
		return nil, err
	}
	// The thread may have moved to a private category since.
	privateThread, threadArgs, err := s.categoryFilter(ctx, viewer, "t.category_id")
	if err != nil {
		return nil, err
	}
	private += privateThread
	args = append(args, threadArgs...)
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT i.id, i.category_id, c.name, c.slug, i.thread_id, t.title, t.slug, i.message, i.term, u.username, i.opened_at
		FROM incidents i JOIN categories c ON c.id = i.category_id JOIN threads t ON t.id = i.thread_id JOIN users u ON u.id = i.opened_by
		WHERE i.closed_at IS NULL AND (? = 0 OR i.category_id = ?) AND `+visibleThread+private+` ORDER BY i.opened_at DESC, i.id DESC`,
		append([]any{categoryID, categoryID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("open incidents: %w", err)
	}
	defer rows.Close()
	var out []Incident
	for rows.Next() {
		var i Incident
		var at int64
		if err := rows.Scan(&i.ID, &i.CategoryID, &i.Category, &i.CategorySlug, &i.ThreadID, &i.ThreadTitle, &i.ThreadSlug,
			&i.Message, &i.Term, &i.OpenedBy, &at); err != nil {
			return nil, err
		}
		i.OpenedAt = time.Unix(at, 0)
		out = append(out, i)
	}
	return out, rows.Err()
}
