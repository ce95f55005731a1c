package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/crowdcare/crowdcare/internal/lease"
	"github.com/crowdcare/crowdcare/listener"
	"github.com/crowdcare/crowdcare/mailer"
	"github.com/crowdcare/crowdcare/media"
	"github.com/crowdcare/crowdcare/models"
)

// Lease names of the background jobs that run on one server at a time.
const (
	leaseMail      = "mail"
	leaseXPoller   = "x-poller"
	leaseLanguages = "language-detection"
	leaseCleaner   = "uploads-cleaner"
)

// startJobs starts the background jobs that must run once however many
// servers share the database, each only while this server holds its lease
// (on SQLite, the one server takes them at once): mail delivery, the X
// poller, language detection and the uploads cleaner (the servers share
// the bucket it cleans). Run on every server instead: the import worker
// (claims are atomic; a job's file is on the disk of the server it was
// uploaded to; any server interrupts a job whose heartbeat stopped), the
// export worker (claims are atomic; each server sweeps the files on its
// own disk), and each server's insight flush (its own buffer, added in one
// transaction).
func startJobs(ctx context.Context, jobs *lease.Group, listen listener.Config, mail *mailer.Mailer, store *models.Store, cleaner *media.Cleaner, siteName, baseURL string, emailMaxAge time.Duration, log *slog.Logger) error {
	jobs.Go(ctx, leaseLanguages, func(ctx context.Context) { detectLanguagesLoop(ctx, store, log) })
	jobs.Go(ctx, leaseCleaner, cleaner.Loop)
	if err := startListening(ctx, jobs, listen, store, log); err != nil {
		return err
	}
	startMail(ctx, jobs, mail, store, siteName, baseURL, emailMaxAge, log)
	return nil
}
