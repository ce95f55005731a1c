package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/crowdcare/crowdcare/internal/lease"
	"github.com/crowdcare/crowdcare/mailer"
	"github.com/crowdcare/crowdcare/models"
)

// smtpFlags adds the SMTP settings to serve. The password is read from the
// environment only: command lines are visible to every user of the machine.
func smtpFlags(fs *flag.FlagSet) func() mailer.Config {
	host := fs.String("smtp-host", os.Getenv("CROWDCARE_SMTP_HOST"), "SMTP server; empty writes emails to the log ($CROWDCARE_SMTP_HOST)")
	port := fs.Int("smtp-port", envInt("CROWDCARE_SMTP_PORT", 587), "SMTP port ($CROWDCARE_SMTP_PORT)")
	user := fs.String("smtp-user", os.Getenv("CROWDCARE_SMTP_USER"), "SMTP user name ($CROWDCARE_SMTP_USER; the password only in $CROWDCARE_SMTP_PASSWORD)")
	from := fs.String("smtp-from", os.Getenv("CROWDCARE_SMTP_FROM"), `sender, e.g. "Community <community@example.com>" ($CROWDCARE_SMTP_FROM)`)
	tls := fs.String("smtp-tls", env("CROWDCARE_SMTP_TLS", mailer.TLSStartTLS), "starttls, tls or none ($CROWDCARE_SMTP_TLS)")
	return func() mailer.Config {
		return mailer.Config{Host: *host, Port: *port, Username: *user, Password: os.Getenv("CROWDCARE_SMTP_PASSWORD"), From: *from, TLS: *tls}
	}
}

func envInt(key string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(key)); err == nil {
		return n
	}
	return def
}

// emailMaxAgeFlag adds the age past which notifications are not emailed,
// so turning SMTP on does not send the backlog.
func emailMaxAgeFlag(fs *flag.FlagSet) *time.Duration {
	def := mailer.DefaultMaxAge
	if d, err := time.ParseDuration(os.Getenv("CROWDCARE_EMAIL_MAX_AGE")); err == nil {
		def = d
	}
	return fs.Duration("email-max-age", def, "notifications older than this are never emailed ($CROWDCARE_EMAIL_MAX_AGE)")
}

// startMail runs the mail worker: outbox emails (verification links) always,
// to the log without SMTP; notifications only with SMTP.
func startMail(ctx context.Context, jobs *lease.Group, mail *mailer.Mailer, store *models.Store, siteName, baseURL string, maxAge time.Duration, log *slog.Logger) {
	w := mailer.NewWorker(mail, store, mailer.WorkerConfig{SiteName: siteName, BaseURL: baseURL,
		Name: communityName(store, log), UnsubscribeURL: unsubscribeURL(ctx, store, baseURL, log), MaxAge: maxAge})
	jobs.Go(ctx, leaseMail, w.Run)
}

// communityName is the name admins gave the community ("" for --site-name).
func communityName(store *models.Store, log *slog.Logger) func(context.Context) string {
	return func(ctx context.Context) string {
		s, err := store.SiteSettings(ctx)
		if err != nil {
			log.Error("community name for an email", "err", err)
			return ""
		}
		return s.CommunityName
	}
}

// unsubscribeURL makes the signed one-click link for notification emails.
func unsubscribeURL(ctx context.Context, store *models.Store, baseURL string, log *slog.Logger) func(int64) string {
	return func(userID int64) string {
		token, err := store.UnsubscribeToken(ctx, userID)
		if err != nil {
			log.Error("unsubscribe token", "err", err)
			return baseURL + "/settings"
		}
		return fmt.Sprintf("%s/unsubscribe?u=%d&t=%s", baseURL, userID, url.QueryEscape(token))
	}
}
