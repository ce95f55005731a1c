package social

import (
	"context"
	"strings"

	"github.com/crowdcare/crowdcare/models/db"
)

// Bulk writes: an import's rows go in multi-row statements, BulkRows rows
// a statement (the items here, the forum's threads, posts and profiles
// from models, which calls these).

// BulkRows is how many rows one multi-row statement writes.
const BulkRows = 100

// ExecRows runs before + "(?, ...), (?, ...)" + after for rows of cols
// values, BulkRows rows a statement.
func ExecRows(ctx context.Context, c db.Querier, before, after string, cols int, args []any) error {
	return ExecTuples(ctx, c, before, "", after, cols, args)
}

// TypedTuple is a row of placeholders cast to types, for VALUES whose
// columns nothing else types (the list of an UPDATE … FROM (VALUES …)):
// PostgreSQL would take them for text.
func TypedTuple(types ...string) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, t := range types {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("CAST(? AS " + t + ")")
	}
	b.WriteByte(')')
	return b.String()
}

// ExecTuples is ExecRows with tuple as each row ("" for cols plain
// placeholders).
func ExecTuples(ctx context.Context, c db.Querier, before, tuple, after string, cols int, args []any) error {
	if tuple == "" {
		tuple = "(" + db.Placeholders(cols) + ")"
	}
	for start := 0; start < len(args); start += BulkRows * cols {
		end := min(start+BulkRows*cols, len(args))
		n := (end - start) / cols
		q := before + strings.TrimSuffix(strings.Repeat(tuple+",", n), ",") + after
		if _, err := c.ExecContext(ctx, q, args[start:end]...); err != nil {
			return err
		}
	}
	return nil
}
