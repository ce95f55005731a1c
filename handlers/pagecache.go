package handlers

import (
	"bytes"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/singleflight"

	"github.com/crowdcare/crowdcare/models"
)

// pageCache keeps rendered pages for visitors, so a thread that goes viral
// costs one render per change instead of one per view. Only visitors with no
// session cookie are served from it, only pages without forms that post (a
// cached CSRF token would be someone else's), and an entry is good while the
// store's version is unchanged (any commit in this process) and for at most
// pageCacheTTL (changes made by other processes).
type pageCache struct {
	mu      sync.Mutex
	entries map[string]cachedPage
	store   *models.Store
	group   singleflight.Group
}

type cachedPage struct {
	body    []byte
	ctype   string
	version uint64
	at      time.Time
}

const (
	pageCacheTTL = 10 * time.Second
	pageCacheMax = 5000
)

func newPageCache(store *models.Store) *pageCache {
	return &pageCache{entries: map[string]cachedPage{}, store: store}
}

// cacheableRoute lists the visitor pages that hold no posting form.
func cacheableRoute(path string) bool {
	switch path {
	case "/", "/c/:slug", "/t/:id/:slug", "/kb", "/search", "/u/:username", "/leaderboard", "/ambassadors":
		return true
	}
	return false
}

// middleware serves and fills the cache.
func (pc *pageCache) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if req.Method != http.MethodGet || !cacheableRoute(c.Path()) {
			return next(c)
		}
		if _, err := req.Cookie(sessionName); err == nil {
			return next(c) // someone with a session: never from a shared cache
		}
		key := req.URL.RequestURI()
		version := pc.store.Version()
		pc.mu.Lock()
		e, ok := pc.entries[key]
		pc.mu.Unlock()
		if ok && e.version == version && time.Since(e.at) < pageCacheTTL {
			c.Response().Header().Set("X-Cache", "hit")
			c.Response().Header().Set("Cache-Control", "no-store")
			return c.Blob(http.StatusOK, e.ctype, e.body)
		}
		// Concurrent misses for one page render it once: a burst of visitors
		// to a cold, expensive page would otherwise all render it at once.
		v, err, _ := pc.group.Do(key, func() (any, error) {
			rec := &recorder{ResponseWriter: c.Response().Writer}
			c.Response().Writer = rec
			err := next(c)
			c.Response().Writer = rec.ResponseWriter
			if err != nil || c.Response().Status != http.StatusOK || rec.buf.Len() == 0 {
				return nil, errNotCached
			}
			e := cachedPage{body: rec.buf.Bytes(), ctype: c.Response().Header().Get(echo.HeaderContentType), version: version, at: time.Now()}
			pc.mu.Lock()
			if len(pc.entries) >= pageCacheMax {
				pc.entries = map[string]cachedPage{} // simplest bound: start over
			}
			pc.entries[key] = e
			pc.mu.Unlock()
			return e, nil
		})
		if c.Response().Committed {
			return nil // this request rendered the page itself
		}
		if err != nil {
			return next(c) // the shared render failed or was not cacheable: do it ourselves
		}
		e = v.(cachedPage)
		c.Response().Header().Set("Cache-Control", "no-store")
		return c.Blob(http.StatusOK, e.ctype, e.body)
	}
}

var errNotCached = errors.New("page not cacheable")

// recorder copies what a handler writes.
type recorder struct {
	http.ResponseWriter
	buf bytes.Buffer
}

func (r *recorder) Write(b []byte) (int, error) {
	r.buf.Write(b)
	return r.ResponseWriter.Write(b)
}
