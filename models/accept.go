package models

import (
	"context"
	"database/sql"
	"fmt"
)

// Accept marks an answer as the one that solved the thread, replacing any
// earlier choice; with undo it withdraws the acceptance of that answer.
// The asker may do this, and anyone whose role grants PermAcceptAny.
func (s *Store) Accept(ctx context.Context, actor *User, postID int64, undo bool) (*Thread, error) {
	p, err := s.Post(ctx, postID)
	if err != nil {
		return nil, err
	}
	if p.Deleted {
		return nil, ErrNotFound
	}
	t, err := s.Thread(ctx, p.ThreadID)
	if err != nil {
		return nil, err
	}
	if t.Deleted {
		return nil, ErrNotFound
	}
	if actor.ID != t.Author.ID && !actor.Can(PermAcceptAny) {
		return nil, ErrForbidden
	}
	if p.IsQuestion {
		return nil, &ErrNotAllowed{Reason: "Only an answer can be accepted."}
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if undo {
			_, err := tx.ExecContext(ctx, `UPDATE threads SET accepted_id = NULL WHERE id = ? AND accepted_id = ?`, t.ID, postID)
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE threads SET accepted_id = ?, last_activity_at = ? WHERE id = ?`,
			postID, s.now().Unix(), t.ID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("accept post %d: %w", postID, err)
	}
	return t, nil
}
