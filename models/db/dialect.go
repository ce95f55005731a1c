package db

import (
	"context"
	"fmt"
)

// The few places where one query text cannot serve both engines get their
// SQL here, by name. Everything else is written once, for both: "?"
// placeholders (rebound on PostgreSQL by this package), INSERT … ON CONFLICT
// DO NOTHING rather than INSERT OR IGNORE, RETURNING rather than
// LastInsertId, CASE rather than booleans used as numbers (sum() over a
// comparison and scalar max/min(a, b) are defined on PostgreSQL by its
// first migration).

// JSONInts is a subquery of the integers in the JSON array bound to the
// placeholder ph ("?" or "?2"): IDList's value, one argument for any count.
func (d *DB) JSONInts(ph string) string {
	if d.engine == Postgres {
		return "SELECT CAST(value AS BIGINT) AS value FROM json_array_elements_text(CAST(" + ph + " AS json))"
	}
	return "SELECT value FROM json_each(" + ph + ")"
}

// JSONTexts is a subquery of the strings in the JSON array bound to ph
// (StringList's value).
func (d *DB) JSONTexts(ph string) string {
	if d.engine == Postgres {
		return "SELECT value FROM json_array_elements_text(CAST(" + ph + " AS json))"
	}
	return "SELECT value FROM json_each(" + ph + ")"
}

// IndexedBy names the index SQLite's planner must use (" INDEXED BY name",
// where it chose worse on its own); PostgreSQL's planner is left to choose.
func (d *DB) IndexedBy(index string) string {
	if d.engine == Postgres {
		return ""
	}
	return " INDEXED BY " + index
}

// SkipLocked ends the subquery that picks a queue's next row to claim
// from table (its name or alias): on PostgreSQL the rows other workers are
// claiming that moment are locked and passed over, not waited for; SQLite's
// one writer claims one at a time.
func (d *DB) SkipLocked(table string) string {
	if d.engine == Postgres {
		return " FOR UPDATE OF " + table + " SKIP LOCKED"
	}
	return ""
}

// ReserveIDs takes n ids from table's identity column on PostgreSQL, in
// the order it hands them out, for rows a bulk write inserts with their ids
// chosen up front (SQLite's callers number after MAX(id) under its one
// writer instead). Ids taken by a transaction that then rolls back are
// not used again, as with any identity.
func ReserveIDs(ctx context.Context, c Querier, table string, n int) ([]int64, error) {
	if n <= 0 {
		return nil, nil
	}
	ids, err := Column[int64](c.QueryContext(ctx, `SELECT nextval(CAST(pg_get_serial_sequence(CAST(? AS TEXT), 'id') AS regclass))
		FROM generate_series(1, CAST(? AS BIGINT)) ORDER BY 1`, table, n))
	if err != nil {
		return nil, fmt.Errorf("new ids for %s: %w", table, err)
	}
	return ids, nil
}

// NextCounter is a statement that adds one to the counter kept in the
// setting key and returns it; when there is none yet it starts at the
// value of the scalar subquery first. SQLite stores the number as an
// integer; PostgreSQL's settings hold bytes, so there it is the number's
// text. One statement, so two transactions never take the same value.
func (d *DB) NextCounter(key, first string) string {
	if d.engine == Postgres {
		return `INSERT INTO settings (key, value) VALUES ('` + key + `', convert_to(CAST((` + first + `) AS TEXT), 'UTF8'))
			ON CONFLICT (key) DO UPDATE SET value = convert_to(CAST(CAST(convert_from(settings.value, 'UTF8') AS BIGINT) + 1 AS TEXT), 'UTF8')
			RETURNING CAST(convert_from(value, 'UTF8') AS BIGINT)`
	}
	return `INSERT INTO settings (key, value) VALUES ('` + key + `', (` + first + `))
		ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1 RETURNING CAST(value AS INTEGER)`
}
