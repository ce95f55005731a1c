package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"strings"

	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/db"
)

// backup writes a checked copy of the database to FILE: SQLite's own copy
// of a file, or pg_dump's of a PostgreSQL database; then the attachments.
func backup(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dbFlag := newFlags("backup")
	dataDir := dataDirFlag(fs)
	openUploads := uploadsFlags(fs, dbFlag, dataDir)
	return withStore(ctx, fs, dbFlag, args, func(store *models.Store, pos []string) error {
		if len(pos) != 1 {
			return usageError("backup takes one FILE")
		}
		file := pos[0]
		rep, err := store.Backup(ctx, file)
		var missing *models.ToolMissingError
		switch {
		case errors.Is(err, iofs.ErrExist):
			return fmt.Errorf("%s exists; choose a new file name", file)
		case errors.As(err, &missing):
			return fmt.Errorf("%v, so no backup was made. Install PostgreSQL's client programs (Debian: apt-get install postgresql-client, "+
				"of the server's major version or newer), or back up from a machine that has them:\n  %s", err, missing.Command)
		case err != nil:
			if _, serr := os.Lstat(file); errors.Is(serr, iofs.ErrNotExist) {
				return fmt.Errorf("%w (nothing was written under %s)", err, file)
			}
			return err
		}
		if rep.Engine == db.Postgres {
			fmt.Fprintf(stdout, "Backed up %s to %s (%d bytes) with %s, in its custom format.\n", dbName(*dbFlag), file, rep.Bytes, rep.Tool)
			fmt.Fprintf(stdout, "Checked the copy before naming it: flushed to disk; pg_restore reads it back and lists the data of all %d tables; schema version %d.\n",
				len(rep.Tables), rep.SchemaVersion)
			fmt.Fprintf(stdout, "To restore: create an empty database (createdb crowdcare_restored), run pg_restore --no-owner --dbname=URL_OF_IT %s, "+
				"and start the server with --db pointing at it (docs/operations.md).\n", file)
		} else {
			sqliteBackupReport(stdout, *dbFlag, file, rep)
		}
		// The attachments after the database: every file the copy refers
		// to was stored before its row, so it is there to copy.
		return backupUploads(ctx, openUploads, file, stdout)
	})
}

func sqliteBackupReport(stdout io.Writer, dbFile, file string, rep models.BackupReport) {
	fmt.Fprintf(stdout, "Backed up %s to %s (%d bytes).\n", dbFile, file, rep.Bytes)
	fmt.Fprintf(stdout, "Checked the copy before naming it: flushed to disk; integrity_check %s; schema version %d; %d tables, %d rows",
		rep.Integrity, rep.SchemaVersion, len(rep.Tables), rep.Rows())
	if rep.Compared {
		fmt.Fprintln(stdout, ", each table's count equal to the database's.")
	} else {
		fmt.Fprintln(stdout, ". The site wrote while it was copied, so the counts are the snapshot's and were not compared.")
	}
	var counts []string
	for _, t := range rep.Tables {
		counts = append(counts, fmt.Sprintf("%s %d", t.Name, t.Rows))
	}
	fmt.Fprintf(stdout, "Rows: %s.\n", strings.Join(counts, ", "))
	fmt.Fprintf(stdout, "To restore: stop the server, delete %[1]s-wal and %[1]s-shm if they exist, copy %[2]s to %[1]s, start the server (docs/operations.md).\n",
		dbFile, file)
}
