// Package testdb gives each test a database of its own on the engine the
// suite runs on: a SQLite file in the test's temporary directory, or, when
// CROWDCARE_TEST_DATABASE_URL names a PostgreSQL server, a fresh database
// there, cloned from a template that holds the migrated schema (made once,
// shared by every test process) and dropped when the test ends.
package testdb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	"github.com/pressly/goose/v3"

	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/models/migrations"
)

// EnvURL names the PostgreSQL server the suite runs on, as a URL of a
// database the tests may connect to with the right to create databases.
const EnvURL = "CROWDCARE_TEST_DATABASE_URL"

// Postgres reports whether the suite runs on PostgreSQL.
func Postgres() bool { return os.Getenv(EnvURL) != "" }

// Engine is "postgres" or "sqlite", for messages.
func Engine() string {
	if Postgres() {
		return "postgres"
	}
	return "sqlite"
}

// Location is a new, empty database for the test, to hand to models.Open
// or --db, as t.TempDir is a new directory: keep it to open the database
// again. name is the SQLite file's name.
func Location(t testing.TB, name string) string {
	t.Helper()
	if !Postgres() {
		return SQLiteFile(t, name)
	}
	loc, err := freshDatabase(t)
	if err != nil {
		t.Fatalf("a PostgreSQL database for the test: %v", err)
	}
	return loc
}

// EmptyLocation is Location without the schema: on PostgreSQL a database
// with no table at all (not cloned from the migrated template), for tests
// of what happens when servers first open a database (migrations, keys).
func EmptyLocation(t testing.TB, name string) string {
	t.Helper()
	if !Postgres() {
		return SQLiteFile(t, name)
	}
	loc, err := newDatabase(t, "")
	if err != nil {
		t.Fatalf("an empty PostgreSQL database for the test: %v", err)
	}
	return loc
}

// SQLiteFile is a new SQLite file for the test whichever engine the suite
// runs on, for what only SQLite has (its file, its size cap, its backup).
func SQLiteFile(t testing.TB, name string) string {
	t.Helper()
	return filepath.Join(t.TempDir(), name)
}

// Raw opens the database at location (a Location) for a test's own
// queries, on either engine and with "?" placeholders on both, as the
// stores write them; closed when the test ends.
func Raw(t testing.TB, location string) *sql.DB {
	t.Helper()
	var raw *sql.DB
	var err error
	if db.IsPostgresURL(location) {
		raw, err = db.OpenPostgres(context.Background(), location, db.PostgresOptions{MaxConns: 2})
	} else {
		raw, err = sql.Open("sqlite3", "file:"+location+"?_busy_timeout=5000")
	}
	if err != nil {
		t.Fatalf("open %s: %v", db.Redact(location), err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}

var (
	adminOnce sync.Once
	admin     *sql.DB
	adminErr  error
	template  string
)

// freshDatabase creates a database from the template and drops it when
// the test ends.
func freshDatabase(t testing.TB) (string, error) {
	adminOnce.Do(func() { admin, template, adminErr = prepare() })
	if adminErr != nil {
		return "", adminErr
	}
	return newDatabase(t, template)
}

// newDatabase creates a database from tmpl ("": an empty one) and drops it
// when the test ends.
func newDatabase(t testing.TB, tmpl string) (string, error) {
	adminOnce.Do(func() { admin, template, adminErr = prepare() })
	if adminErr != nil {
		return "", adminErr
	}
	name := "cc_t_" + randomHex(8)
	create := `CREATE DATABASE ` + name
	if tmpl != "" {
		create += ` TEMPLATE ` + tmpl
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var err error
	for attempt := 0; attempt < 20; attempt++ {
		// Another process cloning the template at the same moment makes
		// PostgreSQL refuse ("being accessed by other users"): try again.
		if _, err = admin.ExecContext(ctx, create); err == nil {
			break
		}
		switch {
		case strings.Contains(err.Error(), "being accessed"):
		case strings.Contains(err.Error(), "does not exist"):
			// A test process of other migrations (another worktree)
			// dropped it: build it again.
			if err := ensureTemplate(ctx, admin, template); err != nil {
				return "", fmt.Errorf("rebuild %s: %w", template, err)
			}
		default:
			return "", fmt.Errorf("create %s: %w", name, err)
		}
		time.Sleep(time.Duration(50*(attempt+1)) * time.Millisecond)
	}
	if err != nil {
		return "", fmt.Errorf("create %s: %w", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Logf("drop %s: %v", name, err)
		}
	})
	return withDatabase(os.Getenv(EnvURL), name)
}

// prepare connects to the server and makes sure the template for today's
// migrations exists, building it under a lock so that the test processes
// of several packages build it once.
func prepare() (*sql.DB, string, error) {
	base := os.Getenv(EnvURL)
	db, err := sql.Open("pgx", base)
	if err != nil {
		return nil, "", err
	}
	db.SetMaxOpenConns(4)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		return nil, "", fmt.Errorf("connect to %s: %w", EnvURL, err)
	}
	sum, err := schemaSum()
	if err != nil {
		return nil, "", err
	}
	tmpl := "cc_tmpl_" + sum
	if err := ensureTemplate(ctx, db, tmpl); err != nil {
		return nil, "", err
	}
	return db, tmpl, nil
}

// templateMaxAge is how long a template of other migrations is kept: test
// processes of several worktrees (each with its own migrations) share the
// server, and one must not drop the template another is cloning.
const templateMaxAge = 24 * time.Hour

// ensureTemplate builds the template tmpl unless it exists, under a lock
// so that the test processes of several packages build it once, and drops
// the templates of other migrations built more than templateMaxAge ago.
func ensureTemplate(ctx context.Context, db *sql.DB, tmpl string) error {
	base := os.Getenv(EnvURL)
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(7201)`); err != nil {
		return err
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(7201)`)
	var n int
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM pg_database WHERE datname = $1`, tmpl).Scan(&n); err != nil {
		return err
	}
	if n == 1 {
		return nil
	}
	// Each template says when it was built (its comment).
	if rows, err := conn.QueryContext(ctx, `SELECT datname, COALESCE(shobj_description(oid, 'pg_database'), '') FROM pg_database
		WHERE datname LIKE 'cc\_tmpl\_%' AND datname != $1`, tmpl); err == nil {
		var old []string
		for rows.Next() {
			var n, comment string
			if rows.Scan(&n, &comment) != nil {
				continue
			}
			var built int64
			if _, err := fmt.Sscanf(comment, "built %d", &built); err == nil && time.Since(time.Unix(built, 0)) > templateMaxAge {
				old = append(old, n)
			}
		}
		rows.Close()
		for _, n := range old {
			conn.ExecContext(ctx, `DROP DATABASE IF EXISTS `+n+` WITH (FORCE)`)
		}
	}
	building := tmpl + "_building"
	if _, err := conn.ExecContext(ctx, `DROP DATABASE IF EXISTS `+building+` WITH (FORCE)`); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, `CREATE DATABASE `+building); err != nil {
		return err
	}
	if err := migrate(ctx, base, building); err != nil {
		return fmt.Errorf("migrate the template: %w", err)
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`COMMENT ON DATABASE %s IS 'built %d'`, building, time.Now().Unix())); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, `ALTER DATABASE `+building+` RENAME TO `+tmpl)
	return err
}

func migrate(ctx context.Context, base, name string) error {
	loc, err := withDatabase(base, name)
	if err != nil {
		return err
	}
	db, err := sql.Open("pgx", loc)
	if err != nil {
		return err
	}
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.Postgres())
	if err != nil {
		return err
	}
	_, err = p.Up(ctx)
	return err
}

// schemaSum names the template after the migrations it holds, so a new
// migration makes a new template rather than reusing a stale one.
func schemaSum() (string, error) {
	h := sha256.New()
	fsys := migrations.Postgres()
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return "", err
	}
	sort.Strings(names)
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

// withDatabase is base with its database name replaced.
func withDatabase(base, name string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("%s: %w", EnvURL, err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
