//go:build !linux && !darwin

package models

import (
	"context"
	"database/sql"
)

// fileMigrationLock cannot lock a file here: processes opening one new
// SQLite file at once may both try its first migration (one then fails;
// started again, it finds the file migrated).
type fileMigrationLock struct{}

func newMigrationLock(string) *fileMigrationLock { return &fileMigrationLock{} }

func (*fileMigrationLock) SessionLock(context.Context, *sql.Conn) error   { return nil }
func (*fileMigrationLock) SessionUnlock(context.Context, *sql.Conn) error { return nil }
