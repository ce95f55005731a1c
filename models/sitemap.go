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

// sitemapUnion is every page the sitemap lists: solved threads and
// published articles, only what a visitor may see (no private categories).
const sitemapUnion = `SELECT 't' AS kind, t.id AS id, t.slug AS slug, t.last_activity_at AS at FROM threads t
	WHERE ` + visibleThread + ` AND t.accepted_id IS NOT NULL` + sitemapPublic + `
	UNION ALL
	SELECT 'k', k.id, k.slug, k.updated_at FROM kb_articles k JOIN threads t ON t.id = k.thread_id
	WHERE k.published = 1 AND ` + visibleThread + sitemapPublic

const sitemapPublic = ` AND t.category_id NOT IN (SELECT id FROM categories WHERE group_name != '')`

// SitemapCount is how many pages the sitemap lists.
func (s *Store) SitemapCount(ctx context.Context) (int, error) {
	var total int
	if err := s.reader(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM (`+sitemapUnion+`) AS u`).Scan(&total); err != nil {
		return 0, fmt.Errorf("count sitemap: %w", err)
	}
	return total, nil
}

// SitemapEntries lists the sitemap's pages perFile at a time: file page,
// counted from 1.
func (s *Store) SitemapEntries(ctx context.Context, page, perFile int) ([]SitemapEntry, error) {
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT kind, id, slug, at FROM (`+sitemapUnion+`) AS u ORDER BY kind DESC, id LIMIT ? OFFSET ?`,
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
			return nil, err
		}
		url := ThreadURL
		if kind == "k" {
			url = ArticleURL
		}
		out = append(out, SitemapEntry{Path: url(id, slug), LastMod: time.Unix(at, 0)})
	}
	return out, rows.Err()
}
