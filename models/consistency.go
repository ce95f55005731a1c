package models

import (
	"context"
	"fmt"
)

// Consistency is what CheckConsistency found (crowdcare scaletest).
type Consistency struct {
	// Missing are the posts asked about that are not there (or deleted).
	Missing []int64
	// VoteMismatches counts posts whose helpful_count is not the number of
	// their rows in votes.
	VoteMismatches int
	// Emails counts the notifications by email state (EmailSent,
	// EmailPending, "claimed", EmailUnconfirmed, "skipped", …).
	Emails map[string]int
}

// CheckConsistency checks, after a load, that every post in ids is there
// and that the vote counters agree with the votes table. It reads the
// primary.
func (s *Store) CheckConsistency(ctx context.Context, ids []int64) (Consistency, error) {
	var c Consistency
	// Only the posts asked about, in one statement.
	present, err := column[int64](s.db.Primary().QueryContext(ctx, `SELECT id FROM posts WHERE deleted_at IS NULL AND id IN (`+s.jsonInts("?")+`)`, idList(ids)))
	if err != nil {
		return c, fmt.Errorf("consistency: posts: %w", err)
	}
	have := make(map[int64]bool, len(present))
	for _, id := range present {
		have[id] = true
	}
	for _, id := range ids {
		if !have[id] {
			c.Missing = append(c.Missing, id)
		}
	}
	if err := s.db.Primary().QueryRowContext(ctx, `SELECT COUNT(*) FROM posts p
		WHERE p.helpful_count != (SELECT COUNT(*) FROM votes v WHERE v.post_id = p.id)`).Scan(&c.VoteMismatches); err != nil {
		return c, fmt.Errorf("consistency: votes: %w", err)
	}
	c.Emails = map[string]int{}
	erows, err := s.db.Primary().QueryContext(ctx, `SELECT email_state, COUNT(*) FROM notifications GROUP BY email_state`)
	if err != nil {
		return c, fmt.Errorf("consistency: emails: %w", err)
	}
	defer erows.Close()
	for erows.Next() {
		var state string
		var n int
		if err := erows.Scan(&state, &n); err != nil {
			return c, fmt.Errorf("consistency: emails: %w", err)
		}
		c.Emails[state] = n
	}
	if err := erows.Err(); err != nil {
		return c, fmt.Errorf("consistency: emails: %w", err)
	}
	return c, nil
}
