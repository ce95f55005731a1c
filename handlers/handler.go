// Package handlers is Crowdcare's web layer: it parses requests, calls the
// models and renders templates. It holds no SQL and no global state.
package handlers

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/static"
)

// Config is what the web layer needs to know about its deployment.
type Config struct {
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
	// TrustProxy takes the client address from X-Forwarded-For. Only set it
	// behind a reverse proxy that sets that header; otherwise anyone can
	// claim any address and slip past per-address limits.
	TrustProxy bool
}

func (c *Config) defaults() {
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
	sessions *sessions.CookieStore
}

// New builds the echo server with all middleware and routes.
func New(ctx context.Context, cfg Config, store *models.Store, log *slog.Logger) (*echo.Echo, error) {
	cfg.defaults()
	if _, err := url.Parse(cfg.BaseURL); err != nil {
		return nil, fmt.Errorf("base URL: %w", err)
	}
	assets, err := static.Load()
	if err != nil {
		return nil, err
	}
	v, err := loadViews(assets)
	if err != nil {
		return nil, err
	}
	h := &Handler{cfg: cfg, store: store, log: log, views: v, assets: assets}
	if h.sessions, err = h.sessionStore(ctx); err != nil {
		return nil, err
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
	return e, nil
}

// sessionStore builds the cookie store from keys made once and kept in the
// database, so a restart does not log everybody out.
func (h *Handler) sessionStore(ctx context.Context) (*sessions.CookieStore, error) {
	random := func(n int) func() ([]byte, error) {
		return func() ([]byte, error) {
			b := make([]byte, n)
			_, err := rand.Read(b)
			return b, err
		}
	}
	hashKey, err := h.store.SettingOrCreate(ctx, "session_hash_key", random(64))
	if err != nil {
		return nil, err
	}
	blockKey, err := h.store.SettingOrCreate(ctx, "session_block_key", random(32))
	if err != nil {
		return nil, err
	}
	cs := sessions.NewCookieStore(hashKey, blockKey)
	cs.Options = &sessions.Options{
		Path:     "/",
		MaxAge:   int((30 * 24 * time.Hour).Seconds()),
		HttpOnly: true,
		Secure:   h.cfg.secure(),
		SameSite: http.SameSiteLaxMode,
	}
	return cs, nil
}
