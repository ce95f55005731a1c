package media

import (
	"context"
	"log/slog"
	"time"
)

// CleanerStore is what the cleaner needs of the database.
type CleanerStore interface {
	// DropOrphanAttachments forgets uploads no post took in time and
	// queues their keys for deletion.
	DropOrphanAttachments(ctx context.Context) (int, error)
	// TrashedUploads lists up to n keys whose files are to be deleted.
	TrashedUploads(ctx context.Context, n int) ([]string, error)
	// ForgetTrashed drops keys whose files are deleted.
	ForgetTrashed(ctx context.Context, keys []string) error
}

// Cleaner deletes the files of uploads the database no longer wants:
// orphans (uploaded but never posted, after a day), files a moderator
// removed, those of deleted accounts. The database queues their keys in the
// transaction that drops the rows; the cleaner deletes the files, then the
// keys, so a crash in between only makes it delete them again.
type Cleaner struct {
	store   CleanerStore
	storage *Storage
	log     *slog.Logger
	every   time.Duration
	wake    chan struct{}
	done    chan struct{}
}

// DefaultCleanEvery is how often the cleaner looks for orphans.
const DefaultCleanEvery = 15 * time.Minute

// NewCleaner makes a cleaner that looks every `every` (DefaultCleanEvery if
// zero) and whenever woken.
func NewCleaner(store CleanerStore, storage *Storage, every time.Duration, log *slog.Logger) *Cleaner {
	if every <= 0 {
		every = DefaultCleanEvery
	}
	return &Cleaner{store: store, storage: storage, log: log, every: every, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// Wake asks for a clean-up soon: files were queued for deletion.
func (c *Cleaner) Wake() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Run cleans now and then every period or when woken, until ctx ends;
// Wait waits for it. One Run per cleaner.
func (c *Cleaner) Run(ctx context.Context) {
	defer close(c.done)
	c.Loop(ctx)
}

// Loop is Run without the end Wait waits for: for a cleaner run again and
// again, only while this server holds its lease (serve: one server among
// several sharing a bucket cleans it). A wake while another server holds
// the lease waits for the holder's next round.
func (c *Cleaner) Loop(ctx context.Context) {
	for {
		if _, err := c.Clean(ctx); err != nil && ctx.Err() == nil {
			c.log.Error("uploads: clean up", "err", err)
		}
		t := time.NewTimer(c.every)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-c.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// Wait waits until Run has returned or ctx ends.
func (c *Cleaner) Wait(ctx context.Context) error {
	select {
	case <-c.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Clean drops orphans and deletes every queued file, returning how many
// uploads' files it deleted.
func (c *Cleaner) Clean(ctx context.Context) (int, error) {
	if n, err := c.store.DropOrphanAttachments(ctx); err != nil {
		return 0, err
	} else if n > 0 {
		c.log.Info("uploads: dropped uploads never posted", "count", n)
	}
	deleted := 0
	for {
		keys, err := c.store.TrashedUploads(ctx, 100)
		if err != nil || len(keys) == 0 {
			return deleted, err
		}
		for _, k := range keys {
			if len(k) < 2 {
				continue
			}
			for _, fk := range []string{FileKey(k), ThumbKey(k)} {
				if err := c.storage.Delete(ctx, fk); err != nil {
					return deleted, err
				}
			}
		}
		if err := c.store.ForgetTrashed(ctx, keys); err != nil {
			return deleted, err
		}
		deleted += len(keys)
	}
}
