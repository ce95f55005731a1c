package models

import (
	"database/sql"

	"github.com/crowdcare/crowdcare/models/db"
)

// Helpers for statements over a list of ids: models/db's, under the names
// this package's files use.

func placeholders(n int) string { return db.Placeholders(n) }

func stringList(vals []string) string { return db.StringList(vals) }

func idArgs(ids []int64) []any { return db.IDArgs(ids) }

func idList(ids []int64) string { return db.IDList(ids) }

func column[T any](rows *sql.Rows, err error) ([]T, error) { return db.Column[T](rows, err) }
