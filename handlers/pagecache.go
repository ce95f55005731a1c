package handlers

import (
	"bytes"
	"context"
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
// served from it (personal: a request whose session names a live user,
// holds a flash message or, on a KB article, a voter id is not, whatever
// other cookie it sends), only pages whose forms carry no CSRF token (it
// would be someone else's; fill refuses a page that has one), and
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
	boundedMap[string, *cachedPage]
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
	// (makeSharedCC); nil when the site lets none keep pages.
	sharedCC []string
	log      *slog.Logger
	// rendering, when set, is called as a render for the cache begins
	// (tests hold it there).
	rendering func(key string)
}

type cachedPage struct {
	stamp
	// route is the route it was rendered for (echo's c.Path()): what keeps
	// it good (validity), and the metrics' label when answerFromCache
	// serves it before routing.
	route string
	enc   encodings
	ctype string
	// heads are the header fields of each encoding's answer, made once
	// (pageHead); Last-Modified is when the render began (stamp.at).
	heads [3]pageHead
	// events are what rendering the page counted; a hit counts them again.
	events []models.Event
	// cacheControl is what the render said: a public one (the sitemap's,
	// the feeds' max-age) is kept, anything else becomes sharedCC.
	cacheControl []string
}

// pageHead is what a cached page's answer in one encoding says besides
// Cache-Control: the fields of the 200 (Content-Type, Content-Length,
// Content-Encoding, ETag, Last-Modified, Vary) and of the 304 (ETag,
// Last-Modified, Vary, as RFC 9110 15.4.5 asks). Each value is a slice of
// its own, never appended to in place (cap == len), so a hit sets them all
// without formatting or allocating anything.
type pageHead struct {
	etag       string
	ok, notMod []headerField
}

// headerField is one header field, its value ready for an http.Header.
type headerField struct {
	name  string
	value []string
}

// setFields puts fields in hdr, each in place of what it held.
func setFields(hdr http.Header, fields []headerField) {
	for _, f := range fields {
		hdr[f.name] = f.value
	}
}

// field makes a header field of one value.
func field(name, value string) headerField {
	return headerField{http.CanonicalHeaderKey(name), []string{value}}
}

// makeHeads makes the header fields of e's answers, once per entry.
func (e *cachedPage) makeHeads() {
	etag := contentETag(e.enc.raw)
	lm := e.at.UTC().Format(http.TimeFormat)
	vary := []string{echo.HeaderCookie}
	if e.enc.compressed() {
		vary = []string{echo.HeaderAcceptEncoding, echo.HeaderCookie}
	}
	for _, en := range []encoding{identity, gzipped, brotlied} {
		body := e.enc.of(en)
		if body == nil {
			continue
		}
		tag := encodedETag(etag, en)
		common := []headerField{field("ETag", tag), field(echo.HeaderLastModified, lm), {echo.HeaderVary, vary}}
		ok := append([]headerField{field(echo.HeaderContentType, e.ctype), field(echo.HeaderContentLength, strconv.Itoa(len(body)))}, common...)
		if en != identity {
			ok = append(ok, field(echo.HeaderContentEncoding, en.token()))
		}
		e.heads[en] = pageHead{etag: tag, ok: ok, notMod: common}
	}
}

func (p *cachedPage) cacheSize() int { return p.enc.size() }

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
	key := r.URL.Path
	if r.URL.RawQuery != "" {
		q := r.URL.Query()
		for _, p := range []string{"q", "page", "show", "sort", "tag", "c", "solved", "tab", "period"} {
			if v, ok := q[p]; ok && len(v) > 0 {
				key += "\x00" + p + "=" + v[0]
			}
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
	return &pageCache{boundedMap: newBoundedMap[string, *cachedPage](pageCacheBytes), refreshing: map[string]bool{},
		store: store, personal: personal, limit: limit, now: time.Now, encoders: &encoders{},
		sharedCC: headerValue(makeSharedCC(DefaultSharedMaxAge, DefaultSharedStale)), log: slog.New(slog.DiscardHandler)}
}

// cacheableRoute lists the visitor pages whose forms carry no token (the
// KB article's vote form takes none from a visitor: visitorVote).
func cacheableRoute(path string) bool {
	switch path {
	case "/", "/c/:slug", "/t/:id/:slug", "/kb", "/kb/:id/:slug", "/search", "/u/:username", "/leaderboard", "/ambassadors",
		"/sitemap.xml", "/feed.atom", "/kb/feed.atom":
		return true
	}
	return false
}

// sharedRoute lists the cacheable pages that are the same for everybody,
// members included: they are served from the cache whoever asks.
func sharedRoute(path string) bool { return path == "/sitemap.xml" }

// validity says what keeps a route's entry good: the store's version and
// pageCacheTTL, or for the sitemap sitemapTTL alone (version 0 throughout).
// The version is the one the request's reads show (models.Store.ReadVersion):
// older than the store's while they go to a lagging replica, so that a page
// rendered from it is not taken for current.
func (pc *pageCache) validity(ctx context.Context, path string) (uint64, time.Duration) {
	if path == "/sitemap.xml" {
		return 0, sitemapTTL
	}
	return pc.store.ReadVersion(ctx), pageCacheTTL
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
// (answerFromCache has answered most hits already, before routing.)
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
		version, ttl := pc.validity(req.Context(), c.Path())
		e, state := pc.lookup(c, key, version, ttl)
		switch state {
		case pageFresh:
			return pc.serve(c, e, hitFresh)
		case pageStale:
			return pc.serve(c, e, hitStale)
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
		return pc.serve(c, v.(*cachedPage), nil)
	}
}

// outdated says when e stopped being current, for entries that are good
// while the version is version and for ttl: fresh when it has not, known
// false when that cannot be told (written at a version older than the
// store remembers).
func (pc *pageCache) outdated(e *cachedPage, version uint64, ttl time.Duration, now time.Time) (since time.Time, fresh, known bool) {
	since = e.at.Add(ttl)
	if e.version == version {
		return since, now.Before(since), true
	}
	written, known := pc.store.OutdatedSince(e.version)
	if !known {
		return since, false, false
	}
	if written.Before(since) {
		since = written
	}
	return since, false, true
}

// lookup says what to do for key. An entry past its ttl, or of an older
// version, is rendered again by one request at a time (if its address may),
// and served to the others meanwhile, for at most pageStaleFor after it
// stopped being current; later, or when when is not known, it is not served.
func (pc *pageCache) lookup(c echo.Context, key string, version uint64, ttl time.Duration) (*cachedPage, pageState) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	e, ok := pc.entries[key]
	if !ok {
		return nil, pageMissing
	}
	now := pc.now()
	since, fresh, known := pc.outdated(e, version, ttl, now)
	switch {
	case fresh:
		return e, pageFresh
	case !known || now.Sub(since) >= pageStaleFor:
		return e, pageMissing
	case pc.refreshing[key] || !pc.allow(c):
		return e, pageStale
	}
	pc.refreshing[key] = true
	return e, pageRefresh
}

// current is the entry under key when it may be served as it is, without
// routing or asking anything of the request but its key: fresh, or out of
// date (for less than pageStaleFor) while another request renders it again.
// Anything else is for middleware to decide.
func (pc *pageCache) current(key string) (*cachedPage, []string, bool) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	e, ok := pc.entries[key]
	if !ok {
		return nil, nil, false
	}
	version, ttl := pc.validity(context.Background(), e.route) // before routing: Version
	now := pc.now()
	since, fresh, known := pc.outdated(e, version, ttl, now)
	switch {
	case fresh:
		return e, hitFresh, true
	case known && now.Sub(since) < pageStaleFor && pc.refreshing[key]:
		return e, hitStale, true
	}
	return nil, nil, false
}

// refreshed ends the refresh of the expired entry e under key. A refresh
// that kept nothing (the page is gone now, say) drops e, so nobody is
// served it any more.
func (pc *pageCache) refreshed(key string, e *cachedPage, kept bool) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	delete(pc.refreshing, key)
	if cur, ok := pc.entries[key]; ok && !kept && cur == e {
		pc.remove(key, cur)
	}
}

// fill runs the handler with its response held back, keeps a whole 200
// page (compressed once in each encoding) and answers the request from it;
// anything else is sent as the handler wrote it. It returns what the
// handler returned.
func (pc *pageCache) fill(c echo.Context, next echo.HandlerFunc, key string, version uint64) (*cachedPage, bool, error) {
	start := pc.now()
	if pc.rendering != nil {
		pc.rendering(key)
	}
	res := c.Response()
	rec := &recorder{ResponseWriter: res.Writer}
	res.Writer = rec
	err := next(c)
	res.Writer = rec.ResponseWriter
	if err != nil || rec.code != http.StatusOK || rec.buf.Len() == 0 {
		return nil, false, rec.release(err)
	}
	if bytes.Contains(rec.buf.Bytes(), csrfField) {
		// A form with this request's token (a template bug): handing it to
		// every visitor would hand them this one's token. Sent, not kept.
		pc.log.Error("page with a CSRF token not cached", "path", c.Request().URL.Path)
		return nil, false, rec.release(err)
	}
	raw := bytes.Clone(rec.buf.Bytes()) // kept at its size, not the buffer's
	ctype := res.Header().Get(echo.HeaderContentType)
	enc, cerr := pc.encoders.encodeAll(raw, ctype, brotliOnce, gzipOnce)
	if cerr != nil {
		pc.log.Error("compress cached page", "path", c.Request().URL.Path, "err", cerr)
		enc = encodings{raw: raw}
	}
	e := &cachedPage{stamp: stamp{version, start}, route: c.Path(), enc: enc, ctype: ctype,
		events: countedEvents(c)}
	if cc := res.Header().Get(echo.HeaderCacheControl); isPublic(cc) {
		e.cacheControl = []string{cc}
	}
	e.makeHeads()
	pc.mu.Lock()
	// A render that began before a write does not replace one made after it.
	if old, ok := pc.entries[key]; !ok || old.version <= version {
		pc.put(key, e)
	}
	pc.mu.Unlock()
	// What the handler wrote went to rec only: the answer is sent from e.
	res.Committed, res.Size = false, 0
	return e, true, pc.serve(c, e, nil)
}

// X-Cache says how a page came from the cache (nothing: rendered for this
// request, or by one it waited for).
var (
	hitFresh = []string{"hit"}
	hitStale = []string{"stale"}
)

// serve answers from a kept page (through the middleware: the encoding is
// the one chosen here, not compressResponses').
func (pc *pageCache) serve(c echo.Context, e *cachedPage, how []string) error {
	keepEncoding(c)
	_, err := pc.answer(c, e, how)
	return err
}

// answer sends a kept page: a 304 when the client's copy is current, else
// the body in the best encoding it accepts; it counts the visit. It returns
// the status sent.
func (pc *pageCache) answer(c echo.Context, e *cachedPage, how []string) (int, error) {
	req, res := c.Request(), c.Response()
	if !isHead(c) { // a monitor's HEAD is no visit
		pc.store.CountVisit(visitorKey(c), e.events...)
	}
	body, enc := e.enc.pick(req.Header.Get(echo.HeaderAcceptEncoding))
	head := &e.heads[enc]
	hdr := res.Header()
	if how != nil {
		hdr["X-Cache"] = how
	}
	hdr[echo.HeaderCacheControl] = pc.cacheControl(req, e)
	if notModified(req, head.etag, e.at) {
		setFields(hdr, head.notMod)
		res.WriteHeader(http.StatusNotModified)
		return http.StatusNotModified, nil
	}
	setFields(hdr, head.ok)
	res.WriteHeader(http.StatusOK)
	_, err := res.Write(body)
	return http.StatusOK, err
}

// cacheControl says who may keep a cached page: shared caches, unless the
// request sends a cookie that makes its answer its own (httpcache.go) or
// the site lets none keep pages; then the browser alone, revalidating.
func (pc *pageCache) cacheControl(req *http.Request, e *cachedPage) []string {
	switch {
	case sendsPrivateCookie(req):
		return ccPrivateRevalidateValue
	case e.cacheControl != nil:
		return e.cacheControl
	case pc.sharedCC != nil:
		return pc.sharedCC
	}
	return ccPrivateRevalidateValue
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

// csrfField starts the CSRF token's form field (the "csrf" template).
var csrfField = []byte(`name="` + csrfCookie + `"`)

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
