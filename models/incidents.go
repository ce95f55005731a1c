package models

import (
	"context"
	"database/sql"
	"fmt"
	"unicode/utf8"

	"github.com/crowdcare/crowdcare/models/insights"
)

// MaxIncidentMessage bounds the banner's text.
const MaxIncidentMessage = insights.MaxIncidentMessage // alias: moved to models/insights

// Incident is a known problem announced on a category's pages (insights.Incident).
type Incident = insights.Incident // alias: moved to models/insights

// NewIncident is what an ambassador fills in when opening one (insights.NewIncident).
type NewIncident = insights.NewIncident // alias: moved to models/insights

// Opening and closing an incident are steps across domains (the
// permission, the form's messages, the audit log) and stay here, calling
// models/insights for the incidents' own statements in their transaction.

// OpenIncident announces a known problem in a category. The thread must be
// a visible question; the banner's text is plain and short.
func (s *Store) OpenIncident(ctx context.Context, actor *User, in NewIncident) (int64, error) {
	if !actor.Can(PermIncidents) {
		return 0, ErrForbidden
	}
	in = in.Tidied()
	v := validator{}
	v.Check(in.Message != "", "message", "Say in a sentence what is wrong and that you are on it.")
	v.Check(utf8.RuneCountInString(in.Message) <= MaxIncidentMessage, "message", fmt.Sprintf("Keep it to %d characters.", MaxIncidentMessage))
	v.Check(in.CategoryID != 0, "category", "Choose the category whose pages show the banner.")
	var ok bool
	if in.ThreadID != 0 {
		// A banner in a public category must not name a private thread.
		var err error
		if ok, err = s.IncidentThreadFits(ctx, in.ThreadID, in.CategoryID); err != nil {
			return 0, err
		}
	}
	v.Check(ok, "thread", "Give the canonical thread, a visible question in a public category or this one: its number or its address, e.g. /t/123.")
	if err := v.Err(); err != nil {
		return 0, err
	}
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if id, err = s.InsertIncident(ctx, tx, in, actor.ID); err != nil {
			return err
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
		threadID, message, found, err := s.EndIncident(ctx, tx, id, actor.ID)
		if err != nil {
			return err
		}
		if !found {
			return ErrNotFound
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
	return s.OpenIncidentsWhere(ctx, categoryID, private, args)
}
