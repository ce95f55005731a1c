//go:build linux || darwin

package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// fileMigrationLock orders the migrations of processes opening one SQLite
// file at once (goose has no lock for SQLite): an exclusive flock on a file
// beside the database, held while goose migrates, released by the kernel
// if the process dies. Without it two processes that start together on a
// new file both apply the first migration, and one fails ("table already
// exists") or, for a statement that cannot fail twice, applies it twice.
// flock, not fcntl: SQLite's own locks on the database are fcntl locks,
// which flock neither sees nor disturbs; and two opens in one process
// (tests' stores) exclude each other too.
type fileMigrationLock struct {
	path string
	f    *os.File
}

func newMigrationLock(dbPath string) *fileMigrationLock {
	return &fileMigrationLock{path: dbPath + ".migrate-lock"}
}

// SessionLock waits for the lock until ctx ends.
func (l *fileMigrationLock) SessionLock(ctx context.Context, _ *sql.Conn) error {
	f, err := os.OpenFile(l.path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			l.f = f
			return nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return fmt.Errorf("migration lock: %w", err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// SessionUnlock gives the lock up (closing the file does).
func (l *fileMigrationLock) SessionUnlock(context.Context, *sql.Conn) error {
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
