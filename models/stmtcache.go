package models

import (
	"database/sql"

	"github.com/crowdcare/crowdcare/models/db"
)

// The statement cache and the writing helpers' interface live in models/db.

// dbtx is what writing helpers need: a *sql.Tx, or a stmtCache over one.
type dbtx = db.Querier

// stmtCache prepares each distinct statement once per transaction (db.StmtCache).
type stmtCache = db.StmtCache

func newStmtCache(tx *sql.Tx) *stmtCache { return db.NewStmtCache(tx) }
