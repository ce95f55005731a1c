package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/crowdcare/crowdcare/models/search"
)

// DefaultSearchSynonyms is search.DefaultSynonyms, the list in force
// until an admin edits it; an alias because the admin page's handler names
// it.
const DefaultSearchSynonyms = search.DefaultSynonyms

// SearchSynonyms returns the synonym list as an admin wrote it (the
// defaults until one did). Search reads it for each query (search.Forum's
// Synonyms), so a change applies to the next search in every process; the
// searcher keeps it parsed while it stays the same.
func (s *Store) SearchSynonyms(ctx context.Context) (string, error) {
	var v string
	err := s.reader(ctx).QueryRowContext(ctx, `SELECT value FROM settings WHERE key = 'search.synonyms'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultSearchSynonyms, nil
	}
	if err != nil {
		return "", fmt.Errorf("load search synonyms: %w", err)
	}
	return v, nil
}

// SetSearchSynonyms saves the synonym list (PermManageSite). Lines with
// fewer than two entries are dropped; the list is stored as saved, tidied.
func (s *Store) SetSearchSynonyms(ctx context.Context, actor *User, text string) error {
	if !actor.Can(PermManageSite) {
		return ErrForbidden
	}
	text = strings.ReplaceAll(cleanText(text), "\r\n", "\n")
	_, groups := search.ParseSynonyms(text)
	v := validator{}
	v.Check(len(text) <= search.SynonymsMaxBytes, "synonyms", fmt.Sprintf("At most %d characters.", search.SynonymsMaxBytes))
	v.Check(len(groups) <= search.SynonymsMaxGroups, "synonyms", fmt.Sprintf("At most %d groups (lines).", search.SynonymsMaxGroups))
	var lines []string
	for _, g := range groups {
		v.Check(len(g) <= search.SynonymGroupMax, "synonyms", fmt.Sprintf("At most %d words or phrases in a group: %q has %d.",
			search.SynonymGroupMax, truncateRunes(strings.Join(g, ", "), 60), len(g)))
		lines = append(lines, strings.Join(g, ", "))
	}
	if err := v.Err(); err != nil {
		return err
	}
	tidy := strings.Join(lines, "\n") + "\n"
	// Not quiet: cached result pages must go.
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ('search.synonyms', ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, tidy); err != nil {
			return fmt.Errorf("save search synonyms: %w", err)
		}
		// Audited like the site settings (which also refuses a suspended actor).
		return logAction(ctx, tx, s.now(), actor, "change_search_synonyms", "site", 0, "")
	})
}
