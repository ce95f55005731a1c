package models

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/crowdcare/crowdcare/models/social"
)

// On PostgreSQL an import's batch writes its rows with COPY (pgx's
// CopyFrom) on the connection of the batch's transaction: profiles,
// threads, posts, items and search rows, each table one COPY a batch, in
// the same serializable transaction as the reads that decided them. COPY
// goes straight into the tables, not through a staging table: every row it
// writes is new by then (the batch dropped what is stored, in the same
// transaction, and its ids come from the identities), and a row a
// concurrent import stored meanwhile makes PostgreSQL fail the transaction
// as a serialization failure (the batch read that key first), which runs
// the batch again, then seeing the row as stored. SQLite keeps its
// multi-row INSERTs (writeThreads; the writer's import settings: models/db/bulkwrite.go).

// inBulkTx is inTx for an import's batches: fn also gets the connection
// on PostgreSQL, for COPY (db.DB.InBulkTx).
func (s *Store) inBulkTx(ctx context.Context, fn func(conn *sql.Conn, tx *sql.Tx) error) error {
	return s.db.InBulkTx(ctx, fn)
}

// deferQuestions makes the transaction c runs check threads' question
// foreign key at its commit, so that a thread is stored with its question
// before the question's post is (the post refers to the thread): SQLite
// sets question_id in a second statement instead, which on PostgreSQL
// would write every thread twice, and its ten indexes with it. The
// constraint is DEFERRABLE INITIALLY IMMEDIATE (0026_init.sql, social
// section): everywhere else it is checked at once, as before.
func deferQuestions(ctx context.Context, c *stmtCache) error {
	if c.Deferred {
		return nil
	}
	if _, err := c.Tx.ExecContext(ctx, `SET CONSTRAINTS threads_question_id_fkey DEFERRED`); err != nil {
		return fmt.Errorf("defer the question check: %w", err)
	}
	c.Deferred = true
	return nil
}

// copyThreads is writeThreads on PostgreSQL: the batch's threads (with
// their questions), posts, new items and search rows, each with one COPY;
// stored items are marked with one UPDATE … FROM (VALUES …) a hundred.
func (im *Importer) copyThreads(ctx context.Context, c *stmtCache, threads []*newThread) error {
	if err := deferQuestions(ctx, c); err != nil {
		return err
	}
	var th, posts, items, search []any
	var pending []social.PendingItem
	index := im.s.index()
	for _, nt := range threads {
		q := nt.items[0]
		last, firstAnswer := nt.times()
		lang, checked := social.ThreadLang(q.Lang)
		th = append(th, nt.id, nt.categoryID, nt.authors[0], nt.title, nt.slug, len(nt.items)-1,
			q.Created, last, social.SourceRef(q.Handle, q.ID, q.Format), firstAnswer, lang, checked, nt.posts[0])
		posts, items, pending = nt.postRows(func(i int) int64 { return nt.posts[i] }, posts, items, pending)
		search = append(search, index.Values(openIndexRow(nt.id, nt.categoryID, nt.search))...)
	}
	if _, err := social.CopyRows(ctx, c, "threads", []string{"id", "category_id", "author_id", "title", "slug", "answer_count",
		"created_at", "last_activity_at", "source_url", "first_answer_at", "lang", "lang_checked", "question_id"}, th); err != nil {
		return fmt.Errorf("store imported threads: %w", err)
	}
	if _, err := social.CopyRows(ctx, c, "posts", []string{"id", "thread_id", "author_id", "is_question", "body_md", "body_html",
		"body_text", "created_at"}, posts); err != nil {
		return fmt.Errorf("store imported posts: %w", err)
	}
	// A streamed batch's items are new: stored now, after the threads and
	// posts they refer to. Stored items are marked instead.
	if err := im.insertItems(ctx, c, pending); err != nil {
		return err
	}
	if err := im.s.MarkItems(ctx, c, items); err != nil {
		return fmt.Errorf("store imported items: %w", err)
	}
	if _, err := social.CopyRows(ctx, c, "search_index", index.Columns(), search); err != nil {
		return fmt.Errorf("store imported search index: %w", err)
	}
	return nil
}
