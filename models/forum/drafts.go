package forum

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
)

// draftKey is how a session's drafts are stored: its id's SHA-256 (hex),
// never the id itself.
func draftKey(sessionID string) string {
	sum := sha256.Sum256([]byte(sessionID))
	return hex.EncodeToString(sum[:])
}

// SaveDraft keeps what was typed into the form at action for the session
// id, replacing the session's earlier draft. Nothing a page shows changes.
func (f *Forum) SaveDraft(ctx context.Context, sessionID, action string, fields map[string]string) error {
	b, err := json.Marshal(fields)
	if err != nil {
		return fmt.Errorf("save draft: %w", err)
	}
	err = f.db.InQuietTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO session_drafts (session_hash, action, fields, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (session_hash) DO UPDATE SET action = excluded.action, fields = excluded.fields, created_at = excluded.created_at`,
			draftKey(sessionID), action, string(b), f.deps.Now().Unix())
		return err
	})
	if err != nil {
		return fmt.Errorf("save draft: %w", err)
	}
	return nil
}

// TakeDraft returns and forgets the session's draft for the form at action;
// the not-found error (Deps.NotFound) when it has none for that form.
func (f *Forum) TakeDraft(ctx context.Context, sessionID, action string) (map[string]string, error) {
	var raw string
	err := f.db.InQuietTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `DELETE FROM session_drafts WHERE session_hash = ? AND action = ? RETURNING fields`,
			draftKey(sessionID), action).Scan(&raw)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, f.deps.NotFound
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
