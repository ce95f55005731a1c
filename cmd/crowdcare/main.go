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
	"runtime/debug"
	"slices"
	"syscall"
	"time"

	"github.com/crowdcare/crowdcare/exports"
	"github.com/crowdcare/crowdcare/handlers"
	"github.com/crowdcare/crowdcare/imports"
	"github.com/crowdcare/crowdcare/internal/demo"
	"github.com/crowdcare/crowdcare/internal/lease"
	"github.com/crowdcare/crowdcare/mailer"
	"github.com/crowdcare/crowdcare/media"
	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/db"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		// The first signal starts a graceful stop; a second one ends the
		// process at once, as if nothing caught it.
		stop()
	}()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return 2
	}
	if isGroup(args[0]) && len(args) >= 2 && isHelpFlag(args[1]) {
		groupUsage(stdout, args[0])
		return 0
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], stdout, stderr)
	case "user":
		err = user(ctx, args[1:], stdin, stdout, stderr)
	case "backup":
		err = backup(ctx, args[1:], stdout)
	case "db":
		err = dbCommand(ctx, args[1:], stdout)
	case "reindex":
		err = reindex(ctx, args[1:], stdout)
	case "import":
		err = importCmd(ctx, args[1:], stdout)
	case "loadtest":
		err = loadtest(ctx, args[1:], stdout)
	case "scaletest":
		err = scaletest(ctx, args[1:], stdout)
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
		case len(args) >= 2:
			err = usageError(fmt.Sprintf("unknown bench command %q", args[1]))
		default:
			err = usageError("bench needs a command: search, import or insights")
		}
	case "help", "-h", "--help", "-help":
		if args[0] == "help" && len(args) > 1 {
			// "help user role" is "user role --help".
			return run(ctx, append(slices.Clone(args[1:]), "--help"), stdin, stdout, stderr)
		}
		fmt.Fprint(stdout, usage())
		return 0
	default:
		fmt.Fprintf(stderr, "crowdcare: unknown command %q\n\n%s", args[0], usage())
		return 2
	}
	var help helpRequest
	if errors.As(err, &help) {
		printHelp(stdout, help.fs)
		return 0
	}
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "crowdcare: %v\n", err)
			shortUsage(stderr, args)
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

// envDuration is the duration in the environment variable key, or def.
func envDuration(key string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(key)); err == nil {
		return d
	}
	return def
}

// offIfZero maps a flag's 0 ("off") to the negative duration handlers.Config
// takes for off (its zero means the default).
func offIfZero(d time.Duration) time.Duration {
	if d <= 0 {
		return -1
	}
	return d
}

// newFlagSet makes a command's flag set, named as the command is typed
// ("user role") for its --help. Errors and help are printed by run.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// newFlags makes a flag set with the --db flag every data command shares.
func newFlags(name string) (*flag.FlagSet, *string) {
	fs := newFlagSet(name)
	db := fs.String("db", defaultDB(), "the database: a SQLite file, or a postgres:// URL for PostgreSQL ($CROWDCARE_DATABASE_URL, $CROWDCARE_DB)")
	return fs, db
}

// defaultDB is --db unless given: $CROWDCARE_DATABASE_URL (PostgreSQL, as
// hosting platforms name it), else $CROWDCARE_DB, else ./crowdcare.db.
func defaultDB() string {
	return env("CROWDCARE_DATABASE_URL", env("CROWDCARE_DB", "./crowdcare.db"))
}

// dataDirFlag adds --data-dir: where the files kept with the database go.
func dataDirFlag(fs *flag.FlagSet) *string {
	return fs.String("data-dir", env("CROWDCARE_DATA_DIR", ""),
		"directory for the files kept with the database: attachments (DIR/uploads, unless --uploads-dir or --uploads-url), "+
			"uploaded imports (DIR/imports) and members' data exports (DIR/exports); empty: beside a SQLite file "+
			"(DB.uploads, DB.imports, DB.exports), or ./"+models.DefaultFilesDir+" for PostgreSQL ($CROWDCARE_DATA_DIR)")
}

// parse accepts flags before, between and after positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, helpRequest{fs}
			}
			return nil, usageError(flagError(err))
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
	return useStore(ctx, *db, func(store *models.Store) error { return fn(store, pos) })
}

// useStore opens the database, runs fn and closes the database again.
func useStore(ctx context.Context, path string, fn func(*models.Store) error) error {
	store, err := openStore(ctx, path)
	if err != nil {
		return err
	}
	defer store.Close()
	return fn(store)
}

func openStore(ctx context.Context, path string) (*models.Store, error) {
	return openStoreWith(ctx, path, models.Options{})
}

// openStoreWith opens the database with opts; a PostgreSQL URL's password
// never appears in the error.
func openStoreWith(ctx context.Context, path string, opts models.Options) (*models.Store, error) {
	s, err := models.Open(ctx, path, opts)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", db.Redact(path), err)
	}
	return s, nil
}

// dbName is the database as it may be shown: a URL without its password.
func dbName(location string) string { return db.Redact(location) }

// onPostgres reports whether --db names a PostgreSQL database.
func onPostgres(location string) bool { return db.IsPostgresURL(location) }

// serveGCPercent and serveMemoryLimit are the garbage collector's GOGC
// and GOMEMLIMIT for serve, unless the environment sets GOGC.
const (
	serveGCPercent   = 400
	serveMemoryLimit = 192 << 20
)

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("serve")
	addr := fs.String("addr", env("CROWDCARE_ADDR", "127.0.0.1:8080"), "listen address, host:port ($CROWDCARE_ADDR)")
	baseURL := fs.String("base-url", env("CROWDCARE_BASE_URL", ""), "public URL; empty: http://ADDR ($CROWDCARE_BASE_URL)")
	siteName := fs.String("site-name", env("CROWDCARE_SITE_NAME", "Crowdcare"), "name shown in the header and titles ($CROWDCARE_SITE_NAME)")
	withDemo := fs.Bool("demo", false, "add demo content to an empty database")
	smtpConfig := smtpFlags(fs)
	emailMaxAge := emailMaxAgeFlag(fs)
	listenConfig := listenFlags(fs)
	ssoConfig := ssoFlags(fs)
	registrations := fs.Int("registrations-per-day", handlers.DefaultRegistrationsPerDay, "sign-ups per client address in 24 hours (-1: no limit)")
	trustProxy := fs.Bool("trust-proxy", os.Getenv("CROWDCARE_TRUST_PROXY") == "1", "take client addresses from X-Forwarded-For, only behind a proxy that sets it ($CROWDCARE_TRUST_PROXY=1)")
	pageRate := fs.Float64("page-rate", 10, "pages per second per address that the page cache does not answer, in bursts of ten seconds' worth (0: no limit)")
	shutdownTimeout := fs.Duration("shutdown-timeout", 15*time.Second, "how long requests in flight may take to finish on SIGTERM before their connections are closed")
	cacheMaxAge := fs.Duration("cache-max-age", envDuration("CROWDCARE_CACHE_MAX_AGE", handlers.DefaultSharedMaxAge),
		"how long browsers, proxies and CDNs may keep a visitor's page (0: none may, browsers revalidate) ($CROWDCARE_CACHE_MAX_AGE)")
	cacheStale := fs.Duration("cache-stale", envDuration("CROWDCARE_CACHE_STALE", handlers.DefaultSharedStale),
		"how long past --cache-max-age they may serve it while fetching it again, stale-while-revalidate (0: not at all) ($CROWDCARE_CACHE_STALE)")
	dataDir := dataDirFlag(fs)
	maxConns := fs.Int("db-max-conns", envInt("CROWDCARE_DB_MAX_CONNS", 16),
		"PostgreSQL only: connections in the pool; each is a server process, and every app server's pool counts against the server's max_connections ($CROWDCARE_DB_MAX_CONNS)")
	replicaURL := fs.String("db-replica", env("CROWDCARE_DATABASE_REPLICA_URL", ""),
		"PostgreSQL only: a streaming replica of --db, as a postgres:// URL: visitors' pages read from it, a member's pages for a few seconds after "+
			"their own write from the primary; while it does not answer or lags more than 4 s, everything reads from the primary; /healthz shows its lag ($CROWDCARE_DATABASE_REPLICA_URL)")
	openUploads := uploadsFlags(fs, db, dataDir)
	imageLimits := imageFlags(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	// The address first: when it is taken, serve stops before it creates
	// or seeds a database or prints a login.
	ln, err := net.Listen("tcp", *addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("--addr %s: address already in use: another program (perhaps another crowdcare) listens there; "+
			"stop it or choose another address, e.g. --addr 127.0.0.1:8081 (make run ADDR=127.0.0.1:8081)", *addr)
	}
	if err != nil {
		return fmt.Errorf("--addr %s: %w", *addr, err)
	}
	defer ln.Close() // once serving, the server closes it first
	// Info by default: a line per request, but for the pages answered from
	// the page cache before routing, logged at debug (handlers.answerFromCache).
	var level slog.Level
	if v := os.Getenv("CROWDCARE_LOG_LEVEL"); v != "" {
		if err := level.UnmarshalText([]byte(v)); err != nil {
			return fmt.Errorf("CROWDCARE_LOG_LEVEL %q: debug, info, warn or error", v)
		}
	}
	if os.Getenv("GOGC") == "" {
		// The heap a server keeps is small (templates, the caches: 10 to 100
		// MB) and rich in pointers, so each collection costs about the same
		// however much garbage it finds. Collecting at 5x the live heap
		// instead of 2x takes a quarter of the collections: 12% of the CPU of
		// a cached page down to 3% (docs/benchmarks.md). A soft limit keeps a
		// burst of garbage (members' pages rendered by the hundred) from
		// growing the heap past it: twice what the caches may hold (56 MB)
		// with the templates and the rest, so it never makes collections
		// more frequent than Go's default would. GOGC and GOMEMLIMIT say
		// otherwise.
		debug.SetGCPercent(serveGCPercent)
		if os.Getenv("GOMEMLIMIT") == "" {
			debug.SetMemoryLimit(serveMemoryLimit)
		}
	}
	opts := &slog.HandlerOptions{Level: level}
	log := slog.New(slog.NewTextHandler(stderr, opts))
	if os.Getenv("CROWDCARE_LOG_FORMAT") == "json" {
		log = slog.New(slog.NewJSONHandler(stderr, opts))
	}
	store, err := openStoreWith(ctx, *db, models.Options{FilesDir: *dataDir, MaxConns: *maxConns, ReplicaURL: *replicaURL})
	if err != nil {
		return err
	}
	defer func() {
		if err := store.Close(); err != nil {
			log.Error("close database", "err", err)
		}
	}()
	if *withDemo {
		logins, err := demo.Seed(ctx, store)
		if err != nil {
			return err
		}
		if len(logins) == 0 {
			fmt.Fprintln(stdout, "Demo content was added on first start; its logins:")
		}
		for _, l := range demo.Logins() {
			fmt.Fprintf(stdout, "Demo login: username %q, password %q (%s: %s)\n", l.Username, l.Password, l.Role, l.Try)
		}
	}
	if *baseURL == "" {
		*baseURL = "http://" + ln.Addr().String()
	}
	mail, err := mailer.New(smtpConfig(), log)
	if err != nil {
		return err
	}
	// Attachments: kept in a directory or a bucket; a cleaner deletes the
	// files of uploads never posted, removed or of deleted accounts.
	uploads, err := openUploads.open(ctx)
	if err != nil {
		return err
	}
	defer uploads.Close()
	// Uploaded imports run as jobs this worker owns; started after New (which
	// gives it the metrics), waited for on shutdown. Their files, and the
	// exports', are kept with the database (--data-dir), or in the
	// attachments' bucket (--uploads-url), which every server reads.
	imp := imports.New(store, store.FilesPath("imports"), log)
	// Members' data exports: made one at a time.
	exp := exports.New(store, store.FilesPath("exports"), exports.Config{SiteName: *siteName, BaseURL: *baseURL}, log)
	cleaner := media.NewCleaner(store, uploads, 0, log)
	// Background jobs that run on one server at a time among several
	// sharing the database, each under its lease (jobs.go), held under the
	// name the import worker marks its jobs with: one name per process.
	jobs := lease.NewGroup(store, imp.Holder(), log)
	e, err := handlers.New(ctx, handlers.Config{Leases: jobs, Imports: imp, Exports: exp, Uploads: uploads, Images: media.NewProcessor(imageLimits()),
		Cleaner: cleaner, BaseURL: *baseURL, SiteName: *siteName, PostRate: 10, PostBurst: 30, SearchRate: 20, SearchBurst: 60,
		PageRate: *pageRate, PageBurst: int(10 * *pageRate), TrustProxy: *trustProxy, MetricsToken: os.Getenv("CROWDCARE_METRICS_TOKEN"),
		RegistrationsPerDay: *registrations, SharedMaxAge: offIfZero(*cacheMaxAge), SharedStale: offIfZero(*cacheStale),
		SSO: ssoConfig()}, store, log)
	if err != nil {
		return err
	}
	go imp.Run(ctx)
	go exp.Run(ctx)
	log.Info("attachments storage", "where", uploads.String())
	if err := startJobs(ctx, jobs, listenConfig(), mail, store, cleaner, *siteName, *baseURL, *emailMaxAge, log); err != nil {
		return err
	}
	srv := newServer(e)
	fmt.Fprintf(stdout, "Crowdcare is serving at %s (database %s). Press Ctrl+C to stop.\n", *baseURL, dbName(*db))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight", "deadline", shutdownTimeout.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), *shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		// Past the deadline, whatever is still open (a slow upload, a client
		// that stopped reading) is cut off: one client does not hold the stop.
		log.Warn("shutdown deadline passed: closed the connections still open", "deadline", shutdownTimeout.String(), "err", err)
		if cerr := srv.Close(); cerr != nil {
			log.Error("close connections", "err", cerr)
		}
		return fmt.Errorf("shutdown: requests still in flight after %s were cut off", *shutdownTimeout)
	}
	// The import running (ctx ended) stops at its next record and is queued
	// again with its file: the next start finishes it.
	if err := imp.Wait(shutdownCtx); err != nil {
		log.Warn("shutdown deadline passed before the import job stopped; the next start marks it interrupted", "err", err)
		return fmt.Errorf("shutdown: the import job did not stop within %s", *shutdownTimeout)
	}
	// An export being made stops where it is; after its lease the next start makes it again.
	if err := exp.Wait(shutdownCtx); err != nil {
		log.Warn("shutdown deadline passed before the export worker stopped", "err", err)
	}
	// Leases given up, so another server takes the jobs at once.
	if err := jobs.WaitContext(shutdownCtx); err != nil {
		log.Warn("shutdown deadline passed before the background jobs stopped; their leases expire by themselves", "err", err)
	}
	log.Info("stopped cleanly: every request finished")
	return nil
}

// newServer is the HTTP server's configuration. Its WriteTimeout must stay
// above models.Options.WriteWait, the longest a write waits for the
// database: a request that timed out for its client has then not saved
// anything after all (a retry would post twice).
func newServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
}

func user(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError("user needs a command: create, role, password, send-reset or reset-2fa")
	}
	switch args[0] {
	case "create":
		return userCreate(ctx, args[1:], stdout)
	case "role":
		fs, db := newFlags("user role")
		pos, err := parse(fs, args[1:])
		if err != nil {
			return err
		}
		if len(pos) != 2 {
			return usageError("user role takes USERNAME and ROLE")
		}
		role, ok := models.ParseRole(pos[1])
		if !ok {
			return usageError(fmt.Sprintf("unknown role %q; roles: %s", pos[1], roleList()))
		}
		return useStore(ctx, *db, func(store *models.Store) error {
			if err := store.SetRole(ctx, pos[0], role); err != nil {
				if errors.Is(err, models.ErrNotFound) {
					return fmt.Errorf("no user %q", pos[0])
				}
				return err
			}
			fmt.Fprintf(stdout, "%s is now %s.\n", pos[0], role)
			return nil
		})
	case "password":
		return userPassword(ctx, args[1:], stdin, stdout, stderr)
	case "send-reset":
		return userSendReset(ctx, args[1:], stdout)
	case "reset-2fa":
		return userReset2FA(ctx, args[1:], stdout)
	}
	return usageError(fmt.Sprintf("unknown user command %q", args[0]))
}

func userCreate(ctx context.Context, args []string, stdout io.Writer) error {
	fs, db := newFlags("user create")
	username := fs.String("username", "", "username: 3-30 letters, digits, dots, dashes or underscores")
	email := fs.String("email", "", "email address")
	password := fs.String("password", "", "password, 8 characters to 72 bytes")
	role := fs.String("role", "member", "role: "+roleList())
	if _, err := parse(fs, args); err != nil {
		return err
	}
	for _, f := range []struct{ name, value string }{{"username", *username}, {"email", *email}, {"password", *password}} {
		if f.value == "" {
			return usageError("--" + f.name + " is required")
		}
	}
	if _, ok := models.ParseRole(*role); !ok {
		return usageError(fmt.Sprintf("--role %q is not a role; roles: %s", *role, roleList()))
	}
	return useStore(ctx, *db, func(store *models.Store) error {
		u, err := store.CreateUser(ctx, models.NewUser{Username: *username, Email: *email, Password: *password, Role: models.Role(*role)})
		if err != nil {
			return fieldErrors(err, map[string]string{"username": "--username", "email": "--email", "password": "--password", "role": "--role"})
		}
		fmt.Fprintf(stdout, "Created %s (%s).\n", u.Username, u.Role)
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
