package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/crowdcare/crowdcare/media"
	"github.com/crowdcare/crowdcare/models"
)

// uploadsLocation is where attachments are kept: a directory or a bucket.
type uploadsLocation func() string

// uploadsFlags adds the flags that say where attachments are kept, for a
// database at db whose files go in dataDir (--data-dir).
func uploadsFlags(fs *flag.FlagSet, db, dataDir *string) uploadsLocation {
	dir := fs.String("uploads-dir", env("CROWDCARE_UPLOADS_DIR", ""),
		"directory of uploaded attachments; empty: DATA-DIR/uploads, or beside a SQLite database, DB.uploads ($CROWDCARE_UPLOADS_DIR)")
	bucket := fs.String("uploads-url", env("CROWDCARE_UPLOADS_URL", ""),
		"S3-compatible bucket for attachments instead of a directory, e.g. s3://bucket?endpoint=https://s3.example.com&region=eu-west-1; "+
			"credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY ($CROWDCARE_UPLOADS_URL)")
	return func() string {
		switch {
		case *bucket != "":
			return *bucket
		case *dir != "":
			return *dir
		}
		return models.FilesPath(*db, *dataDir, "uploads")
	}
}

// open opens the storage (a missing directory is created).
func (l uploadsLocation) open(ctx context.Context) (*media.Storage, error) {
	return media.OpenStorage(ctx, l())
}

// imageFlags adds the image processing limits.
func imageFlags(fs *flag.FlagSet) func() media.Limits {
	workers := fs.Int("image-workers", runtime.NumCPU(), "images processed at once; more uploads wait their turn")
	memory := fs.Int("image-memory", media.DefaultMemory>>20, "megabytes the images being processed may hold together")
	return func() media.Limits { return media.Limits{Workers: *workers, Memory: int64(*memory) << 20} }
}

// backupUploads copies the attachments of a local uploads directory next
// to a database backup, or says how to back up a bucket.
func backupUploads(ctx context.Context, where uploadsLocation, dbBackup string, stdout io.Writer) error {
	if !strings.HasPrefix(where(), "s3://") {
		if _, err := os.Stat(where()); err != nil {
			fmt.Fprintf(stdout, "No attachments to copy (%s does not exist).\n", where())
			return nil
		}
	}
	st, err := where.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if st.Dir() == "" {
		fmt.Fprintf(stdout, "Attachments are in the bucket %s, which this backup does not copy: keep the bucket versioned or replicated "+
			"with your provider, or copy it with its tools (e.g. `aws s3 sync s3://BUCKET /backup/crowdcare-uploads --exclude 'imports/*' --exclude 'exports/*'`), "+
			"right after this backup. Its imports/ and exports/ folders need no copy: uploads waiting for an import, and members' data exports "+
			"(personal data, kept 24 hours).\n", st)
		return nil
	}
	dest := dbBackup + ".uploads"
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("%s exists; choose a new backup name", dest)
	}
	to, err := media.OpenStorage(ctx, dest)
	if err != nil {
		return err
	}
	defer to.Close()
	n, size, err := media.CopyAll(ctx, st, to)
	if err != nil {
		return fmt.Errorf("copy attachments to %s: %w", dest, err)
	}
	fmt.Fprintf(stdout, "Copied %d attachment files (%d bytes) from %s to %s, after the database: every file the copy refers to is there "+
		"(a file deleted meanwhile may be missing). To restore them, copy %s back to %s with the server stopped.\n",
		n, size, st.Dir(), dest, dest, st.Dir())
	return nil
}
