package models

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/crowdcare/crowdcare/models/policy"
)

// Accept marks an answer as the one that solved the thread, replacing any
// earlier choice; with undo it withdraws the acceptance of that answer.
// The asker may do this, and anyone whose role grants PermAcceptAny. The
// answer's author gets points only if the one accepting has standing.
func (s *Store) Accept(ctx context.Context, actor *User, postID int64, undo bool) (*Thread, error) {
	return s.accept(ctx, actor, postID, undo, false)
}

// accept is Accept; trusted gives points whatever the actor's standing, for seeded content.
func (s *Store) accept(ctx context.Context, actor *User, postID int64, undo, trusted bool) (*Thread, error) {
	p, t, err := s.PostWithThread(ctx, postID)
	if err != nil {
		return nil, err
	}
	if err := decide(policy.Accept, actor, p, t); err != nil {
		return nil, err
	}
	if err := s.suspendedErr(actor); err != nil {
		return nil, err
	}
	points := PointsAcceptedAnswer
	if !undo && !trusted {
		ok, err := s.hasStanding(ctx, actor)
		if err != nil {
			return nil, err
		}
		if !ok {
			points = 0 // accepted all the same, without points
		}
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.stillMayWrite(ctx, tx, actor); err != nil {
			return err
		}
		if undo {
			res, err := tx.ExecContext(ctx, `UPDATE threads SET accepted_id = NULL, accepted_at = NULL, accepted_author_id = NULL WHERE id = ? AND accepted_id = ?`, t.ID, postID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil // it was not the accepted answer
			}
			if err := s.syncArticle(ctx, tx, kbUnaccepted, t.ID, postID); err != nil {
				return err
			}
			if err := s.addReputation(ctx, tx, p.Author.ID, t.Author.ID, postID, -PointsAcceptedAnswer, repAccepted); err != nil {
				return err
			}
			return s.indexThread(ctx, tx, t.ID)
		}
		var previous int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(accepted_id, 0) FROM threads WHERE id = ?`, t.ID).Scan(&previous); err != nil {
			return err
		}
		if previous == postID {
			return nil // already accepted
		}
		// Checked again here: the answer or thread may have been removed since they were read.
		res, err := tx.ExecContext(ctx, `UPDATE threads SET accepted_id = ?1, last_activity_at = max(last_activity_at, CAST(?2 AS BIGINT)), accepted_at = ?2,
			accepted_author_id = (SELECT author_id FROM posts WHERE id = ?1)
			WHERE id = ?3 AND deleted_at IS NULL AND hidden_at IS NULL AND pending = 0
			AND EXISTS (SELECT 1 FROM posts p WHERE p.id = ?1 AND p.thread_id = ?3 AND p.is_question = 0 AND `+visiblePost+`)`,
			postID, s.now().Unix(), t.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if err := s.syncArticle(ctx, tx, kbAccepted, t.ID, postID); err != nil {
			return err
		}
		if previous != 0 {
			var prevAuthor int64
			if err := tx.QueryRowContext(ctx, `SELECT author_id FROM posts WHERE id = ?`, previous).Scan(&prevAuthor); err != nil {
				return err
			}
			if err := s.addReputation(ctx, tx, prevAuthor, t.Author.ID, previous, -PointsAcceptedAnswer, repAccepted); err != nil {
				return err
			}
		}
		if err := s.addReputation(ctx, tx, p.Author.ID, t.Author.ID, postID, points, repAccepted); err != nil {
			return err
		}
		if err := s.notify(ctx, tx, p.Author.ID, actor.ID, NotifyAccepted, t.ID, postID,
			"Your answer to “"+t.Title+"” was accepted."); err != nil {
			return err
		}
		return s.indexThread(ctx, tx, t.ID)
	})
	if err != nil {
		return nil, fmt.Errorf("accept post %d: %w", postID, err)
	}
	return t, nil
}
