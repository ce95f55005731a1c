package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
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
	db   *sql.DB
	kick chan struct{}
	done chan error
}

// bulkWrites counts the imports under way in this process: the first tunes
// the writer for them, the last puts it back, so one ending does not undo
// the settings another still runs with.
type bulkWrites struct {
	mu sync.Mutex
	n  int
}

// beginBulkWrite gives the writer a bigger page cache (see importCacheKiB)
// and stops its own checkpoints: each import runs a checkpointer instead.
func (s *Store) beginBulkWrite(ctx context.Context) error {
	s.bulk.mu.Lock()
	defer s.bulk.mu.Unlock()
	if s.bulk.n == 0 {
		if err := s.writerPragmas(ctx, importCacheKiB, 0); err != nil {
			s.writerPragmas(ctx, defaultCacheKiB, walAutoCheckpoint)
			return err
		}
	}
	s.bulk.n++
	return nil
}

// endBulkWrite ends what beginBulkWrite began.
func (s *Store) endBulkWrite(ctx context.Context) error {
	s.bulk.mu.Lock()
	defer s.bulk.mu.Unlock()
	s.bulk.n--
	if s.bulk.n > 0 {
		return nil
	}
	return s.writerPragmas(ctx, defaultCacheKiB, walAutoCheckpoint)
}

func (s *Store) writerPragmas(ctx context.Context, cacheKiB, autoCheckpoint int) error {
	_, err := s.w.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = -%d", cacheKiB))
	if err == nil {
		_, err = s.w.ExecContext(ctx, fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", autoCheckpoint))
	}
	return err
}

// startCheckpointer starts checkpointing beside the writer, until stop.
func (s *Store) startCheckpointer() (*checkpointer, error) {
	db, err := sql.Open("sqlite3", dsn(s.path, connBackup))
	if err != nil {
		return nil, fmt.Errorf("open checkpoint connection: %w", err)
	}
	db.SetMaxOpenConns(1)
	c := &checkpointer{db: db, kick: make(chan struct{}, 1), done: make(chan error, 1)}
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

// stop waits for the checkpoint under way.
func (c *checkpointer) stop() error {
	close(c.kick)
	err := <-c.done
	return errors.Join(err, c.db.Close())
}
