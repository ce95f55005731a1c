package forum

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/crowdcare/crowdcare/models/accounts"
	"github.com/crowdcare/crowdcare/models/policy"
)

// Votes is what a helpful vote needs of the other domains, wired in
// models: the decisions and the reputation it moves are not the forum's.
type Votes struct {
	// Decide is policy's decision on an action on a post in its thread,
	// as the store's errors (models' decide).
	Decide func(a policy.Action, u *accounts.User, p *Post, t *Thread) error
	// Suspended refuses a suspended voter (nil for anyone else), in the
	// accounts' words.
	Suspended func(u *accounts.User) error
	// StillMay refuses, in the vote's transaction, a voter suspended or
	// deleted since the request read them (the account as stored decides).
	StillMay func(ctx context.Context, tx *sql.Tx, u *accounts.User) error
	// Points is what a vote on a post (a question or an answer) is worth
	// to its author: 0 when the voter has no standing yet, unless anyStanding is
	// true (an undo takes back what was given; seeded votes are trusted).
	Points func(ctx context.Context, voter *accounts.User, question, anyStanding bool) (int, error)
	// AddReputation gives the author the points (takes them back when
	// negative) in the vote's transaction (the accounts' reputation).
	AddReputation func(ctx context.Context, tx *sql.Tx, authorID, voterID, postID int64, points int) error
}

// Vote marks an answer helpful for the voter, or takes that back with undo.
// Voting twice counts once; nobody votes for their own answer. The author
// gets points only if the voter has standing (Votes.Points); trusted gives
// them whatever the voter's standing, for seeded content. The vote, the
// post's counter and the points are one transaction, on either engine.
func (f *Forum) Vote(ctx context.Context, voter *accounts.User, postID int64, undo, trusted bool) error {
	p, t, err := f.PostWithThread(ctx, postID)
	if err != nil {
		return err
	}
	if ok, err := f.CanSeeCategory(ctx, voter, t.Category.ID); err != nil || !ok {
		return f.deps.NotFound
	}
	if err := f.deps.Votes.Decide(policy.Vote, voter, p, t); err != nil {
		return err
	}
	// Suspended members may not vote; the hourly posting limit does not apply to votes.
	if err := f.deps.Votes.Suspended(voter); err != nil {
		return err
	}
	// The vote counts without standing; the points do not (and an undo
	// finds none to take back).
	points, err := f.deps.Votes.Points(ctx, voter, p.IsQuestion, undo || trusted)
	if err != nil {
		return err
	}
	err = f.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := f.deps.Votes.StillMay(ctx, tx, voter); err != nil {
			return err
		}
		// Votes only count on visible answers in visible threads; checked inside the write.
		var open bool
		err := tx.QueryRowContext(ctx, `SELECT `+VisiblePost+` AND `+VisibleThread+`
			FROM posts p JOIN threads t ON t.id = p.thread_id WHERE p.id = ?`, postID).Scan(&open)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !open) {
			return f.deps.NotFound
		}
		if err != nil {
			return err // a transaction that lost a race is run again
		}
		q := `INSERT INTO votes (post_id, user_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`
		args := []any{postID, voter.ID, f.deps.Now().Unix()}
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
		return f.deps.Votes.AddReputation(ctx, tx, p.Author.ID, voter.ID, postID, delta)
	})
	if err != nil {
		return fmt.Errorf("vote on post %d: %w", postID, err)
	}
	return nil
}
