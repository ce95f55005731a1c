package ops

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/models/migrations"
)

// What only PostgreSQL needs of the operations SQLite does in-process: the
// integrity check reads the catalogue, and a backup is pg_dump's.

// pgBackend is the operations' back-end on PostgreSQL: the database is
// the one at url.
type pgBackend struct {
	db  *db.DB
	url string
}

// Integrity checks what can be checked from a connection: the
// schema is at the last migration this binary knows, every table answers,
// no index is left invalid (a failed concurrent build) and no constraint
// unvalidated. Page-level checks are PostgreSQL's own (data checksums,
// amcheck). "ok" as SQLite says, or the problems found.
func (b pgBackend) Integrity(ctx context.Context) (string, error) {
	var problems []string
	v, err := SchemaVersion(ctx, b.db.Primary())
	if err != nil {
		return "", fmt.Errorf("integrity check: %w", err)
	}
	if latest := latestMigration(migrations.Postgres()); v != latest {
		problems = append(problems, fmt.Sprintf("schema version %d, this binary's is %d", v, latest))
	}
	tables, err := db.Column[string](b.db.Reader(ctx).QueryContext(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`))
	if err != nil {
		return "", fmt.Errorf("integrity check: %w", err)
	}
	if len(tables) == 0 {
		return "no tables", nil
	}
	for _, t := range tables {
		var one int
		err := b.db.Reader(ctx).QueryRowContext(ctx, `SELECT 1 FROM `+quoteIdent(t)+` LIMIT 1`).Scan(&one)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			problems = append(problems, fmt.Sprintf("table %s: %v", t, err))
		}
	}
	invalid, err := db.Column[string](b.db.Reader(ctx).QueryContext(ctx, `SELECT c.relname FROM pg_index i
		JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND NOT (i.indisvalid AND i.indisready) ORDER BY 1`))
	if err != nil {
		return "", fmt.Errorf("integrity check: %w", err)
	}
	for _, name := range invalid {
		problems = append(problems, "index "+name+" is invalid (rebuild it: REINDEX INDEX "+name+")")
	}
	unchecked, err := db.Column[string](b.db.Reader(ctx).QueryContext(ctx, `SELECT c.conname FROM pg_constraint c
		JOIN pg_namespace n ON n.oid = c.connamespace
		WHERE n.nspname = current_schema() AND NOT c.convalidated ORDER BY 1`))
	if err != nil {
		return "", fmt.Errorf("integrity check: %w", err)
	}
	for _, name := range unchecked {
		problems = append(problems, "constraint "+name+" is not validated")
	}
	if len(problems) > 0 {
		return strings.Join(problems, "; "), nil
	}
	return "ok", nil
}

// latestMigration is the highest version among the migrations in fsys.
func latestMigration(fsys fs.FS) int64 {
	names, _ := fs.Glob(fsys, "*.sql")
	var latest int64
	for _, n := range names {
		num, _, _ := strings.Cut(n, "_")
		if v, err := strconv.ParseInt(num, 10, 64); err == nil && v > latest {
			latest = v
		}
	}
	return latest
}

// ToolMissingError: a PostgreSQL client program that the operation runs is
// not installed (not on PATH). Command is how to do it by hand.
type ToolMissingError struct {
	Tool    string
	Command string
}

func (e *ToolMissingError) Error() string {
	return e.Tool + " is not installed here (not on PATH)"
}

// PgDumpCommand is the pg_dump command line that backs up the database at
// location to file, to show people: the password is never in it (it goes
// in PGPASSWORD, shown as PGPASSWORD='…' when the URL has one).
func PgDumpCommand(location, file string) string {
	u, password, err := libpqURL(location)
	if err != nil {
		u = db.Redact(location)
	}
	// An sslpassword stays in the URL (libpq reads it nowhere else): shown
	// as xxxxx.
	cmd := "pg_dump --format=custom --file=" + shellQuote(file) + " " + shellQuote(db.Redact(u))
	if password != "" {
		cmd = "PGPASSWORD='…' " + cmd
	}
	return cmd
}

// libpqURL is location as pg_dump and pg_restore take it: without its
// password (returned apart, for PGPASSWORD) and without the parameters
// only pgx knows, which libpq refuses.
func libpqURL(location string) (string, string, error) {
	u, err := url.Parse(location)
	if err != nil {
		return "", "", errors.New("not a URL")
	}
	var password string
	if u.User != nil {
		password, _ = u.User.Password()
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	if password == "" {
		password = q.Get("password") // pgx takes it as a parameter too
	}
	for k := range q {
		if !libpqParams[k] {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	return u.String(), password, nil
}

// libpqParams are the connection URL parameters libpq knows that a
// Crowdcare URL may carry.
var libpqParams = map[string]bool{
	"host": true, "hostaddr": true, "port": true, "dbname": true, "user": true, "passfile": true,
	"connect_timeout": true, "client_encoding": true, "options": true, "application_name": true,
	"sslmode": true, "sslcert": true, "sslkey": true, "sslrootcert": true, "sslcrl": true, "sslpassword": true,
	"sslsni": true, "requirepeer": true, "channel_binding": true, "gssencmode": true, "krbsrvname": true,
	"target_session_attrs": true, "service": true, "keepalives": true, "keepalives_idle": true,
	"keepalives_interval": true, "keepalives_count": true, "tcp_user_timeout": true,
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@%+,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Backup is Ops.Backup on PostgreSQL: pg_dump in its custom format (one
// snapshot, compressed, restored with pg_restore) into a hidden temporary
// file beside path, which is flushed, read back (pg_restore --list must
// list every table's data, and the schema version it holds is read out of
// it) and only then renamed to path. Without pg_dump it returns a
// *ToolMissingError that says how to run it by hand.
func (b pgBackend) Backup(ctx context.Context, path string) (rep BackupReport, err error) {
	rep.Engine = db.Postgres
	if err := absent(path); err != nil {
		return rep, err
	}
	pgDump, err := exec.LookPath("pg_dump")
	if err != nil {
		return rep, &ToolMissingError{Tool: "pg_dump", Command: PgDumpCommand(b.url, path)}
	}
	pgRestore, err := exec.LookPath("pg_restore")
	if err != nil {
		return rep, &ToolMissingError{Tool: "pg_restore", Command: PgDumpCommand(b.url, path)}
	}
	u, password, err := libpqURL(b.url)
	if err != nil {
		return rep, fmt.Errorf("backup: the database URL: %w", err)
	}
	env := os.Environ()
	if password != "" {
		env = append(env, "PGPASSWORD="+password)
	}
	run := func(name string, args ...string) ([]byte, error) {
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Env = env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			msg := strings.TrimSpace(stderr.String())
			if password != "" {
				msg = strings.ReplaceAll(msg, password, "xxxxx")
			}
			return nil, fmt.Errorf("%s: %w: %s", filepath.Base(name), err, msg)
		}
		return out, nil
	}
	version, err := run(pgDump, "--version")
	if err != nil {
		return rep, fmt.Errorf("backup to %s: %w", path, err)
	}
	rep.Tool = strings.TrimSpace(string(version))
	tmp, dir, err := partialFile(path)
	if err != nil {
		return rep, err
	}
	defer func() {
		if err != nil {
			if rmErr := os.Remove(tmp); rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) {
				err = errors.Join(err, rmErr)
			}
		}
	}()
	if _, err := run(pgDump, "--format=custom", "--no-password", "--file="+tmp, "--dbname="+u); err != nil {
		return rep, fmt.Errorf("backup to %s: %w", path, err)
	}
	if err := syncPath(tmp); err != nil {
		return rep, fmt.Errorf("backup to %s: flush: %w", path, err)
	}
	list, err := run(pgRestore, "--list", tmp)
	if err != nil {
		return rep, fmt.Errorf("backup to %s: check the copy: %w", path, err)
	}
	dumped := tableDataEntries(list)
	live, err := db.Column[string](b.db.Reader(ctx).QueryContext(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`))
	if err != nil {
		return rep, fmt.Errorf("backup to %s: %w", path, err)
	}
	for _, t := range live {
		if !slices.Contains(dumped, t) {
			return rep, fmt.Errorf("backup to %s: check the copy: pg_restore --list shows no data for table %s", path, t)
		}
		rep.Tables = append(rep.Tables, TableRows{Name: t, Rows: -1})
	}
	goose, err := run(pgRestore, "--data-only", "--table=goose_db_version", "--file=-", tmp)
	if err != nil {
		return rep, fmt.Errorf("backup to %s: check the copy: %w", path, err)
	}
	if rep.SchemaVersion = dumpedSchemaVersion(goose); rep.SchemaVersion == 0 {
		return rep, fmt.Errorf("backup to %s: check the copy: it holds no schema version", path)
	}
	rep.Integrity = "ok"
	return publishBackup(rep, tmp, path, dir)
}

// tableDataEntries are the tables whose data a pg_restore --list shows:
// lines like "3345; 0 16390 TABLE DATA public users postgres".
func tableDataEntries(list []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(list))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, ";") {
			continue
		}
		_, rest, ok := strings.Cut(line, " TABLE DATA ")
		if !ok {
			continue
		}
		if f := strings.Fields(rest); len(f) >= 2 {
			out = append(out, f[1])
		}
	}
	return out
}

// dumpedSchemaVersion reads the last applied migration from the COPY text
// pg_restore writes for goose_db_version.
func dumpedSchemaVersion(data []byte) int64 {
	var cols []string
	var latest int64
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "COPY ") {
			open, close := strings.Index(line, "("), strings.Index(line, ")")
			if open < 0 || close < open {
				return 0
			}
			cols = strings.Split(line[open+1:close], ", ")
			continue
		}
		if cols == nil || line == `\.` {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != len(cols) {
			continue
		}
		var v int64
		applied := true
		for i, c := range cols {
			switch c {
			case "version_id":
				v, _ = strconv.ParseInt(f[i], 10, 64)
			case "is_applied":
				applied = f[i] == "t" || f[i] == "1"
			}
		}
		if applied && v > latest {
			latest = v
		}
	}
	return latest
}
