package handlers

import (
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"bytes"
	"context"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/static"
	"github.com/crowdcare/crowdcare/templates"
)

// views holds every page template, parsed once at start-up: a broken
// template stops the start, not a request.
type views struct {
	pages map[string]*template.Template
}

func loadViews(assets *static.Assets, badge func(models.Role) string, avatar func(any, int) (avatarView, error)) (*views, error) {
	funcs := template.FuncMap{
		"static":    assets.URL,
		"ago":       ago,
		"isoTime":   func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"longTime":  func(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") },
		"canEdit":   models.CanEdit,
		"plural":    Plural,
		"roleBadge": badge,
		"fieldID":   func(name string) string { return "f-" + name },
		"add":       func(a, b int) int { return a + b },
		"span":      span,
		// A chart's bars start at x=100 and are at most 160 wide in a 300-wide SVG.
		"barWidth":   func(share float64) float64 { return share * 1.6 },
		"barEnd":     func(share float64) float64 { return 100 + share*1.6 + 4 },
		"pct":        func(f float64) string { return fmt.Sprintf("%.0f%%", 100*f) },
		"langName":   langName,
		"spikeHours": func() int { return int(models.SpikeWindow.Hours()) },
		"splitLines": func(s string) []string { return strings.Split(s, "\n") },
		"avatar":     avatar,
		"humanSize":  models.HumanSize,
	}
	shared := []string{"layouts/*.html", "partials/*.html"}
	pageFiles, err := fs.Glob(templates.Files, "pages/*.html")
	if err != nil {
		return nil, err
	}
	v := &views{pages: map[string]*template.Template{}}
	for _, f := range pageFiles {
		name := strings.TrimSuffix(path.Base(f), ".html")
		t, err := template.New(name).Funcs(funcs).ParseFS(templates.Files, append(shared, f)...)
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", f, err)
		}
		v.pages[name] = t
	}
	return v, nil
}

// page is what every template gets: embedded in each page's own data struct.
type page struct {
	Title       string
	Description string
	Canonical   string
	SiteName    string
	User        *models.User
	// HeldRole is the role the user holds, which this session may not
	// have proved yet (it then acts as a member's, sessionUser): the
	// header links to the pages of the role held, which ask for the proof.
	HeldRole  models.Role
	CSRF      string
	Flashes   []string
	RequestID string
	Query     string // the search box's text
	Path      string
	NoIndex   bool
	// Brand is the community's branding: names, logo, favicon, colours'
	// stylesheet, footer links. {{.Brand}} alone prints the brand name.
	Brand  brandView
	Unread int    // unread notifications, for the header
	Theme  string // the colour scheme the theme cookie forces, "" to follow the system (theme.go)
	// NavSlot stands in for the account links when a page is rendered to be
	// shared (the thread cache); they are rendered per viewer.
	NavSlot template.HTML
	// flashPosts holds, for each of Flashes, the post it was kept for (0:
	// none); the thread page shows those in their posts instead (flashAt).
	flashPosts []int64
}

// render executes a page into a buffer first, so a template error becomes a
// clean 500 page instead of half a page.
func (h *Handler) render(c echo.Context, code int, name string, data any) error {
	t, ok := h.views.pages[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	buf := h.buffers.get()
	defer h.buffers.put(buf)
	if err := t.ExecuteTemplate(buf, "base", data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	c.Response().Header().Set(echo.HeaderCacheControl, ccNoStore)
	return c.HTMLBlob(code, buf.Bytes())
}

// bufferPool reuses page buffers: growing a fresh buffer to a 60 KB thread
// page copied it over and over and kept the garbage collector busy.
type bufferPool struct{ pool sync.Pool }

func (p *bufferPool) get() *bytes.Buffer {
	if b, ok := p.pool.Get().(*bytes.Buffer); ok {
		return b
	}
	return bytes.NewBuffer(make([]byte, 0, 64<<10))
}

func (p *bufferPool) put(b *bytes.Buffer) {
	if b.Cap() > 1<<20 {
		return // a rare huge page should not pin its memory
	}
	b.Reset()
	p.pool.Put(b)
}

// page fills the common part of a page's data.
func (h *Handler) page(c echo.Context, title string) page {
	p := page{
		Title:     title,
		User:      currentUser(c),
		RequestID: c.Response().Header().Get(echo.HeaderXRequestID),
		Path:      c.Request().URL.Path,
		Query:     c.QueryParam("q"),
		Theme:     themeOf(c.Request()),
	}
	if tok, ok := c.Get("csrf").(string); ok {
		p.CSRF = tok
	}
	for _, f := range h.takeFlashes(c) {
		post, msg := splitFlash(f)
		p.Flashes, p.flashPosts = append(p.Flashes, msg), append(p.flashPosts, post)
	}
	p.Brand = h.brand(c.Request().Context())
	p.SiteName = p.Brand.Community
	if p.User != nil {
		p.HeldRole = heldRole(c, p.User)
		n, err := h.unreadCount(c.Request().Context(), p.User)
		if err != nil {
			h.log.Error("count notifications", "err", err)
		}
		p.Unread = n
	}
	return p
}

// span writes a duration as a person would say it: "45 min", "3 h 10 min", "2.5 days".
func span(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	case d < 24*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return fmt.Sprintf("%d h", h)
		}
		return fmt.Sprintf("%d h %d min", h, m)
	default:
		return fmt.Sprintf("%.1f days", d.Hours()/24)
	}
}

func ago(t time.Time) string {
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return Plural(int(d/time.Minute), "minute", "minutes") + " ago"
	case d < 24*time.Hour:
		return Plural(int(d/time.Hour), "hour", "hours") + " ago"
	case d < 30*24*time.Hour:
		return Plural(int(d/(24*time.Hour)), "day", "days") + " ago"
	}
	return t.UTC().Format("2 Jan 2006")
}

// Plural is n with its noun: "1 hour", "2 hours" (pages and the command line).
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// roleBadge is the label shown beside a name; members have none.
// Ambassadors show the badge title the admins configured.
func (h *Handler) roleBadge(r models.Role) string {
	switch r {
	case models.RoleAdmin:
		return "Admin"
	case models.RoleModerator:
		return "Moderator"
	case models.RoleAmbassador:
		return h.siteSettings(context.Background()).BadgeTitle
	case models.RoleSuperuser:
		return "Superuser"
	}
	return ""
}

// statusText is the heading of an error page.
func statusText(code int) string {
	switch code {
	case http.StatusNotFound:
		return "Page not found"
	case http.StatusForbidden:
		return "Not allowed"
	case http.StatusRequestEntityTooLarge:
		return "Too much data"
	case http.StatusTooManyRequests:
		return "Slow down"
	}
	if t := http.StatusText(code); t != "" {
		return t
	}
	return "Error"
}

// langName is a language's English name for an ISO 639-1 code, or the code.
func langName(code string) string {
	tag, err := language.Parse(code)
	if err != nil {
		return code
	}
	if name := display.English.Languages().Name(tag); name != "" {
		return name
	}
	return code
}
