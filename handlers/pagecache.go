package handlers

import (
	"bytes"
	"errors"
	"log/slog"
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
//
// Stale while refreshing: an entry that stopped being current (its TTL
// ran out, or a write moved the store's version on) is served for up to
// pageStaleFor more to everyone but the one request that renders it again,
// so a page that is slow to render (a list's count) keeps no visitor
// waiting. The writer's own next request never gets the old copy: a member
// is never served from here, and a visitor's write leaves a flash.
//
// Each entry is compressed once, when it is made (Brotli and gzip beside the
// raw bytes, all within the byte budget), and carries a strong ETag (a hash
// of its bytes) and Last-Modified, so a browser, proxy or CDN revalidates it
// for a 304 (httpcache.go says who may keep it).
//
// It also limits, per client address, the GETs it does not answer: members'
// pages, misses and pages it never keeps all run a handler, and a flood of
// them must not hold the server.
type pageCache struct {
	mu sync.Mutex
	boundedMap[string, cachedPage]
	// refreshing holds the keys of stale entries a request is rendering again.
	refreshing map[string]bool
	store      *models.Store
	group      singleflight.Group
	// personal reports whether a request's pages are its own (Handler.personalSession).
	personal func(echo.Context) (bool, error)
	// limit counts the GETs the cache does not answer, per address; nil: no limit.
	limit middleware.RateLimiterStore
	now   func() time.Time // the clock; tests move it on
	// encoders compress entries as they are made.
	encoders *encoders
	// sharedCC is the Cache-Control of a page shared caches may keep
	// (makeSharedCC); "" when the site lets none keep pages.
	sharedCC string
	log      *slog.Logger
}

type cachedPage struct {
	stamp
	enc   encodings
	ctype string
	// etags are the strong tags of the raw bytes and of each encoding
	// (encodedETag); lastModified is when the render began, in HTTP's form.
	etags        [3]string
	lastModified string
	// events are what rendering the page counted; a hit counts them again.
	events []models.Event
	// cacheControl is what the render said: a public one (the sitemap's,
	// the feeds' max-age) is kept, anything else becomes sharedCC.
	cacheControl string
}

func (p cachedPage) cacheSize() int { return p.enc.size() }

const (
	pageCacheTTL = 10 * time.Second
	// pageStaleFor is how long after it stopped being current (its TTL's
	// end, or the first write after it was rendered) an entry may be served
	// while one request renders it again.
	pageStaleFor = 10 * time.Second
	// sitemapTTL is how long the sitemap is kept, whatever is written.
	sitemapTTL = 5 * time.Minute
	// pageCacheBytes bounds the memory the cache may hold, every encoding
	// counted (compressed forms add about a fifth to the raw bytes).
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
		store: store, personal: personal, limit: limit, now: time.Now, encoders: &encoders{},
		sharedCC: makeSharedCC(DefaultSharedMaxAge, DefaultSharedStale), log: slog.New(slog.DiscardHandler)}
}

// cacheableRoute lists the visitor pages that hold no posting form.
func cacheableRoute(path string) bool {
	switch path {
	case "/", "/c/:slug", "/t/:id/:slug", "/kb", "/search", "/u/:username", "/leaderboard", "/ambassadors", "/sitemap.xml",
		"/feed.atom", "/kb/feed.atom":
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
// and branding files (a page loads several) and what monitoring polls.
func unlimitedRoute(path string) bool {
	return path == "/static/*" || path == "/brand/:file" || path == "/healthz" || path == "/metrics"
}

// What lookup found for a request.
type pageState int

const (
	pageMissing pageState = iota // nothing usable: render it (once for concurrent requests)
	pageFresh                    // serve it
	pageStale                    // out of date, and being rendered again (or this address may render no more): serve it
	pageRefresh                  // out of date: this request renders it again while others get the old copy
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
		var ran bool  // this request was the one that rendered (and answered)
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
		if ran {
			return own // answered by fill: the page, or what the handler wrote or failed with (a 404, say)
		}
		if err != nil {
			return next(c) // the shared render failed or was not cacheable: do it ourselves
		}
		return pc.serve(c, v.(cachedPage), "")
	}
}

// lookup says what to do for key. An entry past its ttl, or of an older
// version, is rendered again by one request at a time (if its address may),
// and served to the others meanwhile, for at most pageStaleFor after it
// stopped being current; later, or when when is not known, it is not served.
func (pc *pageCache) lookup(c echo.Context, key string, version uint64, ttl time.Duration) (cachedPage, pageState) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	e, ok := pc.entries[key]
	if !ok {
		return e, pageMissing
	}
	now := pc.now()
	outdated := e.at.Add(ttl)
	if e.version != version {
		written, known := pc.store.OutdatedSince(e.version)
		if !known {
			return e, pageMissing
		}
		if written.Before(outdated) {
			outdated = written
		}
	} else if now.Before(outdated) {
		return e, pageFresh
	}
	switch {
	case now.Sub(outdated) >= pageStaleFor:
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

// fill runs the handler with its response held back, keeps a whole 200
// page (compressed once in each encoding) and answers the request from it;
// anything else is sent as the handler wrote it. It returns what the
// handler returned.
func (pc *pageCache) fill(c echo.Context, next echo.HandlerFunc, key string, version uint64) (cachedPage, bool, error) {
	start := pc.now()
	res := c.Response()
	rec := &recorder{ResponseWriter: res.Writer}
	res.Writer = rec
	err := next(c)
	res.Writer = rec.ResponseWriter
	if err != nil || rec.code != http.StatusOK || rec.buf.Len() == 0 {
		return cachedPage{}, false, rec.release(err)
	}
	raw := bytes.Clone(rec.buf.Bytes()) // kept at its size, not the buffer's
	ctype := res.Header().Get(echo.HeaderContentType)
	enc, cerr := pc.encoders.encodeAll(raw, ctype, brotliOnce, gzipOnce)
	if cerr != nil {
		pc.log.Error("compress cached page", "path", c.Request().URL.Path, "err", cerr)
		enc = encodings{raw: raw}
	}
	e := cachedPage{stamp: stamp{version, start}, enc: enc, ctype: ctype, lastModified: start.UTC().Format(http.TimeFormat),
		events: countedEvents(c), cacheControl: res.Header().Get(echo.HeaderCacheControl)}
	etag := contentETag(raw)
	for _, en := range []encoding{identity, gzipped, brotlied} {
		e.etags[en] = encodedETag(etag, en)
	}
	pc.mu.Lock()
	// A render that began before a write does not replace one made after it.
	if old, ok := pc.entries[key]; !ok || old.version <= version {
		pc.put(key, e)
	}
	pc.mu.Unlock()
	// What the handler wrote went to rec only: the answer is sent from e.
	res.Committed, res.Size = false, 0
	return e, true, pc.serve(c, e, "")
}

// serve answers from a kept page: a 304 when the client's copy is current,
// else the body in the best encoding it accepts. how says so in X-Cache (""
// for the render itself and a request that waited for it).
func (pc *pageCache) serve(c echo.Context, e cachedPage, how string) error {
	if !isHead(c) { // a monitor's HEAD is no visit
		pc.store.CountVisit(visitorKey(c), e.events...)
	}
	req, hdr := c.Request(), c.Response().Header()
	if how != "" {
		hdr.Set("X-Cache", how)
	}
	body, enc := e.enc.pick(req.Header.Get(echo.HeaderAcceptEncoding))
	etag := e.etags[enc]
	hdr.Set(echo.HeaderCacheControl, pc.cacheControl(req, e))
	hdr.Set("ETag", etag)
	hdr.Set(echo.HeaderLastModified, e.lastModified)
	if e.enc.compressed() {
		addVary(hdr, echo.HeaderAcceptEncoding)
	}
	// A member's request gets another page; a shared cache that keeps
	// this one must not answer them with it.
	addVary(hdr, echo.HeaderCookie)
	keepEncoding(c) // sent as chosen here, not compressed again
	if notModified(req, etag, e.at) {
		return c.NoContent(http.StatusNotModified)
	}
	if enc != identity {
		hdr.Set(echo.HeaderContentEncoding, enc.token())
	}
	hdr.Set(echo.HeaderContentLength, strconv.Itoa(len(body)))
	return c.Blob(http.StatusOK, e.ctype, body)
}

// cacheControl says who may keep a cached page: shared caches, unless the
// request sends a cookie that makes its answer its own (httpcache.go) or
// the site lets none keep pages; then the browser alone, revalidating.
func (pc *pageCache) cacheControl(req *http.Request, e cachedPage) string {
	switch {
	case sendsPrivateCookie(req):
		return ccPrivateRevalidate
	case isPublic(e.cacheControl):
		return e.cacheControl
	case pc.sharedCC != "":
		return pc.sharedCC
	}
	return ccPrivateRevalidate
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

// recorder holds what a handler writes, for fill to keep or release.
type recorder struct {
	http.ResponseWriter
	code int // 0: nothing written
	buf  bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return r.buf.Write(b)
}

// release sends what the handler wrote, as it wrote it; err is what the
// handler returned (when it wrote nothing, the error handler answers).
func (r *recorder) release(err error) error {
	if r.code == 0 {
		return err
	}
	r.ResponseWriter.WriteHeader(r.code)
	if _, werr := r.ResponseWriter.Write(r.buf.Bytes()); werr != nil && err == nil {
		return werr
	}
	return err
}
