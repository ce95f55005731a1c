// Package models holds every query and domain rule of Crowdcare. Nothing
// outside it knows which database engine sits underneath.
package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/crowdcare/crowdcare/models/accounts"
	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/models/forum"
	"github.com/crowdcare/crowdcare/models/insights"
	"github.com/crowdcare/crowdcare/models/kb"
	"github.com/crowdcare/crowdcare/models/markup"
	"github.com/crowdcare/crowdcare/models/migrations"
	"github.com/crowdcare/crowdcare/models/moderation"
	"github.com/crowdcare/crowdcare/models/notify"
	"github.com/crowdcare/crowdcare/models/ops"
	"github.com/crowdcare/crowdcare/models/search"
	"github.com/crowdcare/crowdcare/models/site"
	"github.com/crowdcare/crowdcare/models/social"
)

// Options tunes a Store. The zero value is what production uses.
type Options struct {
	// PasswordCost is the bcrypt cost; tests lower it to stay fast.
	PasswordCost int
	// Now replaces the clock in tests.
	Now func() time.Time
	// LockWait is how long a write waits for SQLite's write lock while
	// another connection or process holds it (busy_timeout), or on
	// PostgreSQL for a lock on a row or table (lock_timeout). A write also
	// waits at most twice that for this process's one writer connection, so
	// none waits longer than WriteWait in all. Zero: DefaultLockWait.
	LockWait time.Duration
	// MaxSize caps the database file at about this many bytes (SQLite's
	// max_page_count on the writer; never below its size at the start):
	// past it writes fail as on a full disk. Zero: no cap. No command sets
	// it; the fault tests use it to stand for a full disk.
	MaxSize int64
	// FreeSpace reports the bytes free for the database on the disk that
	// holds dir; nil: what the file system says (statfs). Tests replace it.
	FreeSpace func(dir string) (int64, error)
	// MaxConns caps the PostgreSQL connection pool (default 16); SQLite
	// has one writer and a reader per core.
	MaxConns int
	// FilesDir is the directory of the files kept with the database
	// (attachments, uploaded imports, members' data exports), each kind in
	// a sub-directory of its own. Empty: beside a SQLite file (DB.uploads,
	// DB.imports, DB.exports); for PostgreSQL, DefaultFilesDir.
	FilesDir string
	// ReplicaURL is a streaming replica of the PostgreSQL primary, for
	// the reads a context allows there (models/db/replica.go); empty: none.
	ReplicaURL string
	// ReplicaMaxLag: a replica further behind is not read from
	// (DefaultReplicaMaxLag); ReplicaCheckEvery: how often the replica's
	// position is checked (DefaultReplicaCheckEvery).
	ReplicaMaxLag     time.Duration
	ReplicaCheckEvery time.Duration
	// Deaf: on PostgreSQL, this store neither hears other servers' writes
	// nor tells them of its own (no LISTEN, no NOTIFY): its caches see
	// another server's write only by age. No command sets it; tests use it
	// to stand for a change signal that has not arrived yet.
	Deaf bool
}

// DefaultFilesDir is where the files kept with a PostgreSQL database go
// unless Options.FilesDir (--data-dir) says otherwise: a directory in the
// working directory, as a SQLite file's files go beside it.
const DefaultFilesDir = "crowdcare-data"

// FilesPath is where the files of one kind ("uploads", "imports",
// "exports") are kept for the database at location: DIR/KIND when dir is
// set, else DB.KIND beside a SQLite file, or DefaultFilesDir/KIND for
// PostgreSQL (a URL has no "beside").
func FilesPath(location, dir, kind string) string {
	switch {
	case dir != "":
		return filepath.Join(dir, kind)
	case db.IsPostgresURL(location):
		return filepath.Join(DefaultFilesDir, kind)
	}
	return location + "." + kind
}

// DefaultLockWait is Options.LockWait unless set.
const DefaultLockWait = 5 * time.Second

// WriteWait is the longest a write waits for the database before it fails
// with a busy WriteFault: for the writer connection, then for the lock. The
// HTTP server's write timeout must be longer, so that a request that timed
// out for its client has not saved anything after all.
func (o Options) WriteWait() time.Duration { return 3 * o.lockWait() }

func (o Options) lockWait() time.Duration {
	if o.LockWait <= 0 {
		return DefaultLockWait
	}
	return o.LockWait
}

// Store is the data layer, over a db.DB (models/db: the pools, the
// transactions, the replica routing and the engines' SQL fragments).
type Store struct {
	// db is the database: writes go through its one writer connection on
	// SQLite (SQLite has one writer anyway; queueing them in Go avoids
	// SQLITE_BUSY storms), through serializable transactions, retried, on
	// PostgreSQL.
	db *db.DB
	// engine is db's; db's pools are W (the writer), Primary (the
	// primary's readers) and Probe (the lock probe; on PostgreSQL one
	// pool), and reader(ctx) sends the reads a context allows to the
	// replica, if any.
	engine db.Engine
	path   string
	opts   Options
	md     *markup.Renderer
	// version moves on with every commit, so caches of rendered pages know
	// when what they show may have changed; versionTimes says when.
	version      atomic.Uint64
	versionTimes versionTimes
	// signal moves version on after commits here and, on PostgreSQL, after
	// other servers' commits (LISTEN/NOTIFY, a polled row as the fallback).
	signal db.ChangeSignal
	faults writeFaults // writes that failed, and whether they still do
	// seedAt, when not 0, is the time (Unix nanoseconds) a Seeder writes
	// at: the store's clock until the Seeder closes.
	seedAt atomic.Int64
	// Site is the site settings, branding and site-wide lists
	// (models/site: settings, assets, the sitemap), over db and now.
	*site.Site
	// Notifier is the notifications and watches (models/notify), over
	// db and now.
	*notify.Notifier
	// Moderator is the flags and the audit log (models/moderation), over
	// reader, exec, inTx and now.
	*moderation.Moderator
	// Insights is the dashboard's figures, event counting and search
	// sessions, the early warning and incidents (models/insights), over db
	// and now.
	*insights.Insights
	// Searcher is search: the index's back-end and the query running
	// (models/search), over db, now and what it reads of the forum.
	*search.Searcher
	// Accounts is the members' accounts (models/accounts), over db and
	// what newAccounts hands it of the other domains.
	*accounts.Accounts
	// KB is the knowledge base's articles (models/kb), over db and what
	// kb.Needs names.
	*kb.KB
	// Social is social listening's items, rules, inbox and import jobs
	// (models/social), over db, now and ErrNotFound.
	*social.Social
	// Forum is the categories, who may see them, drafts and submission
	// keys (models/forum), over db, now and Version.
	*forum.Forum
	// Ops is the database's operations (models/ops): the backup, the
	// integrity check, db copy's tables, the import floor's row copy and
	// leases, over db and path.
	*ops.Ops
}

// Version changes whenever anything was written by this process or, on
// PostgreSQL, by another server on the same database (within a second).
func (s *Store) Version() uint64 { return s.version.Load() }

// versionTimes remembers when each of the latest 4,096 versions began (two
// per commit: 10 s of 200 commits a second), so a cache can tell how long a
// copy made at an older one has been out of date.
type versionTimes struct {
	mu    sync.Mutex
	began [4096]struct {
		version uint64
		at      int64 // Unix nanoseconds
	}
}

// bumpVersion moves the version on: something was written.
func (s *Store) bumpVersion() {
	vt := &s.versionTimes
	vt.mu.Lock()
	defer vt.mu.Unlock()
	v := s.version.Add(1)
	slot := &vt.began[v%uint64(len(vt.began))]
	slot.version, slot.at = v, s.now().UnixNano()
}

// OutdatedSince is when a copy made at version v stopped being current:
// when the next version began. known is false when that is too long ago
// to be remembered (4,096 versions), or v is the current version.
func (s *Store) OutdatedSince(v uint64) (at time.Time, known bool) {
	vt := &s.versionTimes
	vt.mu.Lock()
	defer vt.mu.Unlock()
	slot := vt.began[(v+1)%uint64(len(vt.began))]
	if slot.version != v+1 {
		return time.Time{}, false
	}
	return time.Unix(0, slot.at), true
}

// Open opens the database at location and migrates it: a postgres:// URL
// is a PostgreSQL database, anything else a SQLite file (created if needed).
func Open(ctx context.Context, location string, opts Options) (*Store, error) {
	if opts.PasswordCost == 0 {
		opts.PasswordCost = defaultPasswordCost
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if db.IsPostgresURL(location) {
		return openPostgres(ctx, location, opts)
	}
	if opts.ReplicaURL != "" {
		return nil, errors.New("a replica (--db-replica) needs a PostgreSQL primary (--db postgres://…)")
	}
	return openSQLite(ctx, location, opts)
}

// Engine is the database engine underneath.
func (s *Store) Engine() db.Engine { return s.engine }

// openPostgres opens a pool on the PostgreSQL database at url. Settings,
// each for a reason:
//   - one pool of Options.MaxConns connections (16) serves reads and writes:
//     PostgreSQL takes concurrent writers, so there is no writer queue;
//   - statements stop after 30 s (statement_timeout), the session's zone is
//     UTC;
//   - a write waits for a lock at most Options.LockWait (lock_timeout), as
//     it waits for SQLite's write lock (busy_timeout), then fails with a
//     busy WriteFault: a site whose rows stay locked answers 503 at once
//     rather than piling requests up;
//   - write transactions are SERIALIZABLE and retried on a serialization
//     failure (db.DB.InTx), so a read-then-write is as safe as under SQLite's
//     one writer without every caller taking row locks;
//   - migrations take goose's advisory lock, so servers starting together
//     migrate once.
func openPostgres(ctx context.Context, url string, opts Options) (*Store, error) {
	if opts.MaxSize > 0 {
		return nil, errors.New("a size cap (Options.MaxSize) is for SQLite files only")
	}
	s := &Store{path: url, opts: opts, md: markup.New(), faults: newWriteFaults(), engine: db.Postgres}
	sig := &db.PostgresSignal{URL: url, OnChange: s.bumpVersion}
	pool, err := db.OpenPostgres(ctx, url, db.PostgresOptions{MaxConns: opts.MaxConns, LockTimeout: opts.lockWait(), OnCommit: sig.Notify})
	if err != nil {
		return nil, err
	}
	s.db = db.New(db.Postgres, pool, pool, pool, opts.lockWait(), s.dbHooks())
	s.newDomains()
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	sig.Pool, s.signal = pool, sig
	if opts.Deaf {
		s.signal = db.NewLocalSignal(s.bumpVersion)
	} else if err := sig.Start(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	if opts.ReplicaURL != "" {
		ro := db.ReplicaOptions{MaxConns: opts.MaxConns, MaxLag: opts.ReplicaMaxLag, CheckEvery: opts.ReplicaCheckEvery}
		if err := s.db.OpenReplica(ctx, opts.ReplicaURL, ro); err != nil {
			s.Close()
			return nil, err
		}
	}
	if err := s.reindexIfAsked(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.fillSearchWordsIfAsked(ctx); err != nil {
		s.Close()
		return nil, err
	}
	s.startEventFlusher()
	return s, nil
}

// openSQLite opens (creating if needed) the database file at path.
func openSQLite(ctx context.Context, path string, opts Options) (*Store, error) {
	w, err := db.OpenSQLite(path, db.ConnWriter, opts.lockWait())
	if err != nil {
		return nil, err
	}
	s := &Store{path: path, opts: opts, md: markup.New(), faults: newWriteFaults(), engine: db.SQLite}
	s.db = db.New(db.SQLite, w, nil, nil, opts.lockWait(), s.dbHooks())
	s.signal = db.NewLocalSignal(s.bumpVersion)
	// Every write goes through the writer's one connection, which the pool
	// keeps for good, so the hook stays in place and no write path can
	// forget to invalidate caches.
	if err := s.db.WatchCommits(ctx, func() { s.signal.Notify() }); err != nil {
		w.Close()
		return nil, fmt.Errorf("watch commits: %w", err)
	}
	// Set on the one connection, which the pool keeps for good (above).
	if err := s.db.TuneWriterDefault(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("tune the writer: %w", err)
	}
	if err := s.migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	if opts.MaxSize > 0 {
		if err := s.capSize(ctx, opts.MaxSize); err != nil {
			w.Close()
			return nil, err
		}
	}
	// Readers open after migration so the file and its WAL exist.
	r, err := db.OpenSQLite(path, db.ConnReader, opts.lockWait())
	if err != nil {
		w.Close()
		return nil, err
	}
	s.db.SetReaders(r, nil)
	s.newDomains()
	if err := r.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("ping readers: %w", err)
	}
	probe, err := db.OpenSQLite(path, db.ConnProbe, probeLockWait)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.db.SetReaders(r, probe)
	if err := s.reindexIfAsked(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.fillSearchWordsIfAsked(ctx); err != nil {
		s.Close()
		return nil, err
	}
	s.startEventFlusher()
	return s, nil
}

// newDomains makes the domain packages' types the store embeds, over its
// db (both engines' Open, once the connections are set up).
func (s *Store) newDomains() {
	s.Site = s.newSite()
	s.Notifier = s.newNotifier()
	s.Moderator = s.newModerator()
	s.Ops = s.newOps()
	s.Insights = s.newInsights()
	s.Searcher = s.newSearcher()
	s.Accounts = s.newAccounts()
	s.KB = s.newKB()
	s.Social = s.newSocial()
	s.Forum = s.newForum()
}

func (s *Store) migrate(ctx context.Context) error {
	var p *goose.Provider
	var err error
	if s.engine == db.Postgres {
		var locker lock.SessionLocker
		if locker, err = lock.NewPostgresSessionLocker(); err != nil {
			return fmt.Errorf("migrations: %w", err)
		}
		// On pgx's own driver, not the stores' pool: goose writes Go
		// booleans into its boolean column, which the pool would pass as
		// the integers the stores' flags are.
		plain, err := sql.Open("pgx", s.path)
		if err != nil {
			return fmt.Errorf("migrations: %w", err)
		}
		defer plain.Close()
		p, err = goose.NewProvider(goose.DialectPostgres, plain, migrations.Postgres(), goose.WithSessionLocker(locker))
	} else {
		// Processes opening one new file at once migrate it once (the lock
		// is a file beside it: migratelock_unix.go).
		p, err = goose.NewProvider(goose.DialectSQLite3, s.db.W(), migrations.SQLite(), goose.WithSessionLocker(newMigrationLock(s.path)))
	}
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Close closes the pools.
func (s *Store) Close() error {
	var errs []error
	s.faults.stop()
	if s.db.Primary() != nil {
		errs = append(errs, s.stopEventFlusher())
	}
	if s.engine == db.Postgres {
		errs = append(errs, s.db.CloseReplica())
		if s.signal != nil {
			errs = append(errs, s.signal.Close())
		}
		if s.db.W() != nil {
			errs = append(errs, s.db.W().Close())
		}
		return errors.Join(errs...)
	}
	if s.db.Probe() != nil {
		errs = append(errs, s.db.Probe().Close())
	}
	if s.db.Primary() != nil {
		errs = append(errs, s.db.Primary().Close())
	}
	if s.db.W() != nil {
		// Folds the WAL back into the main file so a copied .db is complete.
		_, err := s.db.W().Exec("PRAGMA wal_checkpoint(TRUNCATE)")
		errs = append(errs, err, s.db.W().Close())
	}
	return errors.Join(errs...)
}

// Path is the database file, or the PostgreSQL URL (with its password:
// db.Redact it before showing it).
func (s *Store) Path() string { return s.path }

// FilesPath is where the files of one kind ("uploads", "imports",
// "exports") are kept for this database (Options.FilesDir).
func (s *Store) FilesPath(kind string) string { return FilesPath(s.path, s.opts.FilesDir, kind) }

func (s *Store) now() time.Time {
	if at := s.seedAt.Load(); at != 0 {
		return time.Unix(0, at)
	}
	return s.opts.Now()
}

// Now is the store's clock: the real time, or a test's fixed one (or a
// Seeder's, while it writes).
func (s *Store) Now() time.Time { return s.now() }

// dbHooks are what the store's db.DB tells it: a commit (the version moves
// on), a write's outcome (refusals are counted), and the version (for the
// replica's monitor).
func (s *Store) dbHooks() db.Hooks {
	return db.Hooks{Committed: s.bumpVersion, NoteWrite: s.noteWrite, Version: s.Version}
}

// DB is the database layer under the store, for domain packages that take it.
func (s *Store) DB() *db.DB { return s.db }

// inTx runs fn in one write transaction: everything commits or nothing
// does (db.DB.InTx; on PostgreSQL serializable, run again after a
// serialization failure).
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.db.InTx(ctx, fn)
}

// inQuietTx is inTx for writes no page shows (counters): cached pages stay valid.
func (s *Store) inQuietTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.db.InQuietTx(ctx, fn)
}

// PoolStats reports the connection pools, for monitoring.
func (s *Store) PoolStats() (writer, readers sql.DBStats) {
	return s.db.W().Stats(), s.db.Primary().Stats()
}

// exec runs one write outside a transaction and moves the version on once it
// is committed (the commit hook fires just before readers can see it).
func (s *Store) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return s.db.Exec(ctx, q, args...)
}
