package insights

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
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
	threadURL              string
}

// ThreadURL is the canonical thread.
func (i Incident) ThreadURL() string { return i.threadURL }

// NewIncident is what an ambassador fills in when opening one.
type NewIncident struct {
	CategoryID int64
	ThreadID   int64
	Message    string
	Term       string
}

// Tidied is the incident as it is kept: the message trimmed, the term
// trimmed and cut to its bound. Checking it is the caller's (the form's
// messages are the web layer's English).
func (n NewIncident) Tidied() NewIncident {
	n.Message = strings.TrimSpace(n.Message)
	n.Term = truncateRunes(strings.TrimSpace(n.Term), maxIncidentTerm)
	return n
}

// IncidentThreadFits reports whether a thread may be an incident's
// canonical thread in a category: a visible question, in a public category
// or that one (a banner in a public category must not name a private thread).
func (in *Insights) IncidentThreadFits(ctx context.Context, threadID, categoryID int64) (bool, error) {
	var ok bool
	err := in.db.Reader(ctx).QueryRowContext(ctx, `SELECT 1 FROM threads t JOIN categories c ON c.id = t.category_id
		WHERE t.id = ? AND `+in.dom.VisibleThread+` AND (c.group_name = '' OR t.category_id = ?)`, threadID, categoryID).Scan(&ok)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("incident thread: %w", err)
	}
	return ok, nil
}

// InsertIncident records an incident opened by a member, in the
// transaction of the step that opens it (which checks it and logs it).
func (in *Insights) InsertIncident(ctx context.Context, tx *sql.Tx, n NewIncident, openedBy int64) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO incidents (category_id, thread_id, message, term, opened_by, opened_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, n.CategoryID, n.ThreadID, n.Message, n.Term, openedBy, in.now().Unix()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("open incident: %w", err)
	}
	return id, nil
}

// EndIncident closes an open incident in the transaction of the step that
// closes it, and says which thread and message it had; found is false when
// no open incident has that id.
func (in *Insights) EndIncident(ctx context.Context, tx *sql.Tx, id, closedBy int64) (threadID int64, message string, found bool, err error) {
	err = tx.QueryRowContext(ctx, `UPDATE incidents SET closed_at = ?, closed_by = ? WHERE id = ? AND closed_at IS NULL
			RETURNING thread_id, message`, in.now().Unix(), closedBy, id).Scan(&threadID, &message)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", false, nil
	}
	if err != nil {
		return 0, "", false, fmt.Errorf("close incident %d: %w", id, err)
	}
	return threadID, message, true, nil
}

// OpenIncidentsWhere lists the incidents still open, in one category or
// (0) all, newest first, those that pass cond: an SQL condition
// (starting with " AND") on the incident i and its thread t, with its
// arguments: who may see which categories is the caller's.
func (in *Insights) OpenIncidentsWhere(ctx context.Context, categoryID int64, cond string, args []any) ([]Incident, error) {
	rows, err := in.db.Reader(ctx).QueryContext(ctx, `SELECT i.id, i.category_id, c.name, c.slug, i.thread_id, t.title, t.slug, i.message, i.term, u.username, i.opened_at
		FROM incidents i JOIN categories c ON c.id = i.category_id JOIN threads t ON t.id = i.thread_id JOIN users u ON u.id = i.opened_by
		WHERE i.closed_at IS NULL AND (? = 0 OR i.category_id = ?) AND `+in.dom.VisibleThread+cond+` ORDER BY i.opened_at DESC, i.id DESC`,
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
		i.OpenedAt, i.threadURL = time.Unix(at, 0), in.dom.ThreadURL(i.ThreadID, i.ThreadSlug)
		out = append(out, i)
	}
	return out, rows.Err()
}
