package models

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/crowdcare/crowdcare/models/search"
	"github.com/crowdcare/crowdcare/models/social"
)

// DetectThreadLanguages names the language of up to limit questions not
// looked at yet, from their title and text, and returns how many it looked
// at. It runs in the background, so asking or importing never waits for it.
func (s *Store) DetectThreadLanguages(ctx context.Context, det social.LanguageDetector, limit int) (int, error) {
	return s.detectAndStore(ctx, det, `SELECT t.id, t.title || '. ' || COALESCE(substr(p.body_text, 1, 1000), '')
		FROM threads t`+s.indexedBy("threads_lang_todo")+` LEFT JOIN posts p ON p.id = t.question_id
		WHERE t.lang_checked = 0 LIMIT ?`, `UPDATE threads SET lang = ?, lang_checked = 1 WHERE id = ?`, limit,
		func(tx *sql.Tx, id any, lang string) error {
			// Indexed with English stems until now: stemmed again in its own language.
			if sl := search.StemLang(lang); sl != "en" {
				return s.indexThread(ctx, tx, id.(int64))
			}
			return nil
		})
}

// detectAndStore reads up to limit (id, text) rows with query, names their
// languages and writes each with update (lang, id). Quietly: no page a
// cache keeps shows a language, so cached pages stay valid. It
// then, when given, calls after for each in the same transaction.
func (s *Store) detectAndStore(ctx context.Context, det social.LanguageDetector, query, update string, limit int,
	after func(tx *sql.Tx, id any, lang string) error) (int, error) {
	rows, err := s.reader(ctx).QueryContext(ctx, query, limit)
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
	langs := social.DetectAll(det, texts)
	err = s.inQuietTx(ctx, func(tx *sql.Tx) error {
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

// ThreadLanguages lists the languages questions have been found in, for the
// dashboard's filter.
func (s *Store) ThreadLanguages(ctx context.Context) ([]string, error) {
	out, err := s.strings(ctx, `SELECT DISTINCT lang FROM threads`+s.indexedBy("threads_lang")+` WHERE lang != '' ORDER BY lang`)
	if err != nil {
		return nil, fmt.Errorf("thread languages: %w", err)
	}
	return out, nil
}

// IsLangCode reports whether s is a two-letter lower-case language code
// (social.IsLangCode, for the handlers).
func IsLangCode(s string) bool { return social.IsLangCode(s) }
