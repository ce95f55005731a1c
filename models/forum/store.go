package forum

import (
	"context"
	"database/sql"
	"time"

	"github.com/crowdcare/crowdcare/models/db"
)

// Deps is what the forum needs of the store besides the database layer:
// the store's clock, its version (what the store remembers for a request,
// WithMemo, holds until the next write), the error for what is not there
// (models.ErrNotFound: a 404), and what belongs to other domains.
type Deps struct {
	Now      func() time.Time
	Version  func() uint64
	NotFound error
	// ThreadSource reads a thread's source_url: the link to the post on X,
	// the post's id, and whether the thread started on X (models/social's).
	ThreadSource func(ref string) (link, id string, fromX bool)
	// Votes is what a helpful vote needs of policy and the accounts.
	Votes Votes
}

// Forum reads and writes the forum's tables: it reads from the pool a
// request's reads go to (db.DB.Reader: a replica's when the request allows
// it) and writes on the writer, in the transactions of db.DB (the caches'
// signal included). models.Store embeds a *Forum, so its methods are the
// store's.
type Forum struct {
	db   *db.DB
	deps Deps
}

// New is the forum over the database d and the store's deps.
func New(d *db.DB, deps Deps) *Forum { return &Forum{db: d, deps: deps} }

func (f *Forum) reader(ctx context.Context) *sql.DB { return f.db.Reader(ctx) }

func (f *Forum) ids(ctx context.Context, q string, args ...any) ([]int64, error) {
	return db.Column[int64](f.reader(ctx).QueryContext(ctx, q, args...))
}
