package models

import (
	"context"
	"database/sql"

	"github.com/crowdcare/crowdcare/models/accounts"
	"github.com/crowdcare/crowdcare/models/policy"
)

// Reputation points. Alias: moved to models/accounts, which keeps the
// reputation (the embedded accounts' Leaderboard, and below the calls the
// forum's steps make in their transactions).
const (
	PointsHelpfulAnswer   = accounts.PointsHelpfulAnswer
	PointsAcceptedAnswer  = accounts.PointsAcceptedAnswer
	PointsHelpfulQuestion = accounts.PointsHelpfulQuestion
)

// Reasons recorded with points, so an undo removes exactly what was given.
const (
	repHelpful  = accounts.RepHelpful
	repAccepted = accounts.RepAccepted
)

// LeaderEntry is one row of the leaderboard (accounts.LeaderEntry). Alias:
// moved to models/accounts.
type LeaderEntry = accounts.LeaderEntry

// hasStanding reports whether u's helpful votes and acceptances give others
// points (accounts.HasStanding).
func (s *Store) hasStanding(ctx context.Context, u *User) (bool, error) {
	return s.Accounts.HasStanding(ctx, u)
}

// addReputation gives (or takes) points in tx, the transaction of what
// earned them, promoting a member who reaches the threshold (accounts.AddReputation).
func (s *Store) addReputation(ctx context.Context, tx *sql.Tx, userID, actorID, postID int64, points int, reason string) error {
	return s.Accounts.AddReputation(ctx, tx, userID, actorID, postID, points, reason)
}

// recountPrivateReputation recounts, in tx, the private reputation earned
// on the posts postsWhere selects (accounts.RecountPrivateReputation).
func recountPrivateReputation(ctx context.Context, tx *sql.Tx, postsWhere string, args ...any) error {
	return accounts.RecountPrivateReputation(ctx, tx, postsWhere, args...)
}

// promoteIfEarned makes a member with enough points a superuser, in tx
// (accounts.PromoteIfEarned).
func (s *Store) promoteIfEarned(ctx context.Context, tx *sql.Tx, userID int64, role string, total int) error {
	return s.Accounts.PromoteIfEarned(ctx, tx, userID, role, total)
}

// RecommendAnswer marks an answer "Recommended by <brand>", or with undo takes that back.
func (s *Store) RecommendAnswer(ctx context.Context, actor *User, postID int64, undo bool) error {
	if !actor.Can(PermRecommend) {
		return ErrForbidden
	}
	p, t, err := s.PostWithThread(ctx, postID)
	if err != nil {
		return err
	}
	if err := decide(policy.Recommend, actor, p, t); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var value any = actor.ID
		action := "recommend_answer"
		if undo {
			value, action = nil, "unrecommend_answer"
		}
		if _, err := tx.ExecContext(ctx, `UPDATE posts SET recommended_by = ? WHERE id = ?`, value, postID); err != nil {
			return err
		}
		if !undo {
			set, err := readSiteSettings(ctx, tx)
			if err != nil {
				return err
			}
			if err := s.notify(ctx, tx, p.Author.ID, actor.ID, NotifyRecommended, p.ThreadID, postID,
				"Your answer is now recommended by "+set.BrandName+"."); err != nil {
				return err
			}
		}
		return logAction(ctx, tx, s.now(), actor, action, "post", postID, "")
	})
}
