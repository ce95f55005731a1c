package models

import (
	"context"

	"github.com/crowdcare/crowdcare/models/db"
)

// The per-engine SQL fragments live in models/db (dialect.go), as methods
// of db.DB; these keep the names this package's files use.

func (s *Store) jsonInts(ph string) string      { return s.db.JSONInts(ph) }
func (s *Store) jsonTexts(ph string) string     { return s.db.JSONTexts(ph) }
func (s *Store) indexedBy(index string) string  { return s.db.IndexedBy(index) }
func (s *Store) skipLocked(table string) string { return s.db.SkipLocked(table) }

func reserveIDs(ctx context.Context, c dbtx, table string, n int) ([]int64, error) {
	return db.ReserveIDs(ctx, c, table, n)
}
