package models

import (
	"context"
	"database/sql"

	"github.com/crowdcare/crowdcare/models/db"
)

// Reads from a streaming replica (Options.ReplicaURL, serve's --db-replica)
// are routed by models/db (replica.go): the reads a context allows there
// (WithReplicaReads) go to the replica while it keeps up, everything else
// to the primary. These keep the names the handlers and this package use.

// ReplicaHealth is what /healthz reports of the replica.
type ReplicaHealth = db.ReplicaHealth

// Defaults of the replica's options.
const (
	DefaultReplicaMaxLag     = db.DefaultReplicaMaxLag
	DefaultReplicaCheckEvery = db.DefaultReplicaCheckEvery
)

// WithReplicaReads lets the reads made with ctx go to the replica.
func WithReplicaReads(ctx context.Context) context.Context { return db.WithReplicaReads(ctx) }

// WithRecentWrite marks ctx as a request of someone who wrote a moment ago
// (maybe through another app server): its reads go to the primary, and the
// caches above the store must not answer it from a copy (RecentWrite).
func WithRecentWrite(ctx context.Context) context.Context { return db.WithRecentWrite(ctx) }

// RecentWrite reports whether ctx is a recent writer's (WithRecentWrite).
func RecentWrite(ctx context.Context) bool { return db.RecentWrite(ctx) }

// reader is the pool the reads made with ctx go to: the replica when ctx
// allows it and the replica is usable, else the primary.
func (s *Store) reader(ctx context.Context) *sql.DB { return s.db.Reader(ctx) }

// ReadVersion is the version of the store that reads made with ctx show,
// read before them: Version, or when they go to a replica, the version the
// replica has replayed (older while it lags). A cache keeps what it read
// under ReadVersion and takes it as current while it equals Version.
func (s *Store) ReadVersion(ctx context.Context) uint64 { return s.db.ReadVersion(ctx) }

// ReplicaHealth reports the replica; ok is false when there is none.
func (s *Store) ReplicaHealth() (h ReplicaHealth, ok bool) { return s.db.ReplicaHealth() }
