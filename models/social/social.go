package social

import (
	"time"

	"github.com/crowdcare/crowdcare/models/db"
)

// Social is social listening's storage: the imported items, the watch
// rules, the triage inbox, the import jobs' queue and the languages of
// the items. It reads from the primary pool (db.DB.Primary) or the pool a
// request's reads go to (db.DB.Reader), writes single statements on the
// writer (db.DB.Exec, db.DB.W), and runs the statements of the steps that
// span domains in the transaction of the caller's it is given.
type Social struct {
	db   *db.DB
	deps Deps
}

// Deps is what social listening needs of the store besides the database:
// its clock, the error for what is not there (a 404, which the handlers
// and workers test for), and how the store names a file kept in the
// storage the app servers share (SharedKey: such a file is the caller's
// to delete).
type Deps struct {
	Now       func() time.Time
	NotFound  error
	SharedKey func(path string) (string, bool)
}

// New is social listening's storage over the database d.
func New(d *db.DB, deps Deps) *Social { return &Social{db: d, deps: deps} }
