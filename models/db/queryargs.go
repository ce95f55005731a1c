package db

import (
	"database/sql"
	"encoding/json"
	"strings"
)

// Helpers for statements over a list of ids.

// Placeholders is "?,?,…" for n values.
func Placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// KeyedByID reads rows with scan into a map keyed by id.
func KeyedByID[T any](rows *sql.Rows, err error, scan func(interface{ Scan(...any) error }) (T, error), id func(T) int64) (map[int64]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out[id(v)] = v
	}
	return out, rows.Err()
}

// StringList is vals as one query argument, for
// "IN (SELECT value FROM json_each(?))": one statement for any number of
// values, where a placeholder each would run into SQLite's limit on them.
func StringList(vals []string) string {
	b, _ := json.Marshal(vals) // strings always marshal
	return string(b)
}

// IDArgs turns ids into query arguments.
func IDArgs(ids []int64) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return args
}

// IDList is ids as a JSON array, for json_each (JSONInts).
func IDList(ids []int64) string {
	if len(ids) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(ids) // numbers always marshal
	return string(b)
}

// Column reads a one-column result into a slice.
func Column[T any](rows *sql.Rows, err error) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
