// Package handlers is Crowdcare's web layer: it parses requests, calls the
// models and renders templates. It holds no SQL and no global state.
package handlers

import (
	"context"
	"crypto/rand"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/labstack/gommon/bytes"
	"golang.org/x/time/rate"

	"github.com/crowdcare/crowdcare/exports"
	"github.com/crowdcare/crowdcare/imports"
	"github.com/crowdcare/crowdcare/media"
	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/static"
)

// Config is what the web layer needs to know about its deployment.
type Config struct {
	// Imports runs uploaded imports; nil: New makes one and runs it until
	// ctx ends.
	Imports *imports.Worker
	// Exports makes members' data exports; nil: New makes one and runs it
	// until ctx ends.
	Exports *exports.Worker
	// Uploads is where attachments and avatars are kept; nil: a directory
	// beside the database (<db>.uploads).
	Uploads *media.Storage
	// Images checks and processes uploads; nil: media's default limits.
	Images *media.Processor
	// Cleaner deletes the files of uploads the database dropped; nil: New
	// makes one and runs it until ctx ends.
	Cleaner *media.Cleaner
	// BaseURL is the public address, e.g. https://community.example.com.
	// Cookies are marked Secure when it is https.
	BaseURL string
	// SiteName appears in titles and the header.
	SiteName string
	// BodyLimit caps request bodies (echo size syntax, e.g. "1M").
	BodyLimit string
	// PostRate and PostBurst limit state-changing requests per client address;
	// zero disables the limit.
	PostRate  float64
	PostBurst int
	// SearchRate and SearchBurst limit searches per client address; zero disables.
	SearchRate  float64
	SearchBurst int
	// RegistrationsPerDay caps the accounts opened from one client address
	// in 24 hours (counted in the database, so it holds across restarts and
	// app servers); zero means DefaultRegistrationsPerDay, negative no limit.
	RegistrationsPerDay int
	// PageRate and PageBurst limit, per client address, the GETs the page
	// cache does not answer: members' pages, misses and pages it never
	// keeps (static files, /healthz and /metrics are not counted); zero
	// disables. Pages answered from the cache, fresh or expired, are free.
	PageRate  float64
	PageBurst int
	// TrustProxy takes the client address from X-Forwarded-For. Only set it
	// behind a reverse proxy that sets that header; otherwise anyone can
	// claim any address and slip past per-address limits.
	TrustProxy bool
	// SSO configures company sign-in (OpenID Connect); off without an issuer.
	SSO SSOConfig
	// MetricsToken lets a scraper outside this machine read /metrics with
	// "Authorization: Bearer <token>"; without it only localhost may.
	MetricsToken string
	// SharedMaxAge is how long browsers, reverse proxies and CDNs may keep a
	// visitor's page (Cache-Control: public, max-age); zero means
	// DefaultSharedMaxAge, negative that only the browser may keep it, and
	// must revalidate it each time. SharedStale is how long past that they
	// may serve it while they fetch it again (stale-while-revalidate); zero
	// means DefaultSharedStale, negative none. See httpcache.go.
	SharedMaxAge time.Duration
	SharedStale  time.Duration
	// Leases are the leases of the background jobs this server may run
	// (mail, the X poller...), listed by /healthz; nil: none.
	Leases LeaseHolder
}

// LeaseHolder says which leases this server holds (lease.Group).
type LeaseHolder interface {
	Holder() string
	Held() []string
}

// DefaultRegistrationsPerDay is the per-address sign-up limit unless
// Config says otherwise: enough for a household or an office, too few
// for a batch of throwaway accounts.
const DefaultRegistrationsPerDay = 10

func (c *Config) defaults() {
	if c.RegistrationsPerDay == 0 {
		c.RegistrationsPerDay = DefaultRegistrationsPerDay
	}
	if c.SharedMaxAge == 0 {
		c.SharedMaxAge = DefaultSharedMaxAge
	}
	if c.SharedStale == 0 {
		c.SharedStale = DefaultSharedStale
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://127.0.0.1:8080"
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.SiteName == "" {
		c.SiteName = "Crowdcare"
	}
	if c.BodyLimit == "" {
		// A 50,000-character body of non-Latin text, percent-encoded, is up to ~600 KB.
		c.BodyLimit = "1M"
	}
}

func (c Config) secure() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// Handler holds every dependency of the web layer.
type Handler struct {
	cfg      Config
	store    *models.Store
	log      *slog.Logger
	views    *views
	assets   *static.Assets
	sessions *cookieStore
	settings settingsCache
	metrics  *metrics
	imports  *imports.Worker
	exports  *exports.Worker
	uploads  *media.Storage
	images   *media.Processor
	cleaner  *media.Cleaner
	limits   atomic.Pointer[cachedLimits] // upload limits (uploads.go)
	pages    *pageCache
	threads  *threadCache
	viewers  *viewerCache
	// recentWrites is how long after a write a browser's pages skip the
	// caches and read from the primary (recentWriteWindow; recentwrite.go).
	recentWrites time.Duration
	buffers      bufferPool
	// crossOrigin decides whether a state-changing request came from this
	// site (fetchMetadata): what protects a visitor's KB vote.
	crossOrigin *http.CrossOriginProtection
	// securityFields are the header fields every response carries.
	securityFields []headerField
	// encoders are the pooled compressors (encoding.go); static the
	// embedded files, compressed (staticfiles.go).
	encoders encoders
	static   *staticFiles
	// bodyLimit is Config.BodyLimit in bytes; bigBodies the routes that
	// take more, by method and route path, filled once by routes.
	bodyLimit int64
	bigBodies map[string]bigBody
	// staffRoutes are the staff routes and their permissions, by method and
	// route path, filled once by routes (tests go through every one).
	staffRoutes map[string]models.Permission
	formWait    time.Duration // smallBodyWait; tests shorten it
	// sitemapPerFile is models.SitemapPerFile; tests lower it.
	sitemapPerFile int
	// darkPalette: site.css has a dark colour scheme (darkSelector), so
	// the brand colours' stylesheet sets the dark scheme's shades too.
	darkPalette bool
	// sso is company sign-in, nil when it is off; webauthn the passkeys' relying party.
	sso      *sso
	webauthn *webauthn.WebAuthn
}

// settingsCache keeps the site settings for a few seconds: every page needs
// the brand name and every ambassador's badge its title, and they change
// rarely. Each app server sees an admin's change within settingsTTL.
//
// Reading it is an atomic load: no request waits on another's database
// read while a value is cached. A stale value is served while one request
// reloads it; forgetSettings swaps in an empty entry, so the next page reads
// the saved settings and a reload begun before the save cannot put back
// what it read.
type settingsCache struct {
	cur     atomic.Pointer[cachedSettings]
	loading atomic.Bool // a request is reloading a stale value
}

type cachedSettings struct {
	value models.SiteSettings
	// brand is what pages show of value's branding, made with it.
	brand  brandView
	loaded time.Time // zero: nothing loaded since the start or the last forgetSettings
}

const settingsTTL = 10 * time.Second

// siteSettings returns the cached settings, reloading them when stale.
func (h *Handler) siteSettings(ctx context.Context) models.SiteSettings {
	return h.cachedSettings(ctx).value
}

// brand returns the branding of the cached settings.
func (h *Handler) brand(ctx context.Context) brandView { return h.cachedSettings(ctx).brand }

// siteName is the community's name: the admin's, or the --site-name flag's.
func (h *Handler) siteName(ctx context.Context) string { return h.brand(ctx).Community }

func (h *Handler) cachedSettings(ctx context.Context) *cachedSettings {
	c := &h.settings
	cur := c.cur.Load()
	has := cur != nil && !cur.loaded.IsZero()
	if has && (time.Since(cur.loaded) <= settingsTTL || !c.loading.CompareAndSwap(false, true)) {
		return cur // fresh, or stale while another request reloads it
	}
	if has {
		defer c.loading.Store(false)
	}
	s, err := h.store.SiteSettings(ctx)
	if err != nil {
		h.log.Error("load site settings", "err", err)
		if has {
			return cur
		}
		s = models.DefaultSiteSettings()
		return &cachedSettings{value: s, brand: h.newBrandView(s)}
	}
	// Kept only if the entry is still the one this read replaces.
	next := &cachedSettings{value: s, brand: h.newBrandView(s), loaded: time.Now()}
	c.cur.CompareAndSwap(cur, next)
	return next
}

// forgetSettings makes the next page read the settings again.
func (h *Handler) forgetSettings() {
	h.settings.cur.Store(&cachedSettings{})
}

// clientAddress is what per-address request limits count by: the client's
// address, an IPv6 one as its /64 (models.ThrottleAddress).
func clientAddress(c echo.Context) (string, error) {
	return models.ThrottleAddress(c.RealIP()), nil
}

// New builds the echo server with all middleware and routes.
func New(ctx context.Context, cfg Config, store *models.Store, log *slog.Logger) (*echo.Echo, error) {
	_, e, err := newHandler(ctx, cfg, store, log)
	return e, err
}

// newHandler is New, also returning the Handler for tests that look inside.
func newHandler(ctx context.Context, cfg Config, store *models.Store, log *slog.Logger) (*Handler, *echo.Echo, error) {
	cfg.defaults()
	if _, err := url.Parse(cfg.BaseURL); err != nil {
		return nil, nil, fmt.Errorf("base URL: %w", err)
	}
	assets, err := static.Load()
	if err != nil {
		return nil, nil, err
	}
	siteCSS, err := fs.ReadFile(assets.FS(), "css/site.css")
	if err != nil {
		return nil, nil, err
	}
	h := &Handler{cfg: cfg, store: store, log: log, assets: assets, recentWrites: recentWriteWindow, metrics: newMetrics(store), securityFields: makeSecurityFields(cfg.secure()),
		darkPalette: strings.Contains(string(siteCSS), darkSelector),
		viewers:     newViewerCache(), bigBodies: map[string]bigBody{}, staffRoutes: map[string]models.Permission{}, formWait: smallBodyWait, sitemapPerFile: models.SitemapPerFile}
	if h.uploads = cfg.Uploads; h.uploads == nil {
		if h.uploads, err = media.OpenStorage(ctx, store.FilesPath("uploads")); err != nil {
			return nil, nil, err
		}
	}
	// Imports' uploads and exports' archives go where the attachments are
	// when that is a bucket the servers share; the caller's own workers are
	// told so here too, before the caller runs them (after New).
	h.imports, h.exports = cfg.Imports, cfg.Exports
	ownImports, ownExports := h.imports == nil, h.exports == nil
	if ownImports {
		h.imports = imports.New(store, "", log)
	}
	if ownExports {
		h.exports = exports.New(store, "", exports.Config{SiteName: cfg.SiteName, BaseURL: cfg.BaseURL}, log)
	}
	h.imports.UseStorage(h.uploads)
	h.exports.UseStorage(h.uploads)
	if h.imports.OnDone == nil {
		h.imports.OnDone = h.metrics.countImport
	}
	if ownImports {
		go h.imports.Run(ctx)
	}
	if ownExports {
		go h.exports.Run(ctx)
	}
	if h.images = cfg.Images; h.images == nil {
		h.images = media.NewProcessor(media.Limits{})
	}
	if h.cleaner = cfg.Cleaner; h.cleaner == nil {
		h.cleaner = media.NewCleaner(store, h.uploads, 0, log)
		go h.cleaner.Run(ctx)
	}
	if h.bodyLimit, err = bytes.Parse(cfg.BodyLimit); err != nil || h.bodyLimit <= 0 {
		return nil, nil, fmt.Errorf("body limit %q: not a size like 1M", cfg.BodyLimit)
	}
	var pageLimit middleware.RateLimiterStore
	if cfg.PageRate > 0 {
		pageLimit = middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Limit(cfg.PageRate), Burst: cfg.PageBurst, ExpiresIn: 10 * time.Minute,
		})
	}
	h.pages = newPageCache(store, h.personalSession, pageLimit)
	h.pages.encoders, h.pages.log = &h.encoders, log
	h.pages.sharedCC = headerValue(makeSharedCC(cfg.SharedMaxAge, cfg.SharedStale))
	if h.static, err = loadStaticFiles(assets, &h.encoders); err != nil {
		return nil, nil, err
	}
	// Compressed in the background: start-up does not wait for Brotli's
	// strongest level, and a file asked for meanwhile is compressed then.
	go func() {
		if err := h.static.prepare(); err != nil {
			log.Error("compress static files", "err", err)
		}
	}()
	if h.threads, err = newThreadCache(); err != nil {
		return nil, nil, err
	}
	if h.crossOrigin, err = crossOriginProtection(cfg.BaseURL); err != nil {
		return nil, nil, err
	}
	avatarKey, err := store.SettingOrCreate(ctx, "avatar_key", randomBytes(32))
	if err != nil {
		return nil, nil, err
	}
	if h.views, err = loadViews(assets, h.roleBadge, avatars{key: avatarKey}.of); err != nil {
		return nil, nil, err
	}
	if h.sessions, err = h.sessionStore(ctx); err != nil {
		return nil, nil, err
	}
	if h.sso, err = newSSO(ctx, cfg.SSO); err != nil {
		return nil, nil, err
	}
	if h.webauthn, err = newWebAuthn(cfg.BaseURL, cfg.SiteName); err != nil {
		// A site served at an IP address (a trial on 127.0.0.1) has no
		// relying party WebAuthn accepts: it runs without passkeys.
		h.log.Warn("passkeys are off: WebAuthn needs the base URL to name a host, not an IP address", "base_url", cfg.BaseURL, "err", err)
		h.webauthn = nil
	}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = h.handleError
	e.IPExtractor = echo.ExtractIPDirect()
	if cfg.TrustProxy {
		e.IPExtractor = echo.ExtractIPFromXFFHeader()
	}
	h.routes(e)
	return h, e, nil
}

// crossOriginProtection trusts requests whose Origin is the base URL's as
// well as those whose Origin matches their Host: behind a proxy that does
// not pass the Host on, a browser's same-origin post still counts as such.
func crossOriginProtection(baseURL string) (*http.CrossOriginProtection, error) {
	co := http.NewCrossOriginProtection()
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("base URL: %w", err)
	}
	if u.Scheme != "" && u.Host != "" {
		if err := co.AddTrustedOrigin(u.Scheme + "://" + u.Host); err != nil {
			return nil, fmt.Errorf("base URL %q as a trusted origin: %w", baseURL, err)
		}
	}
	return co, nil
}

// randomBytes makes a secret of n random bytes, for SettingOrCreate.
func randomBytes(n int) func() ([]byte, error) {
	return func() ([]byte, error) {
		b := make([]byte, n)
		_, err := rand.Read(b)
		return b, err
	}
}

// sessionStore builds the cookie store from keys made once and kept in the
// database, so a restart does not log everybody out.
func (h *Handler) sessionStore(ctx context.Context) (*cookieStore, error) {
	hashKey, err := h.store.SettingOrCreate(ctx, "session_hash_key", randomBytes(64))
	if err != nil {
		return nil, err
	}
	blockKey, err := h.store.SettingOrCreate(ctx, "session_block_key", randomBytes(32))
	if err != nil {
		return nil, err
	}
	cs := sessions.NewCookieStore(hashKey, blockKey)
	cs.Options = &sessions.Options{
		Path:     "/",
		MaxAge:   int(models.SessionTTL.Seconds()),
		HttpOnly: true,
		Secure:   h.cfg.secure(),
		SameSite: http.SameSiteLaxMode,
	}
	return newCookieStore(cs), nil
}
