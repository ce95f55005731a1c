package site

import (
	"context"
	"database/sql"
	"time"

	"github.com/crowdcare/crowdcare/models/db"
)

// Forum is what the site needs of the forum's rules: which threads a
// visitor sees (an SQL condition on threads aliased t) and the addresses of
// threads and articles.
type Forum struct {
	VisibleThread         string
	ThreadURL, ArticleURL func(id int64, slug string) string
}

// Site reads and writes the site-wide settings, assets and lists.
// models.Store embeds one, so its methods are the store's.
type Site struct {
	db       *db.DB
	now      func() time.Time
	notFound error
	forum    Forum
	union    string // the sitemap's pages, as SQL
}

// New is the site over the database d, with the store's clock, its error
// for what is not there (a 404), and the forum's rules.
func New(d *db.DB, now func() time.Time, notFound error, f Forum) *Site {
	// Every page the sitemap lists: solved threads and published articles,
	// only what a visitor may see (no private categories).
	public := ` AND t.category_id NOT IN (SELECT id FROM categories WHERE group_name != '')`
	union := `SELECT 't' AS kind, t.id AS id, t.slug AS slug, t.last_activity_at AS at FROM threads t
	WHERE ` + f.VisibleThread + ` AND t.accepted_id IS NOT NULL` + public + `
	UNION ALL
	SELECT 'k', k.id, k.slug, k.updated_at FROM kb_articles k JOIN threads t ON t.id = k.thread_id
	WHERE k.published = 1 AND ` + f.VisibleThread + public
	return &Site{db: d, now: now, notFound: notFound, forum: f, union: union}
}

// Queryer is what reading the settings needs: the primary's readers, or
// the transaction of a write that depends on them.
type Queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}
