package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

// SaveDraft keeps what was typed into the form at action for the session
// id, replacing the session's earlier draft. Nothing a page shows changes.
func (s *Store) SaveDraft(ctx context.Context, sessionID, action string, fields map[string]string) error {
	b, err := json.Marshal(fields)
	if err != nil {
		return fmt.Errorf("save draft: %w", err)
	}
	err = s.inQuietTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO session_drafts (session_hash, action, fields, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (session_hash) DO UPDATE SET action = excluded.action, fields = excluded.fields, created_at = excluded.created_at`,
			hashToken(sessionID), action, string(b), s.now().Unix())
		return err
	})
	if err != nil {
		return fmt.Errorf("save draft: %w", err)
	}
	return nil
}

// TakeDraft returns and forgets the session's draft for the form at action;
// ErrNotFound when it has none for that form.
func (s *Store) TakeDraft(ctx context.Context, sessionID, action string) (map[string]string, error) {
	var raw string
	err := s.inQuietTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `DELETE FROM session_drafts WHERE session_hash = ? AND action = ? RETURNING fields`,
			hashToken(sessionID), action).Scan(&raw)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("take draft: %w", err)
	}
	fields := map[string]string{}
	if err := json.Unmarshal([]byte(raw), &fields); err != nil {
		return nil, fmt.Errorf("take draft: %w", err)
	}
	return fields, nil
}
