package models

import (
	"context"
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
		if err := s.setWriterCache(ctx, importCacheKiB); err != nil {
			return err
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
	return s.setWriterCache(ctx, defaultCacheKiB)
}

func (s *Store) setWriterCache(ctx context.Context, kib int) error {
	_, err := s.w.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = -%d", kib))
	return err
}
