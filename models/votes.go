package models

import (
	"context"
	"database/sql"

	"github.com/crowdcare/crowdcare/models/forum"
)

// Helpful votes are the forum's (models/forum/votes.go); the points they
// move are the accounts' reputation, handed to it here (forumVotes).

// Vote marks an answer helpful for the voter, or takes that back with undo.
// Voting twice counts once; nobody votes for their own answer. The author
// gets points only if the voter has standing (hasStanding).
func (s *Store) Vote(ctx context.Context, voter *User, postID int64, undo bool) error {
	return s.Forum.Vote(ctx, voter, postID, undo, false)
}

// vote is Vote; trusted gives points whatever the voter's standing, for seeded content.
func (s *Store) vote(ctx context.Context, voter *User, postID int64, undo, trusted bool) error {
	return s.Forum.Vote(ctx, voter, postID, undo, trusted)
}

// forumVotes is what a vote needs of policy and reputation.
func (s *Store) forumVotes() forum.Votes {
	return forum.Votes{
		Decide:    decide,
		Suspended: s.suspendedErr,
		StillMay:  s.stillMayWrite,
		Points: func(ctx context.Context, voter *User, question, anyStanding bool) (int, error) {
			points := PointsHelpfulAnswer
			if question {
				points = PointsHelpfulQuestion
			}
			if anyStanding {
				return points, nil
			}
			ok, err := s.hasStanding(ctx, voter)
			if err != nil || !ok {
				return 0, err
			}
			return points, nil
		},
		AddReputation: func(ctx context.Context, tx *sql.Tx, authorID, voterID, postID int64, points int) error {
			return s.addReputation(ctx, tx, authorID, voterID, postID, points, repHelpful)
		},
	}
}
