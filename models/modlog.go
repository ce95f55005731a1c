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

// LogEntry is one audit-log line.
type LogEntry struct {
	Actor      UserRef
	Action     string
	TargetType string
	TargetID   int64
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
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM mod_log`).Scan(&total); err != nil {
		return nil, fmt.Errorf("count audit log: %w", err)
	}
	list := &LogList{Paging: paging(page, total, 50)}
	rows, err := s.r.QueryContext(ctx, `SELECT l.action, l.target_type, l.target_id, l.reason, l.created_at, u.id, u.username, u.role
		FROM mod_log l JOIN users u ON u.id = l.actor_id ORDER BY l.id DESC LIMIT 50 OFFSET ?`, (list.Page-1)*50)
	if err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e LogEntry
		var at int64
		var role string
		if err := rows.Scan(&e.Action, &e.TargetType, &e.TargetID, &e.Reason, &at, &e.Actor.ID, &e.Actor.Username, &role); err != nil {
			return nil, err
		}
		e.Actor.Role, e.CreatedAt = Role(role), time.Unix(at, 0)
		list.Entries = append(list.Entries, e)
	}
	return list, rows.Err()
}
