// Package moderation is the moderators' side of the forum: the flags
// members raise and the queue they make, the approval queue, the audit log
// every staff action writes a line to (LogEntry, its actor an
// accounts.UserRef), and the statements of the staff actions (hiding and
// showing a post, locking, pinning, moving and closing a thread as a
// duplicate, suspending a member, taking a post out of the approval
// queue). It owns the flags and mod_log tables' SQL, the queues' reading
// and those statements.
//
// The steps around them span domains and stay in models, calling it in the
// transaction they open: a hidden post's thread is recounted and its search
// row and article updated, its author told (forum, search, kb, notify);
// removing a spammer suspends, hides every post and recounts each thread
// (accounts, forum, search); approving a post notifies as a new post does.
// Also in models: who may do what and what a triager may read of a hidden
// post (models/policy, models/permissions.go), the forms' messages, the
// posting rules (rate limit, first posts with links: the forum's), the
// pages of the audit log (models.LogList embeds models.Paging, which has
// not left models) and logAction, the adapter some twenty steps call with
// models' refusal of a suspended actor.
//
// It takes the database layer as models hands it down, the small DB below,
// with what the queues read of the forum's posts and threads (Forum: their
// select lists, scanning and tags, the forum's), so it imports nothing of
// models; it names forum.Post, forum.Thread and accounts.UserRef.
// models.Store embeds a *Moderator, so its methods are the store's.
package moderation

import (
	"context"
	"database/sql"
	"time"
)

// DB is what moderation needs of the store: the pool a request's reads go
// to (a replica's when the request allows it), one statement on the writer
// (which tells the caches that something changed), the transaction runner
// (retries and the caches' signal included), the store's clock, the error
// for what is not there (a 404), and the refusal a suspended actor gets
// (its English is the accounts' and the web layer's); and what the queues
// read of the forum's posts and threads (Forum).
type DB struct {
	Reader   func(ctx context.Context) *sql.DB
	Exec     func(ctx context.Context, q string, args ...any) (sql.Result, error)
	InTx     func(ctx context.Context, fn func(tx *sql.Tx) error) error
	Now      func() time.Time
	NotFound error
	Refusal  func(until time.Time, reason string) error
	Forum    Forum
}

// Moderator raises, lists and closes flags and reads the audit log.
type Moderator struct {
	db DB
}

// New is the moderator over the store's database layer.
func New(db DB) *Moderator { return &Moderator{db: db} }
