package social

import (
	"context"
	"database/sql"
	"fmt"
)

// Languages: the items' language when their source did not name it, and
// the storage step of detection the store's questions share
// (DetectAndStore).

// DetectAndStore reads up to limit (id, text) rows with query, names their
// languages and writes each with update (lang, id). Quietly: no page a
// cache keeps shows a language, so cached pages stay valid. It
// then, when given, calls after for each in the same transaction.
func (s *Social) DetectAndStore(ctx context.Context, det LanguageDetector, query, update string, limit int,
	after func(tx *sql.Tx, id any, lang string) error) (int, error) {
	rows, err := s.db.Reader(ctx).QueryContext(ctx, query, limit)
	if err != nil {
		return 0, fmt.Errorf("texts without a language: %w", err)
	}
	var ids []any
	var texts []string
	for rows.Next() {
		var id any
		var text string
		if err := rows.Scan(&id, &text); err != nil {
			rows.Close()
			return 0, err
		}
		ids, texts = append(ids, id), append(texts, text)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ids) == 0 {
		return 0, err
	}
	langs := DetectAll(det, texts)
	err = s.db.InQuietTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, update)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i, id := range ids {
			if _, err := stmt.ExecContext(ctx, langs[i], id); err != nil {
				return err
			}
			if after != nil {
				if err := after(tx, id, langs[i]); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return len(ids), err
}

// DetectLanguages names the language of up to limit imported posts whose
// source did not, on every core, and returns how many it looked at.
func (s *Social) DetectLanguages(ctx context.Context, det LanguageDetector, limit int) (int, error) {
	return s.DetectAndStore(ctx, det, `SELECT tweet_id, text FROM social_items WHERE lang_checked = 0 LIMIT ?`,
		`UPDATE social_items SET lang = ?, lang_checked = 1 WHERE tweet_id = ?`, limit, nil)
}

// langBatch is how many posts DetectAllLanguages reads, looks at and
// writes at a time.
const langBatch = 5000

// DetectAllLanguages names the language of every imported post whose
// source did not, as an import does after storing them, and returns how
// many it looked at. The posts go in tweet-id order, a batch at a time: the
// next batch is read and looked at on every core while this one is
// written, with multi-row statements. Posts stored meanwhile with a lower
// id wait for the next call (or the server's background detection).
func (s *Social) DetectAllLanguages(ctx context.Context, det LanguageDetector) (int, error) {
	return s.detectAllLanguages(ctx, det, langBatch)
}

func (s *Social) detectAllLanguages(ctx context.Context, det LanguageDetector, size int) (int, error) {
	type batch struct {
		args []any // (tweet id, language) pairs
		err  error
	}
	readCtx, stop := context.WithCancel(ctx)
	defer stop()
	next := make(chan batch, 1)
	go func() {
		defer close(next)
		after := ""
		for {
			rows, err := s.db.Primary().QueryContext(readCtx, `SELECT tweet_id, text FROM social_items`+s.db.IndexedBy("social_items_lang_todo")+`
				WHERE lang_checked = 0 AND tweet_id > ? ORDER BY tweet_id LIMIT ?`, after, size)
			var ids []string
			var texts []string
			for err == nil && rows.Next() {
				var text string
				if err = rows.Scan(&after, &text); err == nil {
					ids, texts = append(ids, after), append(texts, text)
				}
			}
			if rows != nil {
				rows.Close()
				if err == nil {
					err = rows.Err()
				}
			}
			if err != nil || len(ids) == 0 {
				if err != nil {
					select {
					case next <- batch{err: fmt.Errorf("texts without a language: %w", err)}:
					case <-readCtx.Done(): // given up on: nobody reads it
					}
				}
				return
			}
			langs := DetectAll(det, texts)
			args := make([]any, 0, 2*len(ids))
			for i, id := range ids {
				args = append(args, id, langs[i])
			}
			select {
			case next <- batch{args: args}:
			case <-readCtx.Done():
				return
			}
		}
	}()
	total := 0
	// Statements run without the caller's cancellation (the driver would
	// start a goroutine for each); it is checked between batches.
	quiet := context.WithoutCancel(ctx)
	for b := range next {
		if b.err != nil {
			return total, b.err
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
		// Quietly: no page a cache keeps shows an item's language.
		err := s.db.InQuietTx(quiet, func(tx *sql.Tx) error {
			return ExecTuples(quiet, tx, `UPDATE social_items SET lang = v.column2, lang_checked = 1 FROM (VALUES `,
				TypedTuple("TEXT", "TEXT"), `) AS v WHERE social_items.tweet_id = v.column1`, 2, b.args)
		})
		if err != nil {
			return total, fmt.Errorf("store languages: %w", err)
		}
		total += len(b.args) / 2
	}
	return total, ctx.Err()
}
