package db

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// ImportCacheKiB is the writer's page cache while an import runs. Placeholder
// profiles, and the posts and threads of authors who come back, go into
// their indexes in no particular order; once those outgrow SQLite's default
// 2 MB, every insert reads pages back (a 1,000,000-record import ran about
// 1.3x faster with 32 MB; 64 MB was no faster and took peak memory over
// 150 MB).
const ImportCacheKiB = 32 << 10

// DefaultCacheKiB is SQLite's own default page cache, per connection.
const DefaultCacheKiB = 2000

// ImportCheckpointPages is how long the WAL may grow before a commit copies
// it into the database, while an import runs. Each batch rewrites pages of
// those random-order indexes that the batch before wrote too; a checkpoint
// copies a page once however often it was committed, so checkpointing every
// 64 MB instead of every 4 MB writes less (2-13% faster for a million
// records, docs/benchmarks.md).
const ImportCheckpointPages = 16384

// ImportWALBytes is how large the WAL may grow during an import: the
// checkpoint interval in SQLite's default 4 KB pages.
const ImportWALBytes = ImportCheckpointPages * 4096

// DefaultCheckpointPages is SQLite's own default.
const DefaultCheckpointPages = 1000

// WALSizeLimit is what a checkpoint that starts the WAL over cuts it back
// to (journal_size_limit; SQLite's default is no limit): without it the
// file an import grew to 64 MB would stay that size until the store closes.
// Imports run without it: cutting the file and growing it again at every
// checkpoint made a million-record import 13-15% slower.
const WALSizeLimit = 4 << 20

// Temporary storage (temp_store: 2 in memory, 0 SQLite's default, files)
// while an import runs. SQLite keeps a statement journal for each
// multi-row statement in a transaction that could fail half-way (any with
// a UNIQUE, CHECK or foreign-key constraint: all of the import's), so it
// can undo that statement alone; past 64 KiB the journal spills to a
// temporary file. Every 100-row insert of the import spilled: a
// 100,000-post archive made 260,116 pwrite calls with files and 107,902 in
// memory (the WAL and the checkpoints), for the same peak RSS.
const (
	ImportTempStore  = 2
	DefaultTempStore = 0
)

// writerTuning is the writer's settings for imports or for the rest of the
// time.
type writerTuning struct {
	cacheKiB, checkpointPages, walLimit, tempStore int
}

var (
	importTuning  = writerTuning{ImportCacheKiB, ImportCheckpointPages, -1, ImportTempStore}
	defaultTuning = writerTuning{DefaultCacheKiB, DefaultCheckpointPages, WALSizeLimit, DefaultTempStore}
)

// bulkWrites counts the imports under way in this process.
type bulkWrites struct {
	mu sync.Mutex
	n  int
}

// BeginBulkWrite tunes the writer for an import (SQLite). Imports under
// way in this process are counted: the first gives the writer its bigger
// cache, the last puts it back (EndBulkWrite), so one ending does not take
// it from another still running.
func (d *DB) BeginBulkWrite(ctx context.Context) error {
	d.bulk.mu.Lock()
	defer d.bulk.mu.Unlock()
	if d.bulk.n == 0 {
		if err := d.tuneWriter(ctx, importTuning); err != nil {
			// Half tuned is worse than not at all: put back what took.
			return errors.Join(err, d.tuneWriter(context.WithoutCancel(ctx), defaultTuning))
		}
	}
	d.bulk.n++
	return nil
}

// EndBulkWrite ends what BeginBulkWrite began. Shrinking the cache frees the
// pages above the new size. The last import to end also folds the WAL into
// the database and cuts the file to nothing (checkpointWAL).
func (d *DB) EndBulkWrite(ctx context.Context) error {
	d.bulk.mu.Lock()
	defer d.bulk.mu.Unlock()
	d.bulk.n--
	if d.bulk.n > 0 {
		return nil
	}
	return errors.Join(d.tuneWriter(ctx, defaultTuning), d.CheckpointWAL(ctx))
}

// CheckpointWAL copies the WAL into the database and truncates it. An
// import grows the WAL to tens of MB; journal_size_limit cuts it back only
// at the next checkpoint that starts it over, which a later write has to
// trigger, and that write may be the one a full disk refuses: on a 64 MB
// disk a 30 MB WAL left behind failed every write. A reader holding an old
// snapshot keeps the checkpoint from finishing; the WAL is then cut back by
// the next automatic one as before.
func (d *DB) CheckpointWAL(ctx context.Context) error {
	if d.engine == Postgres {
		return nil // no WAL file of ours: the server's own
	}
	conn, err := d.Writer(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var busy, frames, done int
	if err := conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &frames, &done); err != nil {
		return d.hooks.NoteWrite(fmt.Errorf("checkpoint the WAL: %w", err))
	}
	return nil
}

// tuneWriter sets every setting, the next even when one fails, so putting
// them back never stops half-way. They are SQLite's: PostgreSQL's page
// cache and checkpoints are the server's, set by its administrator.
func (d *DB) tuneWriter(ctx context.Context, t writerTuning) error {
	if d.engine == Postgres {
		return nil
	}
	var errs []error
	for _, q := range []string{fmt.Sprintf("PRAGMA cache_size = -%d", t.cacheKiB),
		fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", t.checkpointPages),
		fmt.Sprintf("PRAGMA journal_size_limit = %d", t.walLimit),
		fmt.Sprintf("PRAGMA temp_store = %d", t.tempStore)} {
		if _, err := d.w.ExecContext(ctx, q); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// TuneWriterDefault gives the writer its settings for the rest of the time
// (not an import's): at the start, on the one connection the pool keeps.
func (d *DB) TuneWriterDefault(ctx context.Context) error { return d.tuneWriter(ctx, defaultTuning) }
