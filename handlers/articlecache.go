package handlers

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
)

// articleCache keeps each KB article as visitors see it. The page carries
// the helpful/not helpful form, so it cannot go into the page cache (the
// CSRF token is each visitor's own): it is kept rendered with a slot where
// the token goes, filled per request after the CSRF check issued the
// visitor's token as usual. Only visitors who have not voted on it, with no
// message to show, get it; entries are good while the store's version is
// unchanged and for at most pageCacheTTL, as in pageCache.
type articleCache struct {
	// mark starts a slot, as in threadCache.
	mark string
	mu   sync.Mutex
	boundedMap[int64, *articleEntry]
}

type articleEntry struct {
	stamp
	brand, badge string
	article      *models.Article
	// visible: a visitor may see it (models.CanSeeArticle with no viewer).
	visible bool
	// segs is the page with CSRF slots, by page.Theme (<html data-theme>
	// and the footer's buttons differ); absent until first rendered.
	segs map[string][]segment
	// unshareable is set once the page showed something besides the CSRF
	// slot (errNotShareable, a template bug): it is rendered per request
	// while the entry lasts, and logged once. Guarded by articleCache.mu.
	unshareable bool
	size        int
}

func (e *articleEntry) cacheSize() int { return e.size }

// articleCacheBytes bounds the rendered pages kept (about 20 KB each).
const articleCacheBytes = 8 << 20

func newArticleCache(mark string) *articleCache {
	return &articleCache{mark: mark, boundedMap: newBoundedMap[int64, *articleEntry](articleCacheBytes)}
}

// visitorArticle is the :id article for a visitor, from the cache when current.
func (h *Handler) visitorArticle(c echo.Context) (*articleEntry, error) {
	id, err := pathID(c)
	if err != nil {
		return nil, err
	}
	ctx := c.Request().Context()
	ac := h.articles
	// The branding (brand name, logo, colours, footer) as its stamp: a
	// change made by another process shows once this one reloads settings.
	brand := h.brand(ctx).stamp
	badge := h.roleBadge(models.RoleAmbassador)
	version := h.store.Version()
	ac.mu.Lock()
	e, ok := ac.entries[id]
	ac.mu.Unlock()
	if ok && e.current(version) && e.brand == brand && e.badge == badge {
		if !e.visible {
			return nil, models.ErrNotFound
		}
		return e, nil
	}
	if e, err = h.loadVisitorArticle(ctx, id); err != nil {
		return nil, err
	}
	e.version, e.brand, e.badge = version, brand, badge
	ac.mu.Lock()
	ac.put(id, e)
	ac.mu.Unlock()
	if !e.visible {
		return nil, models.ErrNotFound
	}
	return e, nil
}

func (h *Handler) loadVisitorArticle(ctx context.Context, id int64) (*articleEntry, error) {
	a, err := h.store.Article(ctx, id)
	if err != nil {
		return nil, err
	}
	e := &articleEntry{stamp: stamp{at: time.Now()}, article: a, size: 1024 + len(a.ProblemHTML) + len(a.SolutionHTML)}
	if e.visible, err = h.store.CanSeeArticle(ctx, nil, a); err != nil {
		return nil, err
	}
	return e, nil
}

// renderCachedArticle writes the article page for a visitor from the cached
// rendering, with their CSRF token put in. errNotShareable means the page
// cannot be cached: the caller renders it as usual.
func (h *Handler) renderCachedArticle(c echo.Context, e *articleEntry, p articlePage) error {
	ac := h.articles
	token := p.CSRF
	ac.mu.Lock()
	segs, refused := e.segs[p.Theme], e.unshareable
	ac.mu.Unlock()
	if refused {
		return errNotShareable
	}
	if segs == nil {
		p.CSRF = ac.mark + slotCSRF
		p.JSONLD = h.articleJSONLD(e.article)
		html, err := h.fragment("article", "base", p)
		if err != nil {
			return err
		}
		if segs, err = splitSlots(ac.mark, string(html), nil); err != nil {
			if errors.Is(err, errNotShareable) {
				h.log.Error("article page not cached", "article", e.article.ID, "err", err)
				ac.mu.Lock()
				e.unshareable = true
				ac.mu.Unlock()
			}
			return err
		}
		ac.mu.Lock()
		if ac.entries[e.article.ID] == e && e.segs[p.Theme] == nil {
			if e.segs == nil {
				e.segs = map[string][]segment{}
			}
			e.segs[p.Theme] = segs
			e.size += len(html)
			ac.grew(e.article.ID, len(html))
		}
		ac.mu.Unlock()
	}
	buf := h.buffers.get()
	defer h.buffers.put(buf)
	for _, s := range segs {
		buf.WriteString(s.html)
		if s.slot == slotCSRF {
			buf.WriteString(token)
		}
	}
	c.Response().Header().Set(echo.HeaderCacheControl, ccNoStore)
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}
