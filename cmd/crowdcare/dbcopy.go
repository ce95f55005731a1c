package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"strings"
	"time"

	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/db"
)

// dbCommand runs the "db" group: copy.
func dbCommand(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError("db needs a command: copy")
	}
	switch args[0] {
	case "copy":
		return dbCopy(ctx, args[1:], stdout)
	}
	return usageError(fmt.Sprintf("unknown db command %q", args[0]))
}

// dbCopy moves a forum from its SQLite file into a new PostgreSQL database.
func dbCopy(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlagSet("db copy")
	from := fs.String("from", env("CROWDCARE_DB", "./crowdcare.db"), "the SQLite database file to copy ($CROWDCARE_DB)")
	to := fs.String("to", env("CROWDCARE_DATABASE_URL", ""), "the PostgreSQL database to copy into, a postgres:// URL: new and empty ($CROWDCARE_DATABASE_URL)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return usageError("db copy takes no arguments but --from and --to")
	case *to == "":
		return usageError("--to is required: the PostgreSQL database to copy into, postgres://USER@HOST/DBNAME")
	case !db.IsPostgresURL(*to):
		return usageError(fmt.Sprintf("--to %s is not a postgres:// URL: db copy copies a SQLite file into PostgreSQL", *to))
	case db.IsPostgresURL(*from):
		return usageError("--from is a PostgreSQL URL: db copy reads a SQLite file; copy one PostgreSQL database to another with pg_dump and pg_restore")
	}
	// Open would create a missing file: a typo must not copy an empty forum.
	if _, err := os.Stat(*from); errors.Is(err, iofs.ErrNotExist) {
		return fmt.Errorf("--from %s: no such file", *from)
	} else if err != nil {
		return fmt.Errorf("--from %s: %w", *from, err)
	}
	start := time.Now()
	src, err := openStore(ctx, *from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := openStore(ctx, *to)
	if err != nil {
		return err
	}
	defer dst.Close()
	fmt.Fprintf(stdout, "Copying %s into %s, every table in one transaction:\n", *from, dbName(*to))
	tables := 0
	rep, err := src.CopyInto(ctx, dst, func(step models.CopyStep) {
		if step.Committed {
			fmt.Fprintf(stdout, "Committed %d tables, %d rows; each table's rows counted again on PostgreSQL: equal. "+
				"Ids kept; each table's next id follows its last.\n", tables, step.Rows)
			return
		}
		if step.Table == "" {
			fmt.Fprintf(stdout, "Rebuilt the search index on PostgreSQL: %d questions (%.1f s).\n", step.Rows, step.Took.Seconds())
			return
		}
		line := fmt.Sprintf("  %-26s %10d rows  %6.1f s", step.Table, step.Rows, step.Took.Seconds())
		if step.Repaired > 0 {
			line += fmt.Sprintf("  (%d texts with invalid UTF-8 or NUL characters repaired)", step.Repaired)
		}
		fmt.Fprintln(stdout, line)
		tables++
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Done in %.1f s (schema version %d; rebuilt rather than copied: %s). Serve it with: crowdcare serve --db '%s'\n",
		time.Since(start).Seconds(), rep.SchemaVersion, strings.Join(rep.Skipped, ", "), dbName(*to))
	fmt.Fprintf(stdout, "Files stay where they are: attachments in %s, import uploads and data exports beside the SQLite file. "+
		"On PostgreSQL they go under --data-dir (default ./%s): move the attachments to DATA-DIR/uploads, or start serve with --uploads-dir %s.\n",
		models.FilesPath(*from, "", "uploads"), models.DefaultFilesDir, models.FilesPath(*from, "", "uploads"))
	return nil
}
