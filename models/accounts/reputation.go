package accounts

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/crowdcare/crowdcare/models/policy"
)

// Reputation points.
const (
	PointsHelpfulAnswer   = 10 // someone found your answer helpful
	PointsAcceptedAnswer  = 15 // your answer was accepted
	PointsHelpfulQuestion = 2  // someone found your question useful
)

// publicReputation is the reputation shown to everyone: the total without
// the points earned in private categories.
const publicReputation = `max(0, reputation - private_reputation)`

// Reasons recorded with points, so an undo removes exactly what was given.
const (
	RepHelpful  = "helpful"
	RepAccepted = "accepted"
)

// HasStanding reports whether u's helpful votes and acceptances give others
// points: always for superusers and staff; for a member once the account is
// old enough and holds enough points of its own (the site settings'
// StandingDays and StandingReputation). Without standing a vote still
// counts as a vote.
func (a *Accounts) HasStanding(ctx context.Context, u *User) (bool, error) {
	if u.Role != policy.RoleMember {
		return true, nil
	}
	set, err := a.deps.Settings(ctx, a.db.Primary())
	if err != nil {
		return false, err
	}
	old := !u.CreatedAt.After(a.now().AddDate(0, 0, -set.StandingDays))
	return old && u.Reputation >= set.StandingReputation, nil
}

// AddReputation gives (or with negative points, takes) points in tx, the
// transaction of what earned them (a vote, an acceptance: the forum's), and
// promotes a member to superuser when they reach the configured threshold.
func (a *Accounts) AddReputation(ctx context.Context, tx *sql.Tx, userID, actorID, postID int64, points int, reason string) error {
	if userID == actorID || points == 0 {
		return nil
	}
	if points > 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO reputation_events (user_id, points, reason, post_id, actor_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, userID, points, reason, postID, actorID, a.now().Unix()); err != nil {
			return fmt.Errorf("record reputation: %w", err)
		}
	} else {
		res, err := tx.ExecContext(ctx, `DELETE FROM reputation_events WHERE id = (SELECT id FROM reputation_events
			WHERE user_id = ? AND reason = ? AND post_id = ? AND actor_id = ? ORDER BY id DESC LIMIT 1)`, userID, reason, postID, actorID)
		if err != nil {
			return fmt.Errorf("take back reputation: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // nothing had been given
		}
	}
	// Points on a post in a private category count in private_reputation
	// too, so the total shown to everyone can leave them out; promotion
	// goes by the whole total (it is the member's own news).
	var total int
	var role string
	if err := tx.QueryRowContext(ctx, `UPDATE users SET reputation = max(0, reputation + ?1),
		private_reputation = max(0, private_reputation + CASE WHEN EXISTS (SELECT 1 FROM posts p
			JOIN threads t ON t.id = p.thread_id JOIN categories c ON c.id = t.category_id
			WHERE p.id = ?3 AND c.group_name != '') THEN ?1 ELSE 0 END)
		WHERE id = ?2 RETURNING reputation, role`, points, userID, postID).Scan(&total, &role); err != nil {
		return fmt.Errorf("update reputation: %w", err)
	}
	if points < 0 {
		return nil
	}
	return a.PromoteIfEarned(ctx, tx, userID, role, total)
}

// RecountPrivateReputation works out again, in tx, the private_reputation
// of everyone who earned points on the posts postsWhere selects (a
// condition on posts p), after those posts' category went from public to
// private or back: moving a thread, changing a category's group.
func RecountPrivateReputation(ctx context.Context, tx *sql.Tx, postsWhere string, args ...any) error {
	if _, err := tx.ExecContext(ctx, `UPDATE users SET private_reputation = (SELECT COALESCE(SUM(e.points), 0)
		FROM reputation_events e JOIN posts p ON p.id = e.post_id JOIN threads t ON t.id = p.thread_id
		JOIN categories c ON c.id = t.category_id WHERE e.user_id = users.id AND c.group_name != '')
		WHERE id IN (SELECT e.user_id FROM reputation_events e JOIN posts p ON p.id = e.post_id WHERE `+postsWhere+`)`,
		args...); err != nil {
		return fmt.Errorf("recount private reputation: %w", err)
	}
	return nil
}

// PromoteIfEarned makes a member (role) with total points a superuser, in
// tx, when the site's threshold says so, and tells them.
func (a *Accounts) PromoteIfEarned(ctx context.Context, tx *sql.Tx, userID int64, role string, total int) error {
	if role != string(policy.RoleMember) {
		return nil
	}
	set, err := a.deps.Settings(ctx, tx)
	if err != nil {
		return err
	}
	if set.SuperuserThreshold > 0 && total >= set.SuperuserThreshold {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET role = 'superuser' WHERE id = ?`, userID); err != nil {
			return err
		}
		return a.deps.Promoted(ctx, tx, userID,
			fmt.Sprintf("You reached %d reputation points and are now a Superuser: thank you for helping so many people!", total))
	}
	return nil
}

// LeaderEntry is one row of the leaderboard.
type LeaderEntry struct {
	User   UserRef
	Points int
}

// Leaderboard lists who earned the most points since a time (zero: ever),
// leaving out suspended accounts and points earned in private categories.
func (a *Accounts) Leaderboard(ctx context.Context, since time.Time, limit int) ([]LeaderEntry, error) {
	var rows *sql.Rows
	var err error
	if since.IsZero() {
		rows, err = a.db.Reader(ctx).QueryContext(ctx, `SELECT id, username, role, `+publicReputation+` AS pts FROM users
			WHERE `+publicReputation+` > 0 AND (suspended_until IS NULL OR suspended_until < ?) ORDER BY pts DESC, id LIMIT ?`,
			a.now().Unix(), limit)
	} else {
		rows, err = a.db.Reader(ctx).QueryContext(ctx, `SELECT u.id, u.username, u.role, SUM(e.points) AS pts FROM reputation_events e
			JOIN users u ON u.id = e.user_id LEFT JOIN posts p ON p.id = e.post_id LEFT JOIN threads t ON t.id = p.thread_id
			LEFT JOIN categories c ON c.id = t.category_id
			WHERE e.created_at >= ? AND COALESCE(c.group_name, '') = '' AND (u.suspended_until IS NULL OR u.suspended_until < ?)
			GROUP BY u.id, u.username, u.role HAVING SUM(e.points) > 0 ORDER BY pts DESC, u.id LIMIT ?`, since.Unix(), a.now().Unix(), limit)
	}
	if err != nil {
		return nil, fmt.Errorf("leaderboard: %w", err)
	}
	defer rows.Close()
	var out []LeaderEntry
	for rows.Next() {
		var e LeaderEntry
		var role string
		if err := rows.Scan(&e.User.ID, &e.User.Username, &role, &e.Points); err != nil {
			return nil, err
		}
		e.User.Role = policy.Role(role)
		out = append(out, e)
	}
	return out, rows.Err()
}
