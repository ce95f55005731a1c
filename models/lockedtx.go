package models

import (
	"context"
	"database/sql"
)

// Locked transactions (models/db's lockedtx.go): for a read-then-write
// whose rows all belong to a few keys, and for claims from a queue. On
// PostgreSQL they run READ COMMITTED holding an advisory lock per key, so a
// call waits only for calls under the same keys; on SQLite they are inTx.

// inLockedTx runs fn in one write transaction holding the locks of keys.
func (s *Store) inLockedTx(ctx context.Context, keys []string, fn func(tx *sql.Tx) error) error {
	return s.db.InLockedTx(ctx, keys, fn)
}

// inQuietLockedTx is inLockedTx for writes no page shows (counters).
func (s *Store) inQuietLockedTx(ctx context.Context, keys []string, fn func(tx *sql.Tx) error) error {
	return s.db.InQuietLockedTx(ctx, keys, fn)
}
