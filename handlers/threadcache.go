package handlers

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"html/template"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/crowdcare/crowdcare/models"
)

// threadCache keeps the part of a thread page that is the same for every
// viewer who sees the thread as a visitor does (members who are not staff and
// wrote none of its hidden or queued posts): the thread, its posts, its
// article, its JSON-LD, and each post's HTML for each combination of controls
// a viewer can have on it (vote state, accept, edit, flag, ...). A page is
// never cached whole: the header, the CSRF token, the watch and answer forms
// and the choice of each post's controls are made per request, so nobody gets
// another member's name, token or buttons. Entries are good while the store's
// version is unchanged (any commit in this process) and for at most
// pageCacheTTL (changes made by other processes, and "2 minutes ago").
type threadCache struct {
	mu sync.Mutex
	boundedMap[threadKey, *threadEntry]
	group singleflight.Group
	// mark starts each slot in cached HTML: the CSRF token, the account
	// links, a post. It is random, so no post or title can contain it.
	mark string
}

type threadKey struct {
	id   int64
	page int
}

// threadEntry is one page of one thread as of one store version.
type threadEntry struct {
	stamp
	// key is where the cache keeps it.
	key threadKey
	// brand (brandView.stamp) and badge are the settings the HTML was rendered with.
	brand, badge string
	thread       *models.Thread
	// threadParts.posts is nil for a hidden or queued thread: only its
	// author and staff may open it, and they see more than a visitor.
	threadParts
	// insiders wrote hidden or queued posts here: they see more than a visitor.
	insiders map[int64]bool
	size     int
	// frags holds each post's HTML split at the CSRF slot, per set of
	// controls; guarded by threadCache.mu.
	frags map[fragKey][]string
	// pages holds the page around the posts, per skelKey; guarded by threadCache.mu.
	pages map[skelKey][]segment
	// unshareable holds the skelKeys whose page around the posts showed
	// viewer data (errNotShareable): they are not rendered for the cache
	// again while the entry lasts; guarded by threadCache.mu.
	unshareable map[skelKey]bool
}

// fragKey names a post's HTML with one set of controls: the post's whole
// view with the CSRF token left out (it goes in the slot), so a field added
// to postView that depends on the viewer is part of the key without anyone
// having to remember it.
type fragKey = postView

// fragKeyOf is v's key. The body is left out too: it is the same for every
// viewer of an entry, and hashing it on each lookup would cost more than the
// rest of the key.
func fragKeyOf(v postView) fragKey {
	v.CSRF, v.BodyHTML = "", ""
	return v
}

const (
	// threadCacheBytes bounds the memory the cache may hold (roughly: the
	// posts' text and HTML, and the rendered fragments).
	threadCacheBytes = 24 << 20
)

func newThreadCache() (*threadCache, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	return &threadCache{boundedMap: newBoundedMap[threadKey, *threadEntry](threadCacheBytes),
		mark: "slot" + hex.EncodeToString(b)}, nil
}

func (e *threadEntry) cacheSize() int { return e.size }

// sharedThread returns page `page` of thread id as every plain viewer sees it,
// from the cache when it is current.
func (h *Handler) sharedThread(ctx context.Context, id int64, page int) (*threadEntry, error) {
	tc := h.threads
	// The branding (brand name, logo, colours, footer) as its stamp: a
	// change made by another process shows once this one reloads settings.
	brand := h.brand(ctx).stamp
	badge := h.roleBadge(models.RoleAmbassador)
	key := threadKey{id, page}
	// Read before loading: a write during the load leaves the entry stale.
	// The version its reads show: older while they go to a lagging replica.
	version := h.store.ReadVersion(ctx)
	if models.RecentWrite(ctx) {
		// Someone who just wrote, maybe through another server whose
		// change has not reached this one yet: neither the cached copy nor
		// a load under way, but the database (the primary) now.
		e, err := h.loadSharedThread(ctx, id, page)
		if err != nil {
			return nil, err
		}
		e.version, e.brand, e.badge = version, brand, badge
		return e, nil
	}
	tc.mu.Lock()
	e, ok := tc.entries[key]
	tc.mu.Unlock()
	if ok && e.current(version) && e.brand == brand && e.badge == badge {
		return e, nil
	}
	// Concurrent misses load it once, detached from the first request's
	// cancellation so one closed connection does not fail the others. The
	// version is in the key: a request that follows a write must not get a
	// load that started before it.
	flight := strconv.FormatInt(id, 10) + "/" + strconv.Itoa(page) + "/" + strconv.FormatUint(version, 10)
	v, err, _ := tc.group.Do(flight, func() (any, error) {
		e, err := h.loadSharedThread(context.WithoutCancel(ctx), id, page)
		if err != nil {
			return nil, err
		}
		e.version, e.brand, e.badge = version, brand, badge
		// Out-of-range pages, and a hidden or queued thread under any page
		// but the first, are not kept: any number could be asked for. What
		// is not kept takes no fragments either, or their bytes would be
		// counted against the budget with nothing ever to give them back.
		if e.posts != nil && e.posts.Page == page || e.posts == nil && page == 1 {
			tc.put(key, e)
		}
		return e, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*threadEntry), nil
}

func (h *Handler) loadSharedThread(ctx context.Context, id int64, page int) (*threadEntry, error) {
	t, err := h.store.Thread(ctx, id)
	if err != nil {
		return nil, err
	}
	e := &threadEntry{stamp: stamp{at: time.Now()}, thread: t, frags: map[fragKey][]string{}, pages: map[skelKey][]segment{}, size: 1024}
	if t.Hidden || t.Pending {
		return e, nil
	}
	if e.threadParts, err = h.loadThreadParts(ctx, t, page, nil); err != nil {
		return nil, err
	}
	if e.insiders, err = h.store.ThreadInsiders(ctx, t.ID); err != nil {
		return nil, err
	}
	// The Markdown made the description and the JSON-LD; posts are shown
	// from their HTML, so the source is not kept twice in memory.
	for _, p := range e.posts.All() {
		p.BodyMD = ""
		e.size += len(p.BodyHTML) + 256
	}
	e.size += len(e.jsonLD)
	if a := e.article; a != nil {
		e.size += len(a.Title) + len(a.ProblemMD) + len(a.ProblemHTML) + len(a.SolutionMD) + len(a.SolutionHTML) + len(a.OutdatedNote) + 256
	}
	if o := e.original; o != nil {
		e.size += len(o.Title) + len(o.Slug) + 256
	}
	return e, nil
}

// plainFor reports whether the viewer sees this thread page as it is cached.
func (e *threadEntry) plainFor(u *models.User) bool {
	return e.posts != nil && !u.Can(models.PermHide) && (u == nil || !e.insiders[u.ID])
}

// put stores an entry, dropping others while over budget.
func (tc *threadCache) put(key threadKey, e *threadEntry) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	e.key = key
	tc.boundedMap.put(key, e)
}

// postHTML is a post's HTML with the viewer's controls and CSRF token.
func (h *Handler) postHTML(e *threadEntry, v postView, csrf string) (template.HTML, error) {
	parts, err := h.postParts(e, v)
	if err != nil {
		return "", err
	}
	return template.HTML(strings.Join(parts, template.HTMLEscapeString(csrf))), nil
}

// postParts is a post's HTML with the controls in v, split where the CSRF
// token goes, rendered once per set of controls while the entry is current.
func (h *Handler) postParts(e *threadEntry, v postView) ([]string, error) {
	tc := h.threads
	key := fragKeyOf(v)
	tc.mu.Lock()
	parts, ok := e.frags[key]
	tc.mu.Unlock()
	if ok {
		return parts, nil
	}
	v.CSRF = tc.mark + slotCSRF
	html, err := h.fragment("thread", "post", v)
	if err != nil {
		return nil, err
	}
	parts = strings.Split(string(html), tc.mark+slotCSRF)
	tc.add(e, func() { e.frags[key] = parts }, len(html))
	return parts, nil
}

// add stores something rendered for an entry still in the cache.
func (tc *threadCache) add(e *threadEntry, store func(), size int) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	// An entry that left the cache, or was never kept, takes nothing more.
	if tc.entries[e.key] != e {
		return
	}
	store()
	e.size += size
	tc.grew(e.key, size)
}

// fragment renders one named template of a page's set on its own.
func (h *Handler) fragment(page, name string, data any) (template.HTML, error) {
	t, ok := h.views.pages[page]
	if !ok {
		return "", errors.New("no template " + page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		return "", err
	}
	return template.HTML(buf.String()), nil
}
