package bench

import (
	"context"

	"github.com/crowdcare/crowdcare/models"
)

// FloorChunk is the rows a transaction of the floor's copy holds on SQLite:
// four times an import's batch, so commits weigh less than in the import.
const FloorChunk = 20000

// CopyImportRows copies the rows an import stored in the database at from
// (its users, threads, posts, items and search rows: models.ImportedTables)
// into s, which must be empty, with the import's writer settings: the least
// work the engine does to store the same rows in the same schema, so the
// import's own time can be read against it (`bench import --floor`). On
// PostgreSQL from is a PostgreSQL database (COPY out into COPY in).
func CopyImportRows(ctx context.Context, s *models.Store, from string) (models.RowsCopied, error) {
	return s.CopyRowsFrom(ctx, from, models.ImportedTables(), FloorChunk)
}

// CopyImportRowsBound is CopyImportRows with every value bound from Go, as
// an import binds its values: multi-row statements of the import's size,
// FloorChunk rows a transaction (SQLite only). Its time against the floor's
// is what passing the rows through Go costs, before an import reads,
// decides or looks up anything.
func CopyImportRowsBound(ctx context.Context, s *models.Store, from string) (models.RowsCopied, error) {
	return s.CopyRowsBound(ctx, from, models.ImportedTables(), FloorChunk, models.ImportBulkRows)
}
