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
	return s.DetectAndStore(ctx, det, `SELECT t.id, t.title || '. ' || COALESCE(substr(p.body_text, 1, 1000), '')
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
