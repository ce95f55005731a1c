package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/crowdcare/crowdcare/internal/lease"
	"github.com/crowdcare/crowdcare/listener"
	"github.com/crowdcare/crowdcare/mailer"
	"github.com/crowdcare/crowdcare/models"
)

// Lease names of the background jobs that run on one server at a time.
const (
	leaseMail      = "mail"
	leaseXPoller   = "x-poller"
	leaseLanguages = "language-detection"
)

// startJobs starts the background jobs that must run once however many
// servers share the database, each only while this server holds its lease
// (on SQLite, the one server takes them at once): mail delivery, the X
// poller and language detection. Imports, exports and the uploads cleaner
// run on every server (their files are on its disk; their claims are
// atomic), and each server flushes its own insight events.
func startJobs(ctx context.Context, jobs *lease.Group, listen listener.Config, mail *mailer.Mailer, store *models.Store, siteName, baseURL string, emailMaxAge time.Duration, log *slog.Logger) error {
	jobs.Go(ctx, leaseLanguages, func(ctx context.Context) { detectLanguagesLoop(ctx, store, log) })
	if err := startListening(ctx, jobs, listen, store, log); err != nil {
		return err
	}
	startMail(ctx, jobs, mail, store, siteName, baseURL, emailMaxAge, log)
	return nil
}
