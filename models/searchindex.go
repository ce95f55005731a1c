package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/crowdcare/crowdcare/models/search"
)

// index is the store's search back-end, by engine (models/search: FTS5 on
// SQLite, the tsvector index on PostgreSQL).
func (s *Store) index() search.Backend { return s.Backend() }

// openIndexRow is the index row of a new open question with the text
// columns cols (search.Columns), as imports write many a statement.
func openIndexRow(threadID, categoryID int64, cols []any) search.Row {
	return search.Row{RowID: search.ThreadRowID(threadID), Cols: cols, Facets: search.FacetCategory(categoryID) + " " + search.FacetOpen}
}

// indexThread writes the question's row in the search index (the thread
// with its published article), or removes it when the thread is no longer
// visible. It runs in the transaction of the change.
func (s *Store) indexThread(ctx context.Context, tx dbtx, threadID int64) error {
	return s.indexThreadWith(ctx, tx, threadID, nil)
}

// indexThreadWith is indexThread with stemmers kept across calls (by
// language), as a rebuild of the whole index does; nil makes new ones.
func (s *Store) indexThreadWith(ctx context.Context, tx dbtx, threadID int64, stemmers map[string]*search.Stemmer) error {
	rowid := search.ThreadRowID(threadID)
	if err := s.index().Remove(ctx, tx, rowid); err != nil {
		return fmt.Errorf("unindex thread %d: %w", threadID, err)
	}
	var d search.Doc
	var catID int64
	var solved, visible bool
	var article sql.NullInt64
	var kbTitle, problem, solution sql.NullString
	var curated sql.NullBool
	err := tx.QueryRowContext(ctx, `SELECT t.title, t.category_id, t.accepted_id IS NOT NULL, `+visibleThread+`, t.lang,
		k.id, k.title, k.problem_md, k.solution_md, k.curated
		FROM threads t LEFT JOIN kb_articles k ON k.thread_id = t.id AND k.published = 1
		WHERE t.id = ?`, threadID).Scan(&d.Title, &catID, &solved, &visible, &d.Lang,
		&article, &kbTitle, &problem, &solution, &curated)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !visible) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("load thread %d for index: %w", threadID, err)
	}
	// The question, then the accepted answer, then the others.
	rows, err := tx.QueryContext(ctx, `SELECT p.body_text, p.is_question = 1 OR p.id = COALESCE(t.accepted_id, 0)
		FROM posts p JOIN threads t ON t.id = p.thread_id
		WHERE p.thread_id = ? AND `+visiblePost+`
		ORDER BY p.is_question DESC, p.id = COALESCE(t.accepted_id, 0) DESC, p.id`, threadID)
	if err != nil {
		return fmt.Errorf("load posts for index: %w", err)
	}
	var body, answers []string
	for rows.Next() {
		var text string
		var main bool
		if err := rows.Scan(&text, &main); err != nil {
			rows.Close()
			return err
		}
		if main {
			body = append(body, text)
		} else {
			answers = append(answers, text)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	facets := []string{search.FacetCategory(catID), search.FacetOpen}
	if solved {
		facets[1] = search.FacetSolved
	}
	if article.Valid {
		// A published article stands for a solved question, also if its
		// answer was later unaccepted: one facet for the solved filter.
		facets = append(facets[:1], search.FacetSolved, search.FacetKB)
		// A curator's words count too; an article made from the thread
		// repeats the question and answer, which are there already.
		if kbTitle.String != d.Title {
			d.Title += "\n" + kbTitle.String
		}
		if curated.Bool {
			p, err := s.md.Render(problem.String)
			if err != nil {
				return err
			}
			sol, err := s.md.Render(solution.String)
			if err != nil {
				return err
			}
			body = append(body, p.Text, sol.Text)
		}
	}
	d.Body, d.Answers = strings.Join(body, "\n"), strings.Join(answers, "\n")
	tagFacets, err := threadTagFacets(ctx, tx, threadID)
	if err != nil {
		return err
	}
	facets = append(facets, tagFacets...)
	var st *search.Stemmer
	if stemmers != nil {
		lang := search.StemLang(d.Lang)
		if st = stemmers[lang]; st == nil {
			st = search.NewStemmer(lang)
			stemmers[lang] = st
		}
	}
	row := search.Row{RowID: rowid, Cols: search.Columns(d, st), Facets: strings.Join(facets, " ")}
	if err := s.index().Write(ctx, tx, row); err != nil {
		return fmt.Errorf("index thread %d: %w", threadID, err)
	}
	return search.AddTitleWords(ctx, tx, d.Title)
}

func threadTagFacets(ctx context.Context, tx dbtx, threadID int64) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT tag_id FROM thread_tags WHERE thread_id = ?`, threadID)
	if err != nil {
		return nil, fmt.Errorf("load tags for index: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, search.FacetTag(id))
	}
	return out, rows.Err()
}

// indexArticle writes the row of an article's question: the article is
// part of it while published.
func (s *Store) indexArticle(ctx context.Context, tx dbtx, articleID int64) error {
	var threadID int64
	err := tx.QueryRowContext(ctx, `SELECT thread_id FROM kb_articles WHERE id = ?`, articleID).Scan(&threadID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("load article %d for index: %w", articleID, err)
	}
	return s.indexThread(ctx, tx, threadID)
}

// reindexBatch is how many questions a transaction of Reindex writes.
const reindexBatch = 500

// Reindex rebuilds the whole search index from the content, in batches.
func (s *Store) Reindex(ctx context.Context) (int, error) {
	if err := s.ClearIndex(ctx); err != nil {
		return 0, err
	}
	n := 0
	stemmers := map[string]*search.Stemmer{}
	var last int64
	for {
		ids, err := s.ids(ctx, `SELECT id FROM threads WHERE id > ? ORDER BY id LIMIT ?`, last, reindexBatch)
		if err != nil {
			return n, err
		}
		if len(ids) == 0 {
			break
		}
		err = s.inTx(ctx, func(tx *sql.Tx) error {
			for _, id := range ids {
				if err := s.indexThreadWith(ctx, tx, id, stemmers); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return n, err
		}
		n += len(ids)
		last = ids[len(ids)-1]
	}
	return n, s.index().Optimize(ctx)
}

// reindexIfAsked rebuilds the index when a migration asked for it (a new
// index layout), once, when the store opens.
func (s *Store) reindexIfAsked(ctx context.Context) error {
	var v string
	err := s.db.W().QueryRowContext(ctx, `SELECT value FROM settings WHERE key = 'search.reindex'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read search.reindex: %w", err)
	}
	if _, err := s.Reindex(ctx); err != nil {
		return fmt.Errorf("rebuild the search index: %w", err)
	}
	// The rebuild read every title's words too.
	if _, err := s.db.W().ExecContext(ctx, `DELETE FROM settings WHERE key IN ('search.reindex', 'search.words')`); err != nil {
		return fmt.Errorf("clear search.reindex: %w", err)
	}
	return nil
}

// fillSearchWordsIfAsked reads the existing titles' words once, when a
// migration asked for it (search.words).
func (s *Store) fillSearchWordsIfAsked(ctx context.Context) error {
	var v string
	err := s.db.W().QueryRowContext(ctx, `SELECT value FROM settings WHERE key = 'search.words'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read search.words: %w", err)
	}
	var last int64
	for {
		type row struct {
			id    int64
			title string
		}
		var batch []row
		rows, err := s.reader(ctx).QueryContext(ctx, `SELECT t.id, t.title FROM threads t WHERE t.id > ? AND `+visibleThread+`
			ORDER BY t.id LIMIT 2000`, last)
		if err != nil {
			return fmt.Errorf("read titles: %w", err)
		}
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.title); err != nil {
				rows.Close()
				return err
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(batch) == 0 {
			break
		}
		err = s.inQuietTx(ctx, func(tx *sql.Tx) error {
			for _, r := range batch {
				if err := search.AddTitleWords(ctx, tx, r.title); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		last = batch[len(batch)-1].id
	}
	if _, err := s.db.W().ExecContext(ctx, `DELETE FROM settings WHERE key = 'search.words'`); err != nil {
		return fmt.Errorf("clear search.words: %w", err)
	}
	return nil
}
