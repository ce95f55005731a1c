package models

import "github.com/crowdcare/crowdcare/models/site"

// The sitemap lives in models/site; Store embeds a *site.Site (newSite),
// so handlers call store.SitemapCount and store.SitemapEntries as before
// (and the settings' methods: settings.go).
// These aliases keep the names handlers use.

// SitemapEntry is one public page worth indexing (site.SitemapEntry).
type SitemapEntry = site.SitemapEntry

// SitemapPerFile stays under the sitemap protocol's 50,000 URLs per file.
const SitemapPerFile = site.SitemapPerFile

// newSite is the site over the store's database layer and clock, with the
// forum's visibility rule and addresses.
func (s *Store) newSite() *site.Site {
	return site.New(s.db, s.now, ErrNotFound, site.Forum{VisibleThread: visibleThread, ThreadURL: ThreadURL, ArticleURL: ArticleURL})
}
