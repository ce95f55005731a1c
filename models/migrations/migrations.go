// Package migrations holds the schema of each engine as numbered goose
// migrations, embedded in the binary. A migration is never edited once it
// has shipped; a change is a new file, on both engines under one number.
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed sqlite/*.sql postgres/*.sql
var files embed.FS

// SQLite is the SQLite migrations.
func SQLite() fs.FS { return sub("sqlite") }

// Postgres is the PostgreSQL migrations.
func Postgres() fs.FS { return sub("postgres") }

func sub(dir string) fs.FS {
	f, err := fs.Sub(files, dir)
	if err != nil {
		panic(err) // the directory is embedded above
	}
	return f
}
