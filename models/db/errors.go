package db

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"
)

// IsUnique reports whether err is a unique or primary-key violation.
func IsUnique(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	return false
}

// IsSerialization reports whether err is a transaction that lost a race
// and may succeed if run again: a serialization failure or a deadlock on
// PostgreSQL. SQLite's single writer never reports one.
func IsSerialization(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	return false
}

// Fault is why a database refused a write.
type Fault int

const (
	// FaultNone: not the database refusing the write (a constraint, a bug,
	// a cancelled request).
	FaultNone Fault = iota
	// FaultBusy: a lock stayed taken too long.
	FaultBusy
	// FaultFull: no room for the write.
	FaultFull
	// FaultIO: the disk refused the write, or the database is read-only.
	FaultIO
)

// FaultOf classifies a write's error on either engine.
func FaultOf(err error) Fault {
	if err == nil {
		return FaultNone
	}
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code {
		case sqlite3.ErrBusy, sqlite3.ErrLocked:
			return FaultBusy
		case sqlite3.ErrFull:
			return FaultFull
		case sqlite3.ErrIoErr, sqlite3.ErrReadonly:
			return FaultIO
		}
		return FaultNone
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "55P03" || pe.Code == "57014": // lock_not_available, query_canceled (statement timeout)
			return FaultBusy
		case pe.Code == "53100" || pe.Code == "53200" || pe.Code == "54000": // disk_full, out_of_memory, program limit
			return FaultFull
		case pe.Code == "58030" || pe.Code == "25006": // io_error, read_only_sql_transaction (a standby)
			return FaultIO
		}
	}
	return FaultNone
}
