// Package site is the site as a whole, apart from any one domain: today its
// sitemap (what a crawler is told to index); the site settings and branding
// are to join it from models (settings.go, branding.go).
//
// It owns its SQL and takes the database layer as models hands it down:
// the reader pool (placeholders are rebound for PostgreSQL by models/db's
// connector) and, for what belongs to other domains, the small Forum
// description below, so it imports nothing of models.
package site

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Forum is what the site needs of the forum's rules: which threads a
// visitor sees (an SQL condition on threads aliased t) and the addresses of
// threads and articles.
type Forum struct {
	VisibleThread         string
	ThreadURL, ArticleURL func(id int64, slug string) string
}

// Site reads the site-wide lists. models.Store embeds one, so its methods
// are the store's.
type Site struct {
	r     *sql.DB
	forum Forum
	union string // the sitemap's pages, as SQL
}

// New is the site over the reader pool r.
func New(r *sql.DB, f Forum) *Site {
	// Every page the sitemap lists: solved threads and published articles,
	// only what a visitor may see (no private categories).
	public := ` AND t.category_id NOT IN (SELECT id FROM categories WHERE group_name != '')`
	union := `SELECT 't' AS kind, t.id AS id, t.slug AS slug, t.last_activity_at AS at FROM threads t
	WHERE ` + f.VisibleThread + ` AND t.accepted_id IS NOT NULL` + public + `
	UNION ALL
	SELECT 'k', k.id, k.slug, k.updated_at FROM kb_articles k JOIN threads t ON t.id = k.thread_id
	WHERE k.published = 1 AND ` + f.VisibleThread + public
	return &Site{r: r, forum: f, union: union}
}

// SitemapEntry is one public page worth indexing.
type SitemapEntry struct {
	Path    string
	LastMod time.Time
}

// SitemapPerFile stays under the sitemap protocol's 50,000 URLs per file.
const SitemapPerFile = 45000

// SitemapCount is how many pages the sitemap lists.
func (s *Site) SitemapCount(ctx context.Context) (int, error) {
	var total int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM (`+s.union+`) AS u`).Scan(&total); err != nil {
		return 0, fmt.Errorf("count sitemap: %w", err)
	}
	return total, nil
}

// SitemapEntries lists the sitemap's pages perFile at a time: file page,
// counted from 1.
func (s *Site) SitemapEntries(ctx context.Context, page, perFile int) ([]SitemapEntry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT kind, id, slug, at FROM (`+s.union+`) AS u ORDER BY kind DESC, id LIMIT ? OFFSET ?`,
		perFile, (max(1, page)-1)*perFile)
	if err != nil {
		return nil, fmt.Errorf("list sitemap: %w", err)
	}
	defer rows.Close()
	var out []SitemapEntry
	for rows.Next() {
		var kind, slug string
		var id, at int64
		if err := rows.Scan(&kind, &id, &slug, &at); err != nil {
			return nil, fmt.Errorf("list sitemap: %w", err)
		}
		url := s.forum.ThreadURL
		if kind == "k" {
			url = s.forum.ArticleURL
		}
		out = append(out, SitemapEntry{Path: url(id, slug), LastMod: time.Unix(at, 0)})
	}
	return out, rows.Err()
}
