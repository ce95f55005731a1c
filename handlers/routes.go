package handlers

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"github.com/crowdcare/crowdcare/models"
)

// routes is the map of the whole site, grouped by who may call it.
// Every state-changing route is a POST behind the CSRF check.
func (h *Handler) routes(e *echo.Echo) {
	e.Pre(h.answerFromCache) // most visitors' pages, before anything else (cachedfirst.go)
	e.Pre(headAsGet)         // every GET route answers HEAD (head.go)
	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{RedirectCode: http.StatusMovedPermanently}))
	e.Use(headRestored)
	// Outermost, so every response is compressed and checked (error pages too).
	e.Use(h.compressResponses)
	e.Use(guardSharedCaching)
	e.Use(requestID)
	e.Use(h.requestLog)
	e.Use(middleware.Recover())
	e.Use(h.securityHeaders)
	// Before anything that could read a body: each route's size and time.
	e.Use(h.limitBodies)
	if h.cfg.PostRate > 0 {
		e.Use(middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
			Skipper: func(c echo.Context) bool {
				return c.Request().Method == http.MethodGet || c.Request().Method == http.MethodHead
			},
			Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
				Rate: rate.Limit(h.cfg.PostRate), Burst: h.cfg.PostBurst, ExpiresIn: 10 * time.Minute,
			}),
			IdentifierExtractor: clientAddress,
			DenyHandler:         func(c echo.Context, _ string, _ error) error { return echo.ErrTooManyRequests },
		}))
	}
	// Where reads go, and the recent-write mark (recentwrite.go): before
	// the page cache, which must not answer someone who just wrote.
	e.Use(h.routeReads)
	e.Use(h.pages.middleware)
	e.Use(h.fetchMetadata)
	e.Use(h.memoRequest)
	e.Use(h.loadUser)
	e.Use(h.refuseSuspended)
	// Who may send a large body is known before the CSRF check parses it.
	e.Use(h.guardBigBodies)
	e.Use(csrfFromBodyOnly)
	e.Use(middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup:    "form:" + csrfCookie,
		CookieName:     csrfCookie,
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSecure:   h.cfg.secure(),
		CookieSameSite: http.SameSiteLaxMode,
		// A missing token is as much a refusal as a wrong one.
		ErrorHandler: func(error, echo.Context) error { return echo.ErrForbidden },
		// Mail providers send RFC 8058 one-click unsubscribes as a bare POST.
		// The signed per-user token in that URL is what proves the request, as
		// the CSRF token does elsewhere, and it can only turn emails off.
		// The colour scheme buttons are on cached visitor pages, which carry
		// no token; they only set a preference cookie (theme.go). A visitor's
		// KB vote comes from a cached page too: it needs a same-origin request
		// instead (visitorVote).
		Skipper: func(c echo.Context) bool {
			return (c.Path() == "/unsubscribe" || c.Path() == "/theme") && c.Request().Method == http.MethodPost || visitorVote(c)
		},
	}))

	// Anyone.
	e.GET("/healthz", h.showHealth)
	e.GET("/metrics", h.showMetrics)
	e.GET("/static/*", h.serveStatic)
	e.GET("/brand/:file", h.serveBrandFile)
	e.GET("/", h.showHome)
	e.GET("/c/:slug", h.showCategory)
	e.GET("/t/:id", h.showThread)
	e.GET("/t/:id/:slug", h.showThread)
	e.GET("/p/:id", h.showPost)
	e.GET("/u/:username", h.showProfile)
	// Attachments: each answers whoever may read the post that shows it.
	e.GET("/uploads/:key/thumb", h.serveUpload)
	e.GET("/uploads/:key/:name", h.serveUpload)
	// Searching is the most expensive read: limited per address.
	searchLimit := middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Limit(h.cfg.SearchRate), Burst: h.cfg.SearchBurst, ExpiresIn: 10 * time.Minute,
		}),
		Skipper:             func(echo.Context) bool { return h.cfg.SearchRate <= 0 },
		IdentifierExtractor: clientAddress,
		DenyHandler:         func(c echo.Context, _ string, _ error) error { return echo.ErrTooManyRequests },
	})
	e.GET("/search", h.showSearch, searchLimit)
	e.GET("/search/similar", h.showSimilar, searchLimit)
	e.GET("/kb", h.showKB)
	e.GET("/kb/feed.atom", h.showKBFeed)
	e.GET("/kb/:id", h.showArticle)
	e.GET("/kb/:id/:slug", h.showArticle)
	e.POST("/kb/:id/vote", h.voteArticle)
	e.GET("/sitemap.xml", h.showSitemap)
	e.GET("/robots.txt", h.showRobots)
	e.GET("/feed.atom", h.showFeed)
	e.GET("/ambassadors", h.showAmbassadors)
	e.GET("/leaderboard", h.showLeaderboard)
	e.GET("/unsubscribe", h.showUnsubscribe)
	e.POST("/unsubscribe", h.unsubscribe)
	e.GET("/register", h.showRegister)
	e.POST("/register", h.register)
	e.GET("/login", h.showLogin)
	e.POST("/login", h.login)
	e.GET("/password/forgot", h.showForgotPassword)
	e.POST("/password/forgot", h.forgotPassword)
	e.GET("/password/reset/:token", h.showResetPassword)
	e.POST("/password/reset/:token", h.resetPassword)
	// An emailed link is the proof: opening it needs no login.
	e.GET("/email/verify/:token", h.showConfirmEmail)
	e.POST("/email/verify/:token", h.confirmEmail)
	e.POST("/theme", h.setTheme)
	// Company sign-in (sso.go): 404 when it is not configured. The callback
	// is checked against the state this browser holds, not a CSRF token.
	e.POST("/sso/start", h.startSSO)
	e.GET("/sso/callback", h.ssoCallback)
	e.GET("/sso/link", h.showLinkSSO)
	e.POST("/sso/link", h.linkSSO)
	e.GET("/sso/signup", h.showSignupSSO)
	e.POST("/sso/signup", h.signupSSO)
	// The second factor of a login (twofactor.go): for a pending login, which
	// is no session yet, so these are not members' routes.
	e.GET("/login/2fa", h.showSecondFactor)
	e.POST("/login/2fa", h.passSecondFactor)
	e.POST("/login/2fa/passkey/options", h.passkeyLoginOptions)
	e.POST("/login/2fa/passkey", h.passkeyLogin)
	e.POST("/logout/pending", h.cancelPendingLogin)

	// Members. Route-level middleware, not a Group: echo's Group.Use adds
	// catch-all routes that would turn every unknown URL into a login redirect.
	member := func(method, path string, fn echo.HandlerFunc) { e.Add(method, path, fn, h.requireMember) }
	member(http.MethodPost, "/logout", h.logout)
	member(http.MethodPost, "/logout/all", h.logoutEverywhere)
	member(http.MethodPost, "/settings/password", h.changePassword)
	// Forms that post content take files (multipart, "files"): their body
	// may carry a post's worth of them, and a visitor's (a session that
	// ended while typing) is cut small but still kept (bodylimit.go).
	postForm := func(path string, fn echo.HandlerFunc) {
		h.bigBodies[routeKey(http.MethodPost, path)] = bigBody{limitNow: h.postBodyLimit, wait: uploadWait, keepsDrafts: true}
		member(http.MethodPost, path, fn)
	}
	member(http.MethodGet, "/ask", h.showAsk)
	postForm("/ask", h.createThread)
	postForm("/t/:id/answers", h.createAnswer)
	// One file for the composer's drag-and-drop and paste; JSON answers.
	h.bigBodies[routeKey(http.MethodPost, "/uploads")] = bigBody{limitNow: h.fileBodyLimit, wait: uploadWait, api: true}
	e.POST("/uploads", h.uploadFile)
	member(http.MethodPost, "/preview", h.previewMarkdown)
	member(http.MethodPost, "/p/:id/accept", h.acceptAnswer)
	member(http.MethodPost, "/p/:id/vote", h.voteAnswer)
	member(http.MethodGet, "/p/:id/edit", h.showEditPost)
	postForm("/p/:id/edit", h.editPost)
	member(http.MethodGet, "/p/:id/delete", h.showDeletePost)
	member(http.MethodPost, "/p/:id/delete", h.deletePost)
	member(http.MethodGet, "/p/:id/revisions", h.showRevisions)
	member(http.MethodGet, "/p/:id/flag", h.showFlagPost)
	member(http.MethodPost, "/p/:id/flag", h.flagPost)
	member(http.MethodPost, "/t/:id/watch", h.watchThread)
	member(http.MethodGet, "/notifications", h.showNotifications)
	member(http.MethodPost, "/notifications/read", h.readNotifications)
	member(http.MethodGet, "/settings", h.showSettings)
	member(http.MethodPost, "/settings", h.saveSettings)
	member(http.MethodPost, "/settings/ambassador", h.requestAmbassador)
	member(http.MethodPost, "/settings/profile", h.saveProfile)
	h.bigBodies[routeKey(http.MethodPost, "/settings/avatar")] = bigBody{limit: maxAvatarUpload + uploadSlack, wait: uploadWait}
	member(http.MethodPost, "/settings/avatar", h.saveAvatar)
	member(http.MethodPost, "/settings/email", h.changeEmail)
	member(http.MethodPost, "/settings/verify", h.resendVerification)
	member(http.MethodGet, "/settings/export", h.showExport)
	member(http.MethodPost, "/settings/export", h.requestExport)
	member(http.MethodGet, "/settings/export/:id", h.downloadExport)
	member(http.MethodGet, "/settings/delete", h.showDeleteAccount)
	member(http.MethodPost, "/settings/delete", h.deleteAccount)
	member(http.MethodGet, "/ambassador/verify", h.showVerifyAmbassador)
	member(http.MethodPost, "/ambassador/verify", h.verifyAmbassador)
	member(http.MethodGet, "/settings/security", h.showSecurity)
	member(http.MethodPost, "/settings/security/confirm", h.confirmSecurity)
	member(http.MethodPost, "/settings/2fa/totp/new", h.newTOTP)
	member(http.MethodPost, "/settings/2fa/totp", h.enableTOTP)
	member(http.MethodPost, "/settings/2fa/totp/off", h.disableTOTP)
	member(http.MethodPost, "/settings/2fa/recovery", h.newRecoveryCodes)
	member(http.MethodPost, "/settings/passkeys/options", h.passkeyOptions)
	member(http.MethodPost, "/settings/passkeys", h.addPasskey)
	member(http.MethodPost, "/settings/passkeys/:id/delete", h.removePasskey)

	// Staff: each route names the permission it needs (models.Role.Can is the
	// table), and its session must be proved as the settings ask: company
	// sign-in, a second factor (requireStaffAuth).
	staff := func(p models.Permission, method, path string, fn echo.HandlerFunc) {
		h.staffRoutes[routeKey(method, path)] = p
		e.Add(method, path, fn, requireUser, h.requireStaffAuth, requirePerm(p))
	}
	// Routes that take a body larger than Config.BodyLimit: its limit and
	// who may send one are checked before anything reads it (bodylimit.go).
	upload := func(p models.Permission, path string, limit int64, fn echo.HandlerFunc) {
		h.bigBodies[routeKey(http.MethodPost, path)] = bigBody{limit: limit, perm: p, wait: uploadWait}
		staff(p, http.MethodPost, path, fn)
	}
	staff(models.PermTriageFlags, http.MethodGet, "/mod/flags", h.showFlags)
	staff(models.PermTriageFlags, http.MethodPost, "/mod/flags/:id/dismiss", h.dismissFlags)
	staff(models.PermHide, http.MethodGet, "/mod/queue", h.showQueue)
	staff(models.PermHide, http.MethodPost, "/p/:id/approve", h.approvePost)
	staff(models.PermHide, http.MethodPost, "/p/:id/hide", h.hidePost)
	staff(models.PermHide, http.MethodPost, "/p/:id/unhide", h.unhidePost)
	staff(models.PermRecommend, http.MethodPost, "/p/:id/recommend", h.recommendAnswer)
	staff(models.PermLock, http.MethodPost, "/t/:id/lock", h.lockThread)
	staff(models.PermLock, http.MethodPost, "/t/:id/pin", h.pinThread)
	staff(models.PermLock, http.MethodPost, "/t/:id/duplicate", h.closeDuplicate)
	staff(models.PermMove, http.MethodPost, "/t/:id/move", h.moveThread)
	staff(models.PermSeeModLog, http.MethodGet, "/mod/log", h.showModLog)
	staff(models.PermSuspend, http.MethodGet, "/mod/users/:id", h.showModUser)
	staff(models.PermSuspend, http.MethodPost, "/mod/users/:id/suspend", h.suspendUser)
	staff(models.PermSuspend, http.MethodPost, "/mod/users/:id/unsuspend", h.unsuspendUser)
	staff(models.PermSuspend, http.MethodPost, "/mod/users/:id/spammer", h.removeSpammer)
	staff(models.PermManageRoles, http.MethodPost, "/mod/users/:id/role", h.setUserRole)
	staff(models.PermManageRoles, http.MethodPost, "/mod/users/:id/link", h.linkPlaceholder)
	staff(models.PermManageSite, http.MethodPost, "/mod/users/:id/groups", h.setUserGroup)
	staff(models.PermDeleteUsers, http.MethodPost, "/mod/users/:id/delete", h.deleteUser)
	staff(models.PermManageSite, http.MethodGet, "/admin/settings", h.showAdminSettings)
	// The settings form carries the logo and favicon: a multipart body up to
	// settingsBodyLimit, sent within a minute.
	h.bigBodies[routeKey(http.MethodPost, "/admin/settings")] = bigBody{limit: settingsBodyLimit, perm: models.PermManageSite, wait: time.Minute}
	staff(models.PermManageSite, http.MethodPost, "/admin/settings", h.saveAdminSettings)
	staff(models.PermManageSite, http.MethodPost, "/admin/categories", h.saveCategory)
	staff(models.PermManageSite, http.MethodGet, "/admin/search", h.showAdminSearch)
	staff(models.PermManageSite, http.MethodPost, "/admin/search", h.saveAdminSearch)
	staff(models.PermManageRoles, http.MethodGet, "/admin/ambassadors", h.showAdminAmbassadors)
	staff(models.PermManageSite, http.MethodGet, "/admin/uploads", h.showUploadLimits)
	staff(models.PermManageSite, http.MethodPost, "/admin/uploads", h.saveUploadLimits)
	staff(models.PermRemoveAttachments, http.MethodGet, "/p/:id/attachments", h.showPostAttachments)
	staff(models.PermRemoveAttachments, http.MethodPost, "/uploads/:key/remove", h.removeAttachment)

	staff(models.PermTriageSocial, http.MethodGet, "/mod/social", h.showSocial)
	staff(models.PermTriageSocial, http.MethodPost, "/mod/social", h.triageSocial)
	staff(models.PermTriageSocial, http.MethodGet, "/mod/social/rules", h.showRules)
	staff(models.PermTriageSocial, http.MethodPost, "/mod/social/rules", h.createRule)
	staff(models.PermTriageSocial, http.MethodPost, "/mod/social/rules/:id/off", h.deactivateRule)
	staff(models.PermTriageSocial, http.MethodGet, "/mod/social/import", h.showImport)
	upload(models.PermTriageSocial, "/mod/social/import", MaxUpload, h.uploadImport)
	staff(models.PermTriageSocial, http.MethodGet, "/mod/social/import/:id", h.showImportJob)
	staff(models.PermSeeInsights, http.MethodGet, "/insights", h.showInsights)
	staff(models.PermSeeInsights, http.MethodGet, "/insights/:chart", h.showInsightsCSV)
	staff(models.PermIncidents, http.MethodGet, "/insights/incidents/new", h.showNewIncident)
	staff(models.PermIncidents, http.MethodPost, "/insights/incidents", h.openIncident)
	staff(models.PermIncidents, http.MethodPost, "/insights/incidents/:id/close", h.closeIncident)
	staff(models.PermCurateKB, http.MethodGet, "/kb/:id/edit", h.showEditArticle)
	staff(models.PermCurateKB, http.MethodPost, "/kb/:id/edit", h.editArticle)
	staff(models.PermCurateKB, http.MethodPost, "/kb/:id/publish", h.publishArticle)
	staff(models.PermCurateKB, http.MethodPost, "/kb/:id/outdated", h.markArticleOutdated)
	staff(models.PermCurateKB, http.MethodPost, "/kb/:id/promote", h.promoteAnswer)
}

// fetchMetadata refuses state-changing requests a browser says came from
// another site, notes whether the request is same-origin (sameOriginKey,
// net/http's CrossOriginProtection: Sec-Fetch-Site, else Origin against
// Host), then hides the header from echo's CSRF middleware, which would
// otherwise accept same-origin requests without a token: every form here
// but a few named in the CSRF skipper carries a real token, and a missing
// one must be refused.
func (h *Handler) fetchMetadata(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			if req.Header.Get("Sec-Fetch-Site") == "cross-site" {
				return echo.ErrForbidden
			}
			c.Set(sameOriginKey, h.crossOrigin.Check(req) == nil)
		}
		req.Header.Del("Sec-Fetch-Site")
		return next(c)
	}
}

// sameOriginKey marks a state-changing request that CrossOriginProtection
// let through: Sec-Fetch-Site same-origin or none, or without it an Origin
// whose host is the request's (or the base URL's origin), or neither
// header (not sent by a browser's form on another site).
const sameOriginKey = "same-origin"

// visitorVote reports whether the request is a visitor's KB vote from this
// site: it needs no CSRF token. Visitors' article pages are shared (the page
// cache, and public for a CDN), so their vote form cannot carry a token; a
// request from another site is refused instead (docs/theme.md). A member's
// vote, whose form is rendered for them, still needs the token.
func visitorVote(c echo.Context) bool {
	same, _ := c.Get(sameOriginKey).(bool)
	return same && c.Path() == "/kb/:id/vote" && c.Request().Method == http.MethodPost && currentUser(c) == nil
}

// memoRequest gives each request a store memo: a page asks several times
// which private categories its viewer may not see, and reads it once.
func (h *Handler) memoRequest(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		c.SetRequest(req.WithContext(h.store.WithMemo(req.Context())))
		return next(c)
	}
}

// requestLog writes one structured line per request, with its id.
func (h *Handler) requestLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			// Let the error handler write the response now, so the status is logged.
			c.Error(err)
		}
		req, res := c.Request(), c.Response()
		took := time.Since(start)
		route := c.Path()
		h.metrics.record(route, req.Method, res.Status, took)
		h.logRequest(req.Context(), slog.LevelInfo, res.Header().Get(echo.HeaderXRequestID), req.Method, loggedPath(c), route, res.Status, res.Size, took)
		return nil
	}
}

// loggedPath is the request's path as the log shows it: a one-time link's
// secret (the :token of /password/reset/:token, /email/verify/:token) is
// left out, so the log cannot be used to reset a password.
func loggedPath(c echo.Context) string {
	if c.Param("token") == "" {
		return c.Request().URL.Path
	}
	return strings.Replace(c.Path(), ":token", "…", 1)
}
