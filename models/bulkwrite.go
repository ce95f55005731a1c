package models

import (
	"context"

	"github.com/crowdcare/crowdcare/models/db"
)

// The writer's settings for imports live in models/db (bulkwrite.go).

const (
	importWALBytes         = db.ImportWALBytes
	importCacheKiB         = db.ImportCacheKiB
	importCheckpointPages  = db.ImportCheckpointPages
	importTempStore        = db.ImportTempStore
	defaultCacheKiB        = db.DefaultCacheKiB
	defaultCheckpointPages = db.DefaultCheckpointPages
	defaultTempStore       = db.DefaultTempStore
	walSizeLimit           = db.WALSizeLimit
)

func (s *Store) beginBulkWrite(ctx context.Context) error { return s.db.BeginBulkWrite(ctx) }
func (s *Store) endBulkWrite(ctx context.Context) error   { return s.db.EndBulkWrite(ctx) }
