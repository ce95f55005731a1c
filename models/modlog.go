package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// logAction writes one line of the audit log, in the transaction of the action.
func logAction(ctx context.Context, tx *sql.Tx, now time.Time, actor *User, action, targetType string, targetID int64, reason string) error {
	// Every audited action passes here, so a suspended actor's is undone
	// (the transaction rolls back) even if a caller forgot to check or
	// holds an account value read before the suspension.
	var until int64
	var why string
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(suspended_until, 0), suspend_reason FROM users WHERE id = ?`, actor.ID).Scan(&until, &why)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("audit log %s: actor: %w", action, err)
	}
	if err := suspendedErr(&User{SuspendedUntil: time.Unix(until, 0), SuspendReason: why}, now); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO mod_log (actor_id, action, target_type, target_id, reason, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, actor.ID, action, targetType, targetID, reason, now.Unix())
	if err != nil {
		return fmt.Errorf("audit log %s: %w", action, err)
	}
	return nil
}

// logUnattributed writes an audit line of an action no account did (an
// import run from the command line): label says who ran it.
func logUnattributed(ctx context.Context, tx *sql.Tx, now time.Time, label, action, targetType string, targetID int64, reason string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO mod_log (actor_id, actor_label, action, target_type, target_id, reason, created_at)
		VALUES (NULL, ?, ?, ?, ?, ?, ?)`, label, action, targetType, targetID, reason, now.Unix())
	if err != nil {
		return fmt.Errorf("audit log %s: %w", action, err)
	}
	return nil
}

// LogEntry is one audit-log line.
type LogEntry struct {
	Actor      UserRef // zero for an action no account did (a command-line import)
	ActorLabel string  // who did it then, e.g. "command line (ops@host)"
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
func (e LogEntry) TargetURL() string {
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

// LogList is a page of the audit log.
type LogList struct {
	Entries []LogEntry
	Paging
}

// ModLog lists moderation actions, newest first.
func (s *Store) ModLog(ctx context.Context, page int) (*LogList, error) {
	var total int
	if err := s.reader(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM mod_log`).Scan(&total); err != nil {
		return nil, fmt.Errorf("count audit log: %w", err)
	}
	list := &LogList{Paging: paging(page, total, 50)}
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT l.action, l.target_type, l.target_id, l.reason, l.created_at,
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
		FROM mod_log l LEFT JOIN users u ON u.id = l.actor_id ORDER BY l.id DESC LIMIT 50 OFFSET ?`, (list.Page-1)*50)
	if err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e LogEntry
		var at int64
		var role string
		if err := rows.Scan(&e.Action, &e.TargetType, &e.TargetID, &e.Reason, &at, &e.Actor.ID, &e.Actor.Username, &role,
			&e.ActorLabel, &e.TargetName, &e.targetSlug); err != nil {
			return nil, err
		}
		e.Actor.Role, e.CreatedAt = Role(role), time.Unix(at, 0)
		list.Entries = append(list.Entries, e)
	}
	return list, rows.Err()
}
