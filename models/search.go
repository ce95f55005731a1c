package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/crowdcare/crowdcare/models/search"
)

func (s *Store) ids(ctx context.Context, q string, args ...any) ([]int64, error) {
	return column[int64](s.reader(ctx).QueryContext(ctx, q, args...))
}

// SearchQuery is what the search page asks for.
type SearchQuery struct {
	Text       string
	SolvedOnly bool
	Category   string // slug
	Tag        string
	Page       int
	Viewer     *User // private categories are left out unless the viewer may see them
}

// SearchHit is one question found: a thread, or when it is solved and has
// a published KB article, that article (IsArticle), which stands for both.
type SearchHit = search.Hit // alias: moved to models/search

// SearchResults is a page of hits (search.Results, which says what each
// field means) with its pager.
type SearchResults struct {
	search.Results
	Paging
}

// SearchPerPage is how many hits a results page shows.
const SearchPerPage = search.PerPage

// newSearcher is the store's search (models/search) over its database,
// with what it reads of the forum, the KB and the settings.
func (s *Store) newSearcher() *search.Searcher {
	return search.New(s.db, search.Forum{Langs: s.searchLangs, Activity: s.searchActivity, Fill: s.fillHits,
		Synonyms: s.SearchSynonyms}, s.now)
}

// Search finds questions. It never fails on what a person typed.
func (s *Store) Search(ctx context.Context, q SearchQuery) (*SearchResults, error) {
	f, err := s.searchFilter(ctx, q)
	if err != nil {
		return nil, err
	}
	r, err := s.Find(ctx, q.Text, f, q.Page)
	if err != nil {
		return nil, err
	}
	res := &SearchResults{Results: *r, Paging: paging(max(1, q.Page), min(r.Matches, search.MaxHits), SearchPerPage)}
	res.More = r.Matches > search.MaxHits
	return res, nil
}

// searchFilter looks up the filters' category and tag, and the categories
// the viewer may not see. An unknown category or tag matches nothing
// rather than being ignored.
func (s *Store) searchFilter(ctx context.Context, q SearchQuery) (search.Filter, error) {
	f := search.Filter{Solved: q.SolvedOnly}
	var err error
	if f.Hidden, err = s.hiddenCategories(ctx, q.Viewer); err != nil {
		return f, err
	}
	if q.Category != "" {
		c, err := s.CategoryBySlug(ctx, q.Category)
		if errors.Is(err, ErrNotFound) {
			f.Unknown = true
			return f, nil
		}
		if err != nil {
			return f, err
		}
		f.Category = c.ID
	}
	if q.Tag != "" {
		err := s.reader(ctx).QueryRowContext(ctx, `SELECT id FROM tags WHERE name = ?`, strings.ToLower(q.Tag)).Scan(&f.Tag)
		if errors.Is(err, sql.ErrNoRows) {
			f.Unknown = true
			return f, nil
		}
		if err != nil {
			return f, fmt.Errorf("look up tag: %w", err)
		}
	}
	return f, nil
}

// Similar finds up to 5 solved questions (each once: the article when it
// has one) that share words with a title being typed, among those the
// viewer may see.
func (s *Store) Similar(ctx context.Context, title string, viewer *User) ([]SearchHit, error) {
	hidden, err := s.hiddenCategories(ctx, viewer)
	if err != nil {
		return nil, err
	}
	return s.FindSimilar(ctx, title, hidden)
}

// searchLangs lists the languages of the forum's questions (search.Forum's
// Langs). One index seek per language.
func (s *Store) searchLangs(ctx context.Context) ([]string, error) {
	return column[string](s.reader(ctx).QueryContext(ctx, `WITH RECURSIVE l(lang) AS (
			SELECT MIN(lang) FROM threads`+s.indexedBy("threads_lang")+` WHERE lang != ''
			UNION ALL
			SELECT (SELECT MIN(lang) FROM threads`+s.indexedBy("threads_lang")+` WHERE lang != '' AND lang > l.lang) FROM l WHERE l.lang IS NOT NULL
		) SELECT lang FROM l WHERE lang IS NOT NULL LIMIT 50`))
}

// searchActivity reads the candidates' last activity and helpful votes
// (search.Forum's Activity).
func (s *Store) searchActivity(ctx context.Context, ids []int64) (map[int64]search.Activity, error) {
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT t.id, t.last_activity_at, COALESCE(p.helpful_count, 0) + COALESCE(k.helpful_yes, 0)
		FROM threads t LEFT JOIN posts p ON p.id = t.accepted_id
		LEFT JOIN kb_articles k ON k.thread_id = t.id AND k.published = 1
		WHERE t.id IN (`+placeholders(len(ids))+`)`, idArgs(ids)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[int64]search.Activity, len(ids))
	for rows.Next() {
		var id int64
		var a search.Activity
		if err := rows.Scan(&id, &a.LastActivity, &a.Helpful); err != nil {
			return nil, err
		}
		out[id] = a
	}
	return out, rows.Err()
}

// fillHits adds titles, addresses, categories and dates to hits in one
// query: a question with a published article links to the article
// (search.Forum's Fill).
func (s *Store) fillHits(ctx context.Context, hits []SearchHit) error {
	ids := make([]any, len(hits))
	pos := make(map[int64]int, len(hits))
	for i, h := range hits {
		ids[i], pos[h.ThreadID] = h.ThreadID, i
	}
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT t.id, t.title, t.slug, t.accepted_id IS NOT NULL, t.last_activity_at,
		c.id, c.slug, c.name, k.id, k.title, k.slug, k.updated_at, t.lang
		FROM threads t JOIN categories c ON c.id = t.category_id
		LEFT JOIN kb_articles k ON k.thread_id = t.id AND k.published = 1
		WHERE t.id IN (`+placeholders(len(ids))+`)`, ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, at int64
		var title, slug, lang string
		var solved bool
		var cat Category
		var kID, kAt sql.NullInt64
		var kTitle, kSlug sql.NullString
		if err := rows.Scan(&id, &title, &slug, &solved, &at, &cat.ID, &cat.Slug, &cat.Name, &kID, &kTitle, &kSlug, &kAt, &lang); err != nil {
			return err
		}
		h := &hits[pos[id]]
		h.ThreadID, h.ID, h.Title, h.Solved, h.Date = id, id, title, solved, time.Unix(at, 0)
		h.Category = search.Category{ID: cat.ID, Slug: cat.Slug, Name: cat.Name, URL: cat.URL()}
		h.URL = ThreadURL(id, slug)
		h.ThreadURL = h.URL
		if lang != "en" {
			h.Lang = lang
		}
		if kID.Valid {
			h.IsArticle, h.ID, h.Title, h.Solved, h.Date = true, kID.Int64, kTitle.String, true, time.Unix(kAt.Int64, 0)
			h.URL = ArticleURL(kID.Int64, kSlug.String)
		}
	}
	return rows.Err()
}
