package models

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// importCacheKiB is the writer's page cache while an import runs. Placeholder
// profiles, and the posts and threads of authors who come back, go into
// their indexes in no particular order; once those outgrow SQLite's default
// 2 MB, every insert reads pages back (a 1,000,000-record import ran about
// 1.3x faster with 32 MB; 64 MB was no faster and took peak memory over
// 150 MB).
const importCacheKiB = 32 << 10

// defaultCacheKiB is SQLite's own default page cache, per connection.
const defaultCacheKiB = 2000

// importCheckpointPages is how long the WAL may grow before a commit copies
// it into the database, while an import runs. Each batch rewrites pages of
// those random-order indexes that the batch before wrote too; a checkpoint
// copies a page once however often it was committed, so checkpointing every
// 64 MB instead of every 4 MB writes less (2-13% faster for a million
// records, docs/benchmarks.md).
const importCheckpointPages = 16384

// defaultCheckpointPages is SQLite's own default.
const defaultCheckpointPages = 1000

// walSizeLimit is what a checkpoint that starts the WAL over cuts it back
// to (journal_size_limit; SQLite's default is no limit): without it the
// file an import grew to 64 MB would stay that size until the store closes.
const walSizeLimit = 4 << 20

// bulkWrites counts the imports under way in this process: the first gives
// the writer its bigger cache, the last puts it back, so one ending does not
// take it from another still running.
type bulkWrites struct {
	mu sync.Mutex
	n  int
}

func (s *Store) beginBulkWrite(ctx context.Context) error {
	s.bulk.mu.Lock()
	defer s.bulk.mu.Unlock()
	if s.bulk.n == 0 {
		if err := s.tuneWriter(ctx, importCacheKiB, importCheckpointPages); err != nil {
			// Half tuned is worse than not at all: put back what took.
			return errors.Join(err, s.tuneWriter(context.WithoutCancel(ctx), defaultCacheKiB, defaultCheckpointPages))
		}
	}
	s.bulk.n++
	return nil
}

// endBulkWrite ends what beginBulkWrite began. Shrinking the cache frees the
// pages above the new size.
func (s *Store) endBulkWrite(ctx context.Context) error {
	s.bulk.mu.Lock()
	defer s.bulk.mu.Unlock()
	s.bulk.n--
	if s.bulk.n > 0 {
		return nil
	}
	return s.tuneWriter(ctx, defaultCacheKiB, defaultCheckpointPages)
}

// tuneWriter sets both settings, the second even when the first fails, so
// putting them back never stops half-way.
func (s *Store) tuneWriter(ctx context.Context, cacheKiB, checkpointPages int) error {
	_, cacheErr := s.w.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = -%d", cacheKiB))
	_, walErr := s.w.ExecContext(ctx, fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", checkpointPages))
	return errors.Join(cacheErr, walErr)
}
