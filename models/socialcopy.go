package models

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/crowdcare/crowdcare/models/db"
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

// copyRows stores rows of len(cols) values (args, row after row) in table:
// with COPY when c is an import's statement cache that has its
// transaction's connection, else with multi-row INSERTs (a dry run, whose
// transaction is not the store's). Booleans become the integers the schema
// keeps, as the driver passes them elsewhere. It returns how many rows were
// stored.
func copyRows(ctx context.Context, c dbtx, table string, cols []string, args []any) (int64, error) {
	if len(args) == 0 {
		return 0, nil
	}
	n := len(args) / len(cols)
	sc, ok := c.(*stmtCache)
	if !ok || sc.Conn == nil {
		err := execRows(ctx, c, `INSERT INTO `+table+` (`+strings.Join(cols, ", ")+`) VALUES `, "", len(cols), args)
		if err != nil {
			return 0, err
		}
		return int64(n), nil
	}
	for i, v := range args {
		if b, ok := v.(bool); ok {
			args[i] = int64(0)
			if b {
				args[i] = int64(1)
			}
		}
	}
	var copied int64
	err := db.PgxConn(ctx, sc.Conn, func(pc *pgx.Conn) error {
		var err error
		copied, err = pc.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromSlice(n, func(i int) ([]any, error) {
			return args[i*len(cols) : (i+1)*len(cols)], nil
		}))
		return err
	})
	return copied, err
}

// itemColumns are what insertItems stores of an item.
var itemColumns = []string{"tweet_id", "conversation_id", "in_reply_to_id", "author_handle", "author_id", "author_name", "text",
	"lang", "lang_checked", "is_brand", "official", "status", "filter_reason", "spam_score", "repeat_key", "rule_id",
	"thread_id", "post_id", "source", "import_id", "created_at", "imported_at", "source_format"}

// copyItems is insertItems on PostgreSQL: one COPY for the lot.
func (im *Importer) copyItems(ctx context.Context, c dbtx, items []pendingItem) error {
	now := im.s.now().Unix()
	args := make([]any, 0, len(items)*itemCols)
	for i := range items {
		p := &items[i]
		args = append(args, p.id, p.conv, p.parent, p.handle, p.authorID, p.name, p.text, p.lang, p.lang != "",
			p.brand, p.official, p.status, p.reason, p.score, p.repeat, nullID(p.ruleID), nullID(p.threadID), nullID(p.postID),
			im.opts.Source, im.id, p.created, now, p.format)
	}
	n, err := copyRows(ctx, c, "social_items", itemColumns, args)
	if err != nil {
		return fmt.Errorf("store tweets: %w", err)
	}
	if n != int64(len(items)) {
		return fmt.Errorf("store tweets: %d of %d stored", n, len(items))
	}
	for i := range items {
		if items[i].reason != "" {
			im.sum.Filtered[items[i].reason]++
		}
	}
	im.sum.Imported += len(items)
	return nil
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
	var pending []pendingItem
	index := im.s.index()
	for _, nt := range threads {
		q := nt.items[0]
		last, firstAnswer := nt.times()
		lang, checked := social.ThreadLang(q.Lang)
		th = append(th, nt.id, nt.categoryID, nt.authors[0], nt.title, nt.slug, len(nt.items)-1,
			q.Created, last, social.SourceRef(q.Handle, q.ID, q.Format), firstAnswer, lang, checked, nt.posts[0])
		posts, items, pending = nt.postRows(func(i int) int64 { return nt.posts[i] }, posts, items, pending)
		search = append(search, index.values(indexRow{threadRowID(nt.id), nt.search, facetCategory(nt.categoryID) + " " + facetOpen})...)
	}
	if _, err := copyRows(ctx, c, "threads", []string{"id", "category_id", "author_id", "title", "slug", "answer_count",
		"created_at", "last_activity_at", "source_url", "first_answer_at", "lang", "lang_checked", "question_id"}, th); err != nil {
		return fmt.Errorf("store imported threads: %w", err)
	}
	if _, err := copyRows(ctx, c, "posts", []string{"id", "thread_id", "author_id", "is_question", "body_md", "body_html",
		"body_text", "created_at"}, posts); err != nil {
		return fmt.Errorf("store imported posts: %w", err)
	}
	// A streamed batch's items are new: stored now, after the threads and
	// posts they refer to. Stored items are marked instead.
	if err := im.insertItems(ctx, c, pending); err != nil {
		return err
	}
	if err := execTuples(ctx, c, `UPDATE social_items SET status = v.column2, thread_id = v.column3, post_id = v.column4 FROM (VALUES `,
		typedTuple("TEXT", "TEXT", "BIGINT", "BIGINT"), `) AS v WHERE social_items.tweet_id = v.column1`, 4, items); err != nil {
		return fmt.Errorf("store imported items: %w", err)
	}
	if _, err := copyRows(ctx, c, "search_index", index.columns(), search); err != nil {
		return fmt.Errorf("store imported search index: %w", err)
	}
	return nil
}
