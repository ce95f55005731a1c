// Command crowdcare serves and administers a Crowdcare community forum.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/crowdcare/crowdcare/handlers"
	"github.com/crowdcare/crowdcare/mailer"
	"github.com/crowdcare/crowdcare/models"
)

const usage = `Crowdcare: a community support forum.

Usage:
  crowdcare serve [--addr ADDR] [--db PATH] [--base-url URL] [--site-name NAME] [--trust-proxy] [--page-rate N]
                  [--registrations-per-day N] [--demo]
      Serve the forum. --demo adds demo content to an empty database. --page-rate limits the pages
      per second per address that the page cache does not answer (default 10; 0: no limit).
      --registrations-per-day caps sign-ups per client address in 24 hours (default 10, -1 for no limit).
  crowdcare user create --username U --email E --password P [--role ROLE] [--db PATH]
      Create an account. Make the first admin this way (--role admin).
  crowdcare user role USERNAME ROLE [--db PATH]
      Change a user's role: member, superuser, ambassador, moderator or admin.
  crowdcare backup FILE [--db PATH]
      Write a consistent copy of the database to FILE while the server runs.
  crowdcare import tweets [--db PATH] [--category SLUG] [--brand-handle H] [--triage] [--dry-run] FILE...
      Import X/Twitter data (archives, API v1.1/v2 JSON, the customer-support CSV) as threads,
      or with --triage into the social inbox. --dry-run prints what would happen.
  crowdcare reindex [--db PATH]
      Rebuild the search index from the content.
  crowdcare corpus [--threads N] [--posts N] [--seed N] [--db PATH]
      Generate a large realistic forum for benchmarks (default 100,000 threads, 1,000,000 posts).
  crowdcare bench search [--n N] [--db PATH]
      Time searches (single words, several words, phrases) and print p50/p90/p99.
  crowdcare bench import [--records N] [--format csv|archive] [--triage] [--detect-language=false] [--cpuprofile FILE] [--floor]
      Generate a file and time its import: records per second and peak memory. --floor then
      times copying the stored rows into an empty database, the least work SQLite does for them.
  crowdcare bench insights [--n N] [--mentions N] [--db PATH]
      Time the /insights dashboard page as an ambassador for 7, 30, 90 and 365 days.
  crowdcare loadtest [--db PATH] [--conns N] [--duration D]
      Start the server on PATH and a bare net/http server, drive both from here, report req/s,
      p50, p99, errors and each page's ratio to the bare server.
  crowdcare help
      Show this text.

Every command that touches data takes --db (default ./crowdcare.db, or $CROWDCARE_DB).
Live listening on X for serve: --x-query, --x-interval, --x-base-url, --x-brand-handles (or
$CROWDCARE_X_QUERY, _BASE_URL, _BRAND_HANDLES) and $CROWDCARE_X_BEARER_TOKEN; new posts go to the inbox.
SMTP for serve: --smtp-host, --smtp-port, --smtp-user, --smtp-from, --smtp-tls (or $CROWDCARE_SMTP_HOST,
_PORT, _USER, _FROM, _TLS) and $CROWDCARE_SMTP_PASSWORD; without a host, emails go to the log.
serve also reads $CROWDCARE_ADDR, $CROWDCARE_BASE_URL, $CROWDCARE_SITE_NAME and
$CROWDCARE_TRUST_PROXY=1. /metrics answers localhost, or a scraper sending
"Authorization: Bearer $CROWDCARE_METRICS_TOKEN".
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], stdout, stderr)
	case "user":
		err = user(ctx, args[1:], stdout)
	case "backup":
		err = backup(ctx, args[1:], stdout)
	case "reindex":
		err = reindex(ctx, args[1:], stdout)
	case "import":
		err = importCmd(ctx, args[1:], stdout)
	case "loadtest":
		err = loadtest(ctx, args[1:], stdout)
	case "loadtest-hello":
		err = helloServer(ctx, args[1:], stdout)
	case "corpus":
		err = corpus(ctx, args[1:], stdout)
	case "bench":
		switch {
		case len(args) >= 2 && args[1] == "search":
			err = benchSearch(ctx, args[2:], stdout)
		case len(args) >= 2 && args[1] == "import":
			err = benchImport(ctx, args[2:], stdout)
		case len(args) >= 2 && args[1] == "insights":
			err = benchInsights(ctx, args[2:], stdout)
		default:
			err = usageError("bench takes: search, import or insights")
		}
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "crowdcare: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "crowdcare: %v\n\n%s", err, usage)
			return 2
		}
		fmt.Fprintf(stderr, "crowdcare: %v\n", err)
		return 1
	}
	return 0
}

type usageError string

func (e usageError) Error() string { return string(e) }

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// newFlags makes a flag set with the --db flag every data command shares.
func newFlags(name string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	db := fs.String("db", env("CROWDCARE_DB", "./crowdcare.db"), "database file")
	return fs, db
}

// parse accepts flags before, between and after positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError(err.Error())
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// withStore parses a data command's flags, opens the database, runs fn with
// the positional arguments and closes the database again.
func withStore(ctx context.Context, fs *flag.FlagSet, db *string, args []string, fn func(*models.Store, []string) error) error {
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	return fn(store, pos)
}

func openStore(ctx context.Context, path string) (*models.Store, error) {
	s, err := models.Open(ctx, path, models.Options{})
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return s, nil
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("serve")
	addr := fs.String("addr", env("CROWDCARE_ADDR", "127.0.0.1:8080"), "listen address")
	baseURL := fs.String("base-url", env("CROWDCARE_BASE_URL", ""), "public URL (default http://ADDR)")
	siteName := fs.String("site-name", env("CROWDCARE_SITE_NAME", "Crowdcare"), "name shown in the header and titles")
	demo := fs.Bool("demo", false, "add demo content to an empty database")
	smtpConfig := smtpFlags(fs)
	listenConfig := listenFlags(fs)
	registrations := fs.Int("registrations-per-day", 0, "sign-ups per client address in 24 hours (0: the default, 10; -1: no limit)")
	trustProxy := fs.Bool("trust-proxy", os.Getenv("CROWDCARE_TRUST_PROXY") == "1", "take client addresses from X-Forwarded-For (only behind a proxy that sets it)")
	pageRate := fs.Float64("page-rate", 10, "pages per second per address that the page cache does not answer, in bursts of ten seconds' worth (0: no limit)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	if os.Getenv("CROWDCARE_LOG_FORMAT") == "json" {
		log = slog.New(slog.NewJSONHandler(stderr, nil))
	}
	store, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer func() {
		if err := store.Close(); err != nil {
			log.Error("close database", "err", err)
		}
	}()
	if *demo {
		logins, err := store.SeedDemo(ctx)
		if err != nil {
			return err
		}
		for _, l := range logins {
			fmt.Fprintf(stdout, "Demo login: username %q, password %q (%s)\n", l.Username, l.Password, l.Role)
		}
		if len(logins) == 0 {
			fmt.Fprintf(stdout, "Demo content was added on first start; log in as \"demo\" or \"admin\" with password %q.\n", models.DemoPassword)
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	if *baseURL == "" {
		*baseURL = "http://" + ln.Addr().String()
	}
	mail, err := mailer.New(smtpConfig(), log)
	if err != nil {
		ln.Close()
		return err
	}
	e, err := handlers.New(ctx, handlers.Config{BaseURL: *baseURL, SiteName: *siteName, PostRate: 10, PostBurst: 30, SearchRate: 20, SearchBurst: 60,
		PageRate: *pageRate, PageBurst: int(10 * *pageRate), TrustProxy: *trustProxy, Mail: mail, MetricsToken: os.Getenv("CROWDCARE_METRICS_TOKEN"),
		RegistrationsPerDay: *registrations}, store, log)
	if err != nil {
		ln.Close()
		return err
	}
	go detectLanguagesLoop(ctx, store, log)
	if err := startListening(ctx, listenConfig(), store, log); err != nil {
		ln.Close()
		return err
	}
	if mail.Enabled() {
		go mail.RunNotifications(ctx, mailSource{store}, *siteName, *baseURL, unsubscribeURL(ctx, store, *baseURL, log), 15*time.Second)
	}
	srv := &http.Server{
		Handler:           e,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	fmt.Fprintf(stdout, "Crowdcare is serving at %s (database %s). Press Ctrl+C to stop.\n", *baseURL, *db)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

func user(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError("user needs a subcommand: create or role")
	}
	switch args[0] {
	case "create":
		fs, db := newFlags("user create")
		username := fs.String("username", "", "username")
		email := fs.String("email", "", "email address")
		password := fs.String("password", "", "password")
		role := fs.String("role", "member", "role")
		return withStore(ctx, fs, db, args[1:], func(store *models.Store, _ []string) error {
			u, err := store.CreateUser(ctx, models.NewUser{Username: *username, Email: *email, Password: *password, Role: models.Role(*role)})
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "Created %s (%s).\n", u.Username, u.Role)
			return nil
		})
	case "role":
		fs, db := newFlags("user role")
		return withStore(ctx, fs, db, args[1:], func(store *models.Store, pos []string) error {
			if len(pos) != 2 {
				return usageError("user role takes USERNAME and ROLE")
			}
			if err := store.SetRole(ctx, pos[0], models.Role(pos[1])); err != nil {
				if errors.Is(err, models.ErrNotFound) {
					return fmt.Errorf("no user %q", pos[0])
				}
				return err
			}
			fmt.Fprintf(stdout, "%s is now %s.\n", pos[0], pos[1])
			return nil
		})
	}
	return usageError(fmt.Sprintf("unknown user subcommand %q", args[0]))
}

func backup(ctx context.Context, args []string, stdout io.Writer) error {
	fs, db := newFlags("backup")
	return withStore(ctx, fs, db, args, func(store *models.Store, pos []string) error {
		if len(pos) != 1 {
			return usageError("backup takes one FILE")
		}
		if _, err := os.Stat(pos[0]); err == nil {
			return fmt.Errorf("%s exists; choose a new file name", pos[0])
		}
		if err := store.Backup(ctx, pos[0]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Backed up %s to %s. To restore, stop the server and copy it back to %s.\n", *db, pos[0], *db)
		return nil
	})
}

func reindex(ctx context.Context, args []string, stdout io.Writer) error {
	fs, db := newFlags("reindex")
	return withStore(ctx, fs, db, args, func(store *models.Store, _ []string) error {
		n, err := store.Reindex(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Indexed %d questions (a solved thread and its article are one).\n", n)
		return nil
	})
}
