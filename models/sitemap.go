package models

import (
	"context"
	"fmt"
	"time"
)

// SitemapEntry is one public page worth indexing.
type SitemapEntry struct {
	Path    string
	LastMod time.Time
}

// SitemapPerFile stays under the sitemap protocol's 50,000 URLs per file.
const SitemapPerFile = 45000

// SitemapEntries lists solved threads and published articles, a file's worth
// at a time, and how many there are in all.
func (s *Store) SitemapEntries(ctx context.Context, page int) ([]SitemapEntry, int, error) {
	// Only what a visitor may see: no private categories.
	const public = ` AND t.category_id NOT IN (SELECT id FROM categories WHERE group_name != '')`
	const union = `SELECT 't' AS kind, t.id AS id, t.slug AS slug, t.last_activity_at AS at FROM threads t
		WHERE ` + visibleThread + ` AND t.accepted_id IS NOT NULL` + public + `
		UNION ALL
		SELECT 'k', k.id, k.slug, k.updated_at FROM kb_articles k JOIN threads t ON t.id = k.thread_id
		WHERE k.published = 1 AND ` + visibleThread + public
	var total int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM (`+union+`)`).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count sitemap: %w", err)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT kind, id, slug, at FROM (`+union+`) ORDER BY kind DESC, id LIMIT ? OFFSET ?`,
		SitemapPerFile, (max(1, page)-1)*SitemapPerFile)
	if err != nil {
		return nil, 0, fmt.Errorf("list sitemap: %w", err)
	}
	defer rows.Close()
	var out []SitemapEntry
	for rows.Next() {
		var kind, slug string
		var id, at int64
		if err := rows.Scan(&kind, &id, &slug, &at); err != nil {
			return nil, 0, err
		}
		url := ThreadURL
		if kind == "k" {
			url = ArticleURL
		}
		out = append(out, SitemapEntry{Path: url(id, slug), LastMod: time.Unix(at, 0)})
	}
	return out, total, rows.Err()
}
