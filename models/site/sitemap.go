package site

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

// SitemapCount is how many pages the sitemap lists.
func (s *Site) SitemapCount(ctx context.Context) (int, error) {
	var total int
	if err := s.db.Primary().QueryRowContext(ctx, `SELECT COUNT(*) FROM (`+s.union+`) AS u`).Scan(&total); err != nil {
		return 0, fmt.Errorf("count sitemap: %w", err)
	}
	return total, nil
}

// SitemapEntries lists the sitemap's pages perFile at a time: file page,
// counted from 1.
func (s *Site) SitemapEntries(ctx context.Context, page, perFile int) ([]SitemapEntry, error) {
	rows, err := s.db.Primary().QueryContext(ctx, `SELECT kind, id, slug, at FROM (`+s.union+`) AS u ORDER BY kind DESC, id LIMIT ? OFFSET ?`,
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
