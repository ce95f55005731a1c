package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// walAutoCheckpoint is SQLite's default: the committing connection folds the
// WAL back into the database once it holds this many pages.
const walAutoCheckpoint = 1000

// checkpointer folds the WAL back into the database on a connection of its
// own while a bulk write runs. Left to the writer, the checkpoints (copying
// pages and syncing the file) took 28% of a large import's time on the one
// connection everything waits for; here they run beside it. A PASSIVE
// checkpoint never blocks the writer, and the writer starts the WAL over
// once everything in it is folded back, so it does not grow without end.
type checkpointer struct {
	s    *Store
	db   *sql.DB
	kick chan struct{}
	done chan error
}

// startCheckpointer turns the writer's own checkpoints off until stop.
func (s *Store) startCheckpointer(ctx context.Context) (*checkpointer, error) {
	db, err := sql.Open("sqlite3", dsn(s.path, connBackup))
	if err != nil {
		return nil, fmt.Errorf("open checkpoint connection: %w", err)
	}
	db.SetMaxOpenConns(1)
	if _, err := s.w.ExecContext(ctx, fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", 0)); err != nil {
		db.Close()
		return nil, err
	}
	c := &checkpointer{s: s, db: db, kick: make(chan struct{}, 1), done: make(chan error, 1)}
	go func() {
		var first error
		for range c.kick {
			if _, err := db.Exec("PRAGMA wal_checkpoint(PASSIVE)"); err != nil && first == nil {
				first = err
			}
		}
		c.done <- first
	}()
	return c, nil
}

// Kick asks for a checkpoint of what has been committed so far.
func (c *checkpointer) Kick() {
	select {
	case c.kick <- struct{}{}:
	default: // one is already asked for
	}
}

// stop waits for the checkpoint under way and gives checkpoints back to the
// writer, which does the next one on its next commit.
func (c *checkpointer) stop(ctx context.Context) error {
	close(c.kick)
	err := <-c.done
	_, err2 := c.s.w.ExecContext(ctx, fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", walAutoCheckpoint))
	return errors.Join(err, err2, c.db.Close())
}
