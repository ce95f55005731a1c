package handlers

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/sync/singleflight"

	"github.com/crowdcare/crowdcare/models"
)

// pageCache keeps rendered pages for visitors, so a thread that goes viral
// costs one render per change instead of one per view. Only visitors are
// served from it (personal: a request whose session names a live user or
// holds a flash message is not, whatever other cookie it sends), only pages
// without forms that post (a cached CSRF token would be someone else's), and
// an entry is good while the store's version is unchanged (any commit in
// this process) and for pageCacheTTL (changes made by other processes).
// The sitemap is the exception: the same for everybody, slow to render
// (it reads every solved thread), and read by crawlers that may keep it
// for its max-age anyway, it is kept for sitemapTTL whatever is written.
// An entry past its TTL but not its version is served for a while longer
// to everyone but the one request that renders it again, so a page that is
// slow to render (a list's count) keeps no visitor waiting when it expires.
//
// It also limits, per client address, the GETs it does not answer: members'
// pages, misses and pages it never keeps all run a handler, and a flood of
// them must not hold the server.
type pageCache struct {
	mu sync.Mutex
	boundedMap[string, cachedPage]
	// refreshing holds the keys of expired entries a request is rendering again.
	refreshing map[string]bool
	store      *models.Store
	group      singleflight.Group
	// personal reports whether a request's pages are its own (Handler.personalSession).
	personal func(echo.Context) (bool, error)
	// limit counts the GETs the cache does not answer, per address; nil: no limit.
	limit middleware.RateLimiterStore
	now   func() time.Time // the clock; tests move it on
}

type cachedPage struct {
	stamp
	body  []byte
	ctype string
	// events are what rendering the page counted; a hit counts them again.
	events []models.Event
	// cacheControl is what the render said (the sitemap's max-age); "" for no-store.
	cacheControl string
}

func (p cachedPage) cacheSize() int { return len(p.body) }

const (
	pageCacheTTL = 10 * time.Second
	// pageStaleFor is how long past its TTL an entry may be served while
	// one request renders it again: a visitor page is at most a minute old.
	pageStaleFor = 50 * time.Second
	// sitemapTTL is how long the sitemap is kept, whatever is written.
	sitemapTTL = 5 * time.Minute
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
	// A page forced into light or dark (the theme cookie) is another page:
	// <html data-theme> and the footer's pressed button differ.
	if t := themeOf(r); t != "" {
		key += "\x00theme=" + t
	}
	return key
}

func newPageCache(store *models.Store, personal func(echo.Context) (bool, error), limit middleware.RateLimiterStore) *pageCache {
	return &pageCache{boundedMap: newBoundedMap[string, cachedPage](pageCacheBytes), refreshing: map[string]bool{},
		store: store, personal: personal, limit: limit, now: time.Now}
}

// cacheableRoute lists the visitor pages that hold no posting form.
func cacheableRoute(path string) bool {
	switch path {
	case "/", "/c/:slug", "/t/:id/:slug", "/kb", "/search", "/u/:username", "/leaderboard", "/ambassadors", "/sitemap.xml":
		return true
	}
	return false
}

// sharedRoute lists the cacheable pages that are the same for everybody,
// members included: they are served from the cache whoever asks.
func sharedRoute(path string) bool { return path == "/sitemap.xml" }

// validity says what keeps a route's entry good: the store's version and
// pageCacheTTL, or for the sitemap sitemapTTL alone (version 0 throughout).
func (pc *pageCache) validity(path string) (uint64, time.Duration) {
	if path == "/sitemap.xml" {
		return 0, sitemapTTL
	}
	return pc.store.Version(), pageCacheTTL
}

// unlimitedRoute lists the GETs the per-address limit leaves alone: static
// files (a page loads several) and what monitoring polls.
func unlimitedRoute(path string) bool {
	return path == "/static/*" || path == "/healthz" || path == "/metrics"
}

// What lookup found for a request.
type pageState int

const (
	pageMissing pageState = iota // nothing usable: render it (once for concurrent requests)
	pageFresh                    // serve it
	pageStale                    // expired, and being rendered again (or this address may render no more): serve it
	pageRefresh                  // expired: this request renders it again while others get the expired copy
)

// middleware serves and fills the cache, and limits what it does not answer.
func (pc *pageCache) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if !isRead(c) || unlimitedRoute(c.Path()) {
			return next(c)
		}
		if !cacheableRoute(c.Path()) {
			return pc.uncached(c, next)
		}
		if !sharedRoute(c.Path()) {
			personal, err := pc.personal(c)
			if err != nil {
				return err
			}
			if personal {
				return pc.uncached(c, next) // a member's page, or one with a flash: never from a shared cache
			}
		}
		key := cacheKey(req)
		version, ttl := pc.validity(c.Path())
		e, state := pc.lookup(c, key, version, ttl)
		switch state {
		case pageFresh:
			return pc.serve(c, e, "hit")
		case pageStale:
			return pc.serve(c, e, "stale")
		case pageRefresh:
			kept := false
			defer func() { pc.refreshed(key, e, kept) }() // even if the handler panics
			_, kept, err := pc.fill(c, next, key, version)
			return err
		}
		if !pc.allow(c) {
			return echo.ErrTooManyRequests
		}
		// Concurrent misses for one page render it once: a burst of visitors
		// to a cold, expensive page would otherwise all render it at once.
		// The version is part of the key: a request that arrives after a write
		// never joins a render that started before it.
		var ran bool  // this request was the one that rendered
		var own error // and what its handler returned
		v, err, _ := pc.group.Do(key+"\x00"+strconv.FormatUint(version, 10), func() (any, error) {
			ran = true
			e, kept, err := pc.fill(c, next, key, version)
			own = err
			if !kept {
				return nil, errNotCached
			}
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
		return pc.serve(c, v.(cachedPage), "")
	}
}

// lookup says what to do for key: an entry of another version is never
// served; one past its ttl is rendered again by one request at a time (if
// its address may), and served to the others meanwhile.
func (pc *pageCache) lookup(c echo.Context, key string, version uint64, ttl time.Duration) (cachedPage, pageState) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	e, ok := pc.entries[key]
	if !ok || e.version != version {
		return e, pageMissing
	}
	age := pc.now().Sub(e.at)
	switch {
	case age < ttl:
		return e, pageFresh
	case age >= ttl+pageStaleFor:
		return e, pageMissing
	case pc.refreshing[key] || !pc.allow(c):
		return e, pageStale
	}
	pc.refreshing[key] = true
	return e, pageRefresh
}

// refreshed ends the refresh of the expired entry e under key. A refresh
// that kept nothing (the page is gone now, say) drops e, so nobody is
// served it any more.
func (pc *pageCache) refreshed(key string, e cachedPage, kept bool) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	delete(pc.refreshing, key)
	if cur, ok := pc.entries[key]; ok && !kept && cur.stamp == e.stamp {
		pc.remove(key, cur)
	}
}

// fill runs the handler, which writes to the client as usual, and keeps a
// copy of a whole 200 page. It returns what the handler returned.
func (pc *pageCache) fill(c echo.Context, next echo.HandlerFunc, key string, version uint64) (cachedPage, bool, error) {
	start := pc.now()
	rec := &recorder{ResponseWriter: c.Response().Writer}
	c.Response().Writer = rec
	err := next(c)
	c.Response().Writer = rec.ResponseWriter
	if err != nil || c.Response().Status != http.StatusOK || rec.buf.Len() == 0 {
		return cachedPage{}, false, err
	}
	e := cachedPage{stamp: stamp{version, start}, body: rec.buf.Bytes(), ctype: c.Response().Header().Get(echo.HeaderContentType),
		events: countedEvents(c), cacheControl: c.Response().Header().Get("Cache-Control")}
	pc.mu.Lock()
	// A render that began before a write does not replace one made after it.
	if old, ok := pc.entries[key]; !ok || old.version <= version {
		pc.put(key, e)
	}
	pc.mu.Unlock()
	return e, true, nil
}

// serve answers from a kept page; how says so in X-Cache ("" for a
// request that waited for another's render).
func (pc *pageCache) serve(c echo.Context, e cachedPage, how string) error {
	if !isHead(c) { // a monitor's HEAD is no visit
		pc.store.CountVisit(visitorKey(c), e.events...)
	}
	if how != "" {
		c.Response().Header().Set("X-Cache", how)
	}
	cc := e.cacheControl
	if cc == "" {
		cc = "no-store"
	}
	c.Response().Header().Set("Cache-Control", cc)
	return c.Blob(http.StatusOK, e.ctype, e.body)
}

// uncached runs the handler if the client's address may have another page
// the cache does not answer.
func (pc *pageCache) uncached(c echo.Context, next echo.HandlerFunc) error {
	if !pc.allow(c) {
		return echo.ErrTooManyRequests
	}
	return next(c)
}

// allow takes one of the address's uncached GETs.
func (pc *pageCache) allow(c echo.Context) bool {
	if pc.limit == nil {
		return true
	}
	key, _ := clientAddress(c)
	ok, err := pc.limit.Allow(key)
	return ok && err == nil
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
