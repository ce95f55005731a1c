package ops

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/crowdcare/crowdcare/models/db"
)

// CopyStep is one step of CopyInto, for its progress and summary: a table
// copied, the commit, or the search index rebuilt.
type CopyStep struct {
	// Table is the table copied; "" for the commit and the search index.
	Table string
	// Committed marks the commit of every table (Rows: all of them).
	Committed bool
	// Rows copied (questions indexed, for the search index), counted again
	// on the target after the copy and found equal.
	Rows int64
	// Repaired counts the text values PostgreSQL cannot store as SQLite
	// kept them (invalid UTF-8, NUL characters), stored with the invalid
	// bytes replaced (U+FFFD) and NULs left out.
	Repaired int64
	Took     time.Duration
}

// CopyReport is what CopyInto did.
type CopyReport struct {
	SchemaVersion int64
	Tables        []CopyStep
	// Skipped are the source's tables rebuilt on the target rather than
	// copied (the search index and what derives from it).
	Skipped []string
	Indexed CopyStep
}

// Rows is the rows copied in every table.
func (r CopyReport) Rows() int64 {
	var n int64
	for _, t := range r.Tables {
		n += t.Rows
	}
	return n
}

// ErrTargetNotEmpty refuses to copy into a database that holds a forum.
var ErrTargetNotEmpty = errors.New("the target database is not empty")

// rebuiltTables are derived from the content and rebuilt by Reindex on the
// target, not copied: the search index (its table and, on SQLite, FTS5's
// shadow tables) and the words search suggests.
var rebuiltTables = []string{"search_index", "search_words"}

// CopyTables copies the forum in this SQLite database into to, a new
// PostgreSQL database (migrated, and otherwise empty: anything but the
// default category and the settings a start creates is refused with
// ErrTargetNotEmpty). Every table is copied with its ids, in one
// transaction on the target, from one snapshot of the source: the
// target's foreign keys are dropped for the copy and added again at its end,
// so they are checked against all the rows at once; each identity column's
// sequence is set past the ids copied. The search index is not copied: the
// target is marked to rebuild it when it next opens (the setting
// search.reindex), and the caller (models.Store.CopyInto) rebuilds it at
// once. progress is told of each table as it ends, and of the commit.
func (o *Ops) CopyTables(ctx context.Context, to *Ops, progress func(CopyStep)) (CopyReport, error) {
	var rep CopyReport
	if o.db.Engine() != db.SQLite || to.db.Engine() != db.Postgres {
		return rep, errors.New("copy: from a SQLite file into a PostgreSQL database only")
	}
	if progress == nil {
		progress = func(CopyStep) {}
	}
	// One read transaction: one snapshot of a database that may be in use.
	src, err := o.db.Primary().BeginTx(ctx, nil)
	if err != nil {
		return rep, fmt.Errorf("copy: read %s: %w", o.cfg.Location, err)
	}
	defer src.Rollback()
	from, err := SchemaVersion(ctx, src)
	if err != nil {
		return rep, fmt.Errorf("copy: the source's %w", err)
	}
	into, err := SchemaVersion(ctx, to.db.Primary())
	if err != nil {
		return rep, fmt.Errorf("copy: the target's %w", err)
	}
	if from != into {
		return rep, fmt.Errorf("copy: the source is at schema version %d, the target at %d", from, into)
	}
	rep.SchemaVersion = from
	tables, skipped, err := copiedTables(ctx, src)
	if err != nil {
		return rep, err
	}
	rep.Skipped = skipped
	conn, err := to.db.W().Conn(ctx)
	if err != nil {
		return rep, fmt.Errorf("copy: connect to the target: %w", err)
	}
	defer conn.Close()
	err = db.PgxConn(ctx, conn, func(pc *pgx.Conn) error {
		tx, err := pc.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		targets, err := targetColumns(ctx, tx)
		if err != nil {
			return err
		}
		if err := refuseNonEmpty(ctx, tx, tables, targets); err != nil {
			return err
		}
		fks, err := dropForeignKeys(ctx, tx)
		if err != nil {
			return err
		}
		for _, table := range tables {
			step, err := copyTable(ctx, src, tx, table, targets[table])
			if err != nil {
				return err
			}
			rep.Tables = append(rep.Tables, step)
			progress(step)
		}
		for _, fk := range fks {
			if _, err := tx.Exec(ctx, `ALTER TABLE `+quoteIdent(fk.table)+` ADD CONSTRAINT `+quoteIdent(fk.name)+` `+fk.def); err != nil {
				return fmt.Errorf("the copied rows break foreign key %s of %s: %w", fk.name, fk.table, err)
			}
		}
		if err := setIdentities(ctx, tx, tables, targets); err != nil {
			return err
		}
		// If the rebuild after the commit does not finish, the next start
		// does it.
		if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES ('search.reindex', $1)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, []byte("1")); err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
	if err != nil {
		return rep, fmt.Errorf("copy into %s (nothing was committed): %w", db.Redact(to.cfg.Location), err)
	}
	progress(CopyStep{Committed: true, Rows: rep.Rows()})
	return rep, nil
}

// copiedTables lists the source's tables in name order, leaving out
// SQLite's own, goose's, virtual tables and their shadow tables, and the
// rebuilt ones (returned as skipped).
func copiedTables(ctx context.Context, src *sql.Tx) (tables, skipped []string, err error) {
	rows, err := src.QueryContext(ctx, `SELECT name, sql FROM sqlite_schema WHERE type = 'table' ORDER BY name`)
	if err != nil {
		return nil, nil, fmt.Errorf("copy: list the tables: %w", err)
	}
	defer rows.Close()
	var all []string
	var virtual []string
	for rows.Next() {
		var name string
		var def sql.NullString
		if err := rows.Scan(&name, &def); err != nil {
			return nil, nil, err
		}
		if strings.HasPrefix(def.String, "CREATE VIRTUAL TABLE") {
			virtual = append(virtual, name)
		}
		all = append(all, name)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	for _, name := range all {
		shadow := slices.ContainsFunc(virtual, func(v string) bool { return name == v || strings.HasPrefix(name, v+"_") })
		switch {
		case strings.HasPrefix(name, "sqlite_"), name == "goose_db_version":
		case shadow || slices.Contains(rebuiltTables, name):
			if !shadow || slices.Contains(virtual, name) {
				skipped = append(skipped, name)
			}
		default:
			tables = append(tables, name)
		}
	}
	return tables, skipped, nil
}

// pgColumn is a column of the target.
type pgColumn struct {
	name, typ string
	identity  bool
}

// targetColumns are the target's tables and their columns that take
// values (generated columns left out).
func targetColumns(ctx context.Context, tx pgx.Tx) (map[string][]pgColumn, error) {
	rows, err := tx.Query(ctx, `SELECT table_name, column_name, data_type, is_identity = 'YES'
		FROM information_schema.columns
		WHERE table_schema = current_schema() AND is_generated = 'NEVER'
		ORDER BY table_name, ordinal_position`)
	if err != nil {
		return nil, fmt.Errorf("read the target's schema: %w", err)
	}
	defer rows.Close()
	out := map[string][]pgColumn{}
	for rows.Next() {
		var table string
		var c pgColumn
		if err := rows.Scan(&table, &c.name, &c.typ, &c.identity); err != nil {
			return nil, err
		}
		out[table] = append(out[table], c)
	}
	return out, rows.Err()
}

// refuseNonEmpty refuses a target with rows in any table but the ones a
// fresh database has: the default category, and settings a start made
// (both replaced by the source's).
func refuseNonEmpty(ctx context.Context, tx pgx.Tx, tables []string, targets map[string][]pgColumn) error {
	var full []string
	for _, table := range tables {
		if _, ok := targets[table]; !ok {
			return fmt.Errorf("the target has no table %s: is it a Crowdcare database of this version?", table)
		}
		if table == "settings" {
			continue
		}
		var n int64
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+quoteIdent(table)).Scan(&n); err != nil {
			return fmt.Errorf("count %s on the target: %w", table, err)
		}
		if n > 1 || n == 1 && table != "categories" {
			full = append(full, fmt.Sprintf("%s: %d rows", table, n))
		}
	}
	if len(full) > 0 {
		return fmt.Errorf("%w (%s): copy into a new, empty database", ErrTargetNotEmpty, strings.Join(full, ", "))
	}
	for _, table := range tables {
		if _, err := tx.Exec(ctx, `DELETE FROM `+quoteIdent(table)); err != nil {
			return fmt.Errorf("empty %s on the target: %w", table, err)
		}
	}
	return nil
}

type foreignKey struct{ table, name, def string }

// dropForeignKeys drops the target's foreign keys (in the copy's
// transaction), returning them to be added again once every row is in:
// threads and posts refer to each other, so no order of tables satisfies
// them row by row.
func dropForeignKeys(ctx context.Context, tx pgx.Tx) ([]foreignKey, error) {
	rows, err := tx.Query(ctx, `SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
		FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
		WHERE c.contype = 'f' AND n.nspname = current_schema() ORDER BY 1, 2`)
	if err != nil {
		return nil, fmt.Errorf("read the target's foreign keys: %w", err)
	}
	var fks []foreignKey
	for rows.Next() {
		var fk foreignKey
		if err := rows.Scan(&fk.table, &fk.name, &fk.def); err != nil {
			rows.Close()
			return nil, err
		}
		fks = append(fks, fk)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, fk := range fks {
		// conrelid::regclass is already quoted where it must be.
		if _, err := tx.Exec(ctx, `ALTER TABLE `+fk.table+` DROP CONSTRAINT `+quoteIdent(fk.name)); err != nil {
			return nil, fmt.Errorf("drop foreign key %s for the copy: %w", fk.name, err)
		}
	}
	for i := range fks {
		fks[i].table = strings.Trim(fks[i].table, `"`)
	}
	return fks, nil
}

// copyTable copies one table with COPY and counts the target's rows after.
func copyTable(ctx context.Context, src *sql.Tx, tx pgx.Tx, table string, target []pgColumn) (CopyStep, error) {
	step := CopyStep{Table: table}
	start := time.Now()
	srcCols, err := db.Column[string](src.QueryContext(ctx, `SELECT name FROM pragma_table_info(?) ORDER BY cid`, table))
	if err != nil {
		return step, fmt.Errorf("columns of %s: %w", table, err)
	}
	var cols []pgColumn
	for _, name := range srcCols {
		i := slices.IndexFunc(target, func(c pgColumn) bool { return c.name == name })
		if i < 0 {
			return step, fmt.Errorf("%s.%s has no column on the target: is it a Crowdcare database of this version?", table, name)
		}
		cols = append(cols, target[i])
	}
	quoted := make([]string, len(cols))
	names := make([]string, len(cols))
	for i, c := range cols {
		quoted[i], names[i] = quoteIdent(c.name), c.name
	}
	var want int64
	if err := src.QueryRowContext(ctx, `SELECT count(*) FROM `+quoteIdent(table)).Scan(&want); err != nil {
		return step, fmt.Errorf("count %s: %w", table, err)
	}
	rows, err := src.QueryContext(ctx, `SELECT `+strings.Join(quoted, ", ")+` FROM `+quoteIdent(table))
	if err != nil {
		return step, fmt.Errorf("read %s: %w", table, err)
	}
	defer rows.Close()
	rs := &rowSource{rows: rows, table: table, cols: cols}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{table}, names, rs)
	if err != nil {
		return step, fmt.Errorf("copy %s: %w", table, err)
	}
	var got int64
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+quoteIdent(table)).Scan(&got); err != nil {
		return step, fmt.Errorf("count %s on the target: %w", table, err)
	}
	if got != want || n != want {
		return step, fmt.Errorf("%s: %d rows in the source, %d copied, %d on the target", table, want, n, got)
	}
	step.Rows, step.Repaired, step.Took = got, rs.repaired, time.Since(start)
	return step, nil
}

// setIdentities sets each identity column's sequence past the ids copied,
// so the next row gets the next id.
func setIdentities(ctx context.Context, tx pgx.Tx, tables []string, targets map[string][]pgColumn) error {
	for _, table := range tables {
		for _, c := range targets[table] {
			if !c.identity {
				continue
			}
			q := fmt.Sprintf(`SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT max(%s) FROM %s), 0) + 1, false)`,
				quoteIdent(c.name), quoteIdent(table))
			if _, err := tx.Exec(ctx, q, quoteIdent(table), c.name); err != nil {
				return fmt.Errorf("set the next id of %s: %w", table, err)
			}
		}
	}
	return nil
}

// rowSource feeds COPY from the source's rows, each value converted to the
// target column's type: SQLite stores what it is given whatever a column
// says, PostgreSQL only what the column is.
type rowSource struct {
	rows     *sql.Rows
	table    string
	cols     []pgColumn
	vals     []any
	err      error
	repaired int64
}

func (r *rowSource) Next() bool {
	if r.err != nil || !r.rows.Next() {
		return false
	}
	raw := make([]any, len(r.cols))
	ptrs := make([]any, len(r.cols))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	if r.err = r.rows.Scan(ptrs...); r.err != nil {
		return false
	}
	for i, c := range r.cols {
		v, repaired, err := convertValue(raw[i], c.typ)
		if err != nil {
			r.err = fmt.Errorf("%s.%s: %w", r.table, c.name, err)
			return false
		}
		if repaired {
			r.repaired++
		}
		raw[i] = v
	}
	r.vals = raw
	return true
}

func (r *rowSource) Values() ([]any, error) { return r.vals, nil }

func (r *rowSource) Err() error {
	if r.err != nil {
		return r.err
	}
	return r.rows.Err()
}

// convertValue turns a value SQLite returned into one for a PostgreSQL
// column of type typ. repaired reports text changed to be storable.
func convertValue(v any, typ string) (out any, repaired bool, err error) {
	if v == nil {
		return nil, false, nil
	}
	switch typ {
	case "bigint", "integer", "smallint":
		switch x := v.(type) {
		case int64:
			return x, false, nil
		case float64:
			if x == float64(int64(x)) {
				return int64(x), false, nil
			}
		case string:
			if n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
				return n, false, nil
			}
		case []byte:
			if n, err := strconv.ParseInt(strings.TrimSpace(string(x)), 10, 64); err == nil {
				return n, false, nil
			}
		case bool:
			if x {
				return int64(1), false, nil
			}
			return int64(0), false, nil
		}
		return nil, false, fmt.Errorf("%v (%T) is not an integer", v, v)
	case "boolean":
		switch x := v.(type) {
		case int64:
			return x != 0, false, nil
		case bool:
			return x, false, nil
		}
		return nil, false, fmt.Errorf("%v (%T) is not a flag", v, v)
	case "double precision", "real", "numeric":
		switch x := v.(type) {
		case float64:
			return x, false, nil
		case int64:
			return float64(x), false, nil
		case string:
			if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
				return f, false, nil
			}
		}
		return nil, false, fmt.Errorf("%v (%T) is not a number", v, v)
	case "bytea":
		switch x := v.(type) {
		case []byte:
			return x, false, nil
		case string:
			return []byte(x), false, nil
		case int64, float64:
			return []byte(fmt.Sprint(x)), false, nil
		}
		return nil, false, fmt.Errorf("%T is not bytes", v)
	default: // text, json and the like
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case []byte:
			s = string(x)
		case int64:
			return strconv.FormatInt(x, 10), false, nil
		case float64:
			return strconv.FormatFloat(x, 'g', -1, 64), false, nil
		case time.Time:
			return x.UTC().Format(time.RFC3339Nano), false, nil
		default:
			return nil, false, fmt.Errorf("%T is not text", v)
		}
		if utf8.ValidString(s) && !strings.ContainsRune(s, 0) {
			return s, false, nil
		}
		return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", ""), true, nil
	}
}
