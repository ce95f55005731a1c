package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/crowdcare/crowdcare/models/policy"
)

// Vote marks an answer helpful for the voter, or takes that back with undo.
// Voting twice counts once; nobody votes for their own answer. The author
// gets points only if the voter has standing (hasStanding).
func (s *Store) Vote(ctx context.Context, voter *User, postID int64, undo bool) error {
	return s.vote(ctx, voter, postID, undo, false)
}

// vote is Vote; trusted gives points whatever the voter's standing, for seeded content.
func (s *Store) vote(ctx context.Context, voter *User, postID int64, undo, trusted bool) error {
	p, err := s.Post(ctx, postID)
	if err != nil {
		return err
	}
	t, err := s.Thread(ctx, p.ThreadID)
	if err != nil {
		return err
	}
	if ok, err := s.CanSeeCategory(ctx, voter, t.Category.ID); err != nil || !ok {
		return ErrNotFound
	}
	if err := decide(policy.Vote, voter, p, t); err != nil {
		return err
	}
	// Suspended members may not vote; the hourly posting limit does not apply to votes.
	if err := s.suspendedErr(voter); err != nil {
		return err
	}
	points := PointsHelpfulAnswer
	if p.IsQuestion {
		points = PointsHelpfulQuestion
	}
	if !undo && !trusted {
		ok, err := s.hasStanding(ctx, voter)
		if err != nil {
			return err
		}
		if !ok {
			points = 0 // the vote counts; the points do not (and an undo finds none to take back)
		}
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		// Votes only count on visible answers in visible threads; checked inside the write.
		var open bool
		err := tx.QueryRowContext(ctx, `SELECT `+visiblePost+` AND `+visibleThread+`
			FROM posts p JOIN threads t ON t.id = p.thread_id WHERE p.id = ?`, postID).Scan(&open)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !open) {
			return ErrNotFound
		}
		if err != nil {
			return err // a transaction that lost a race is run again
		}
		q := `INSERT INTO votes (post_id, user_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`
		args := []any{postID, voter.ID, s.now().Unix()}
		if undo {
			q, args = `DELETE FROM votes WHERE post_id = ? AND user_id = ?`, args[:2]
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // already so: voting twice counts once
		}
		if _, err := tx.ExecContext(ctx, `UPDATE posts SET helpful_count = (SELECT COUNT(*) FROM votes WHERE post_id = ?) WHERE id = ?`, postID, postID); err != nil {
			return err
		}
		delta := points
		if undo {
			delta = -points
		}
		return s.addReputation(ctx, tx, p.Author.ID, voter.ID, postID, delta, repHelpful)
	})
	if err != nil {
		return fmt.Errorf("vote on post %d: %w", postID, err)
	}
	return nil
}
