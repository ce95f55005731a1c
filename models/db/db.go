// Package db is the thin layer between the stores and the two database
// engines Crowdcare runs on: SQLite (one file, the default) and PostgreSQL
// (several app servers). Queries are written once, with SQLite's "?"
// placeholders; on PostgreSQL the driver in this package rebinds them to
// "$N", passes Go booleans as the integers the schema stores, and reports
// commits so that page caches know when to look again. Errors are
// classified here (unique violation, serialization failure, busy, full),
// so nothing above needs to know which engine answered.
//
// A DB (tx.go) is an open database of either engine: its pools (SQLite's
// one writer, readers and lock probe, sqlite.go; PostgreSQL's one pool),
// its transactions (InTx, InQuietTx, InLockedTx in lockedtx.go, InBulkTx),
// the replica its reads may go to (replica.go), and the few fragments of
// SQL that differ by engine (dialect.go). Domain packages take a *DB.
package db

import (
	"regexp"
	"strings"
)

// Engine names a database engine.
type Engine string

const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// EngineOf says which engine a --db value names: a postgres:// or
// postgresql:// URL is PostgreSQL, anything else a SQLite file path.
func EngineOf(location string) Engine {
	if IsPostgresURL(location) {
		return Postgres
	}
	return SQLite
}

// IsPostgresURL reports whether location is a PostgreSQL connection URL.
func IsPostgresURL(location string) bool {
	l := strings.ToLower(location)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// passwordParam is a password given as a URL parameter (pgx takes
// password and sslpassword from the query too).
var passwordParam = regexp.MustCompile(`(?i)([?&])((?:ssl)?password)=[^&#]*`)

// Redact returns a connection URL without its passwords, for logs and
// pages: the one in the user part, and those given as parameters.
func Redact(location string) string {
	if !IsPostgresURL(location) {
		return location
	}
	location = passwordParam.ReplaceAllString(location, "${1}${2}=xxxxx")
	at := strings.LastIndex(location, "@")
	scheme := strings.Index(location, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return location
	}
	cred := location[scheme+3 : at]
	if i := strings.Index(cred, ":"); i >= 0 {
		return location[:scheme+3] + cred[:i] + ":xxxxx" + location[at:]
	}
	return location
}
