package handlers

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"
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
	mu sync.Mutex
	boundedMap[string, cachedPage]
	store *models.Store
	group singleflight.Group
}

type cachedPage struct {
	stamp
	body  []byte
	ctype string
	// events are what rendering the page counted; a hit counts them again.
	events []models.Event
}

func (p cachedPage) cacheSize() int { return len(p.body) }

const (
	pageCacheTTL = 10 * time.Second
	// pageCacheBytes bounds the memory the cache may hold.
	pageCacheBytes = 32 << 20
)

// cacheKey keeps only the query parameters the cacheable pages read, in a
// fixed order: "?x=1", "?x=2", … must not each store a copy of a page.
func cacheKey(r *http.Request) string {
	q := r.URL.Query()
	key := r.URL.Path
	for _, p := range []string{"q", "page", "show", "sort", "tag", "c", "solved", "tab", "period"} {
		if v, ok := q[p]; ok && len(v) > 0 {
			key += "\x00" + p + "=" + v[0]
		}
	}
	return key
}

func newPageCache(store *models.Store) *pageCache {
	return &pageCache{boundedMap: newBoundedMap[string, cachedPage](pageCacheBytes), store: store}
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
		key := cacheKey(req)
		version := pc.store.Version()
		pc.mu.Lock()
		e, ok := pc.entries[key]
		pc.mu.Unlock()
		if ok && e.current(version) {
			pc.store.CountVisit(visitorKey(c), e.events...)
			c.Response().Header().Set("X-Cache", "hit")
			c.Response().Header().Set("Cache-Control", "no-store")
			return c.Blob(http.StatusOK, e.ctype, e.body)
		}
		// Concurrent misses for one page render it once: a burst of visitors
		// to a cold, expensive page would otherwise all render it at once.
		// The version is part of the key: a request that arrives after a write
		// never joins a render that started before it.
		var ran bool  // this request was the one that rendered
		var own error // and what its handler returned
		v, err, _ := pc.group.Do(key+"\x00"+strconv.FormatUint(version, 10), func() (any, error) {
			ran = true
			rec := &recorder{ResponseWriter: c.Response().Writer}
			c.Response().Writer = rec
			err := next(c)
			own = err
			c.Response().Writer = rec.ResponseWriter
			if err != nil || c.Response().Status != http.StatusOK || rec.buf.Len() == 0 {
				return nil, errNotCached
			}
			e := cachedPage{stamp: stamp{version, time.Now()}, body: rec.buf.Bytes(), ctype: c.Response().Header().Get(echo.HeaderContentType),
				events: countedEvents(c)}
			pc.mu.Lock()
			pc.put(key, e)
			pc.mu.Unlock()
			return e, nil
		})
		if c.Response().Committed {
			return nil // this request rendered the page itself
		}
		if ran && own != nil {
			return own // its handler failed (a 404, say): that is the answer, not a reason to run it again
		}
		if err != nil {
			return next(c) // the shared render failed or was not cacheable: do it ourselves
		}
		e = v.(cachedPage)
		pc.store.CountVisit(visitorKey(c), e.events...)
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
