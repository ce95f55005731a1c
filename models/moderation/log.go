package moderation

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/crowdcare/crowdcare/models/accounts"
	"github.com/crowdcare/crowdcare/models/policy"
)

// Log writes one line of the audit log, in the transaction of the action.
// Every audited action passes here, so a suspended actor's is undone (the
// transaction rolls back with refuse's error) even if a caller forgot to
// check or holds an account value read before the suspension: refuse is
// given the actor's suspension as stored (the zero time when there is
// none) and returns nil for an actor who may act.
func Log(ctx context.Context, tx *sql.Tx, at time.Time, actorID int64, action, targetType string, targetID int64, reason string,
	refuse func(until time.Time, reason string) error) error {
	st, err := accounts.StandingIn(ctx, tx, actorID)
	if err != nil {
		return fmt.Errorf("audit log %s: %w", action, err)
	}
	if err := refuse(st.Until, st.Why); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO mod_log (actor_id, action, target_type, target_id, reason, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, actorID, action, targetType, targetID, reason, at.Unix())
	if err != nil {
		return fmt.Errorf("audit log %s: %w", action, err)
	}
	return nil
}

// LogUnattributed writes an audit line of an action no account did (an
// import run from the command line): label says who ran it.
func LogUnattributed(ctx context.Context, tx *sql.Tx, at time.Time, label, action, targetType string, targetID int64, reason string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO mod_log (actor_id, actor_label, action, target_type, target_id, reason, created_at)
		VALUES (NULL, ?, ?, ?, ?, ?, ?)`, label, action, targetType, targetID, reason, at.Unix())
	if err != nil {
		return fmt.Errorf("audit log %s: %w", action, err)
	}
	return nil
}

// log is Log with the store's refusal of a suspended actor.
func (m *Moderator) log(ctx context.Context, tx *sql.Tx, at time.Time, actorID int64, action, targetType string, targetID int64, reason string) error {
	return Log(ctx, tx, at, actorID, action, targetType, targetID, reason, m.db.Refusal)
}

// Entry is one audit-log line.
type Entry struct {
	ActorLabel string // who did it when no account did, e.g. "command line (ops@host)"
	Action     string
	TargetType string
	TargetID   int64
	// TargetName names what the action was done to, as it is now: a
	// thread's or the post's thread's title, a username, an article's
	// title, a category's or a watch rule's name; "" when it is gone.
	TargetName string
	targetSlug string // a category's
	Reason     string
	CreatedAt  time.Time
}

// TargetURL links to what the action was done to.
func (e Entry) TargetURL() string {
	switch e.TargetType {
	case "post":
		return fmt.Sprintf("/p/%d", e.TargetID)
	case "thread":
		return fmt.Sprintf("/t/%d", e.TargetID)
	case "user":
		return fmt.Sprintf("/mod/users/%d", e.TargetID)
	case "article":
		return fmt.Sprintf("/kb/%d", e.TargetID)
	case "category":
		if e.targetSlug != "" {
			return "/c/" + e.targetSlug
		}
	case "rule":
		return "/mod/social/rules"
	case "social":
		return "/mod/social"
	case "site":
		return "/admin/settings"
	}
	return ""
}

// LogEntry is one audit-log line with the member who acted.
type LogEntry struct {
	Actor accounts.UserRef // zero for an action no account did (a command-line import): ActorLabel says who then
	Entry
}

// LogCount is how many lines the audit log has.
func (m *Moderator) LogCount(ctx context.Context) (int, error) {
	var total int
	if err := m.db.Reader(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM mod_log`).Scan(&total); err != nil {
		return 0, fmt.Errorf("count audit log: %w", err)
	}
	return total, nil
}

// LogEntries lists up to limit audit-log lines, newest first, after
// skipping offset of them, each with its actor and what it was done to.
func (m *Moderator) LogEntries(ctx context.Context, offset, limit int) ([]LogEntry, error) {
	rows, err := m.db.Reader(ctx).QueryContext(ctx, `SELECT l.action, l.target_type, l.target_id, l.reason, l.created_at,
		COALESCE(u.id, 0), COALESCE(u.username, ''), COALESCE(u.role, ''), l.actor_label,
		COALESCE(CASE l.target_type
			WHEN 'thread' THEN (SELECT t.title FROM threads t WHERE t.id = l.target_id)
			WHEN 'post' THEN (SELECT t.title FROM posts p JOIN threads t ON t.id = p.thread_id WHERE p.id = l.target_id)
			WHEN 'user' THEN (SELECT x.username FROM users x WHERE x.id = l.target_id)
			WHEN 'article' THEN (SELECT k.title FROM kb_articles k WHERE k.id = l.target_id)
			WHEN 'category' THEN (SELECT c.name FROM categories c WHERE c.id = l.target_id)
			WHEN 'rule' THEN (SELECT r.name FROM social_rules r WHERE r.id = l.target_id)
		END, ''),
		COALESCE(CASE l.target_type WHEN 'category' THEN (SELECT c.slug FROM categories c WHERE c.id = l.target_id) END, '')
		FROM mod_log l LEFT JOIN users u ON u.id = l.actor_id ORDER BY l.id DESC LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	defer rows.Close()
	var out []LogEntry
	for rows.Next() {
		var l LogEntry
		var at int64
		var role string
		if err := rows.Scan(&l.Action, &l.TargetType, &l.TargetID, &l.Reason, &at, &l.Actor.ID, &l.Actor.Username, &role,
			&l.ActorLabel, &l.TargetName, &l.targetSlug); err != nil {
			return nil, fmt.Errorf("list audit log: %w", err)
		}
		l.Actor.Role = policy.Role(role)
		l.CreatedAt = time.Unix(at, 0)
		out = append(out, l)
	}
	return out, rows.Err()
}
