package handlers

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/crowdcare/crowdcare/models"
)

// viewerCache keeps what every page of a logged-in member asks about them:
// their account row (role, suspension, session epoch) with the sessions
// found live beside it, their unread count, and per thread page their votes
// and whether they watch it. An entry is good while the store's version is
// unchanged, so logging out (everywhere), a password change, a suspension
// or a role change made through this server applies to the very next
// request; changes made by another process (another app server, the
// command line) apply within viewerTTL. It is one member's own data, looked
// up by their id: nothing in it is shared between viewers.
type viewerCache struct {
	mu      sync.Mutex
	users   map[int64]*viewerState
	threads map[viewerThreadKey]*viewerThread
}

type viewerState struct {
	version uint64
	at      time.Time
	user    models.User
	// sessions are the session ids found live under this version, with
	// when each expires.
	sessions map[string]time.Time
	unread   int
	// hasUnread is set once unread was counted for this version.
	hasUnread bool
	// nav is the account links for unread, split where the CSRF token goes.
	nav []string
}

type viewerThreadKey struct {
	user, thread int64
	page         int
}

type viewerThread struct {
	version  uint64
	at       time.Time
	watching bool
	voted    map[int64]bool
	flagged  map[int64]bool // posts the viewer has an open flag on
}

const (
	viewerTTL = time.Second
	// maxViewers bounds each map; a few hundred bytes an entry.
	maxViewers = 20000
	// maxViewerSessions bounds the live sessions kept beside one account.
	maxViewerSessions = 32
)

func newViewerCache() *viewerCache {
	return &viewerCache{users: map[int64]*viewerState{}, threads: map[viewerThreadKey]*viewerThread{}}
}

func fresh(version, now uint64, at time.Time) bool {
	return version == now && time.Since(at) < viewerTTL
}

// viewer loads the user with id whose session sid is live, from the cache
// when current; models.ErrNotFound when the session is ended, expired or
// not the user's. Finding a new session costs the one query that loading
// the account row took before: the store reads both together. The caller
// gets its own copy.
func (h *Handler) viewer(ctx context.Context, id int64, sid string) (*models.User, error) {
	vc := h.viewers
	// SessionUser reads from the primary, at the current version.
	version := h.store.Version()
	vc.mu.Lock()
	s, ok := vc.users[id]
	if ok && fresh(s.version, version, s.at) && !models.RecentWrite(ctx) {
		if expires, live := s.sessions[sid]; live && h.store.Now().Before(expires) {
			u := s.user
			vc.mu.Unlock()
			return &u, nil
		}
	}
	vc.mu.Unlock()
	u, expires, err := h.store.SessionUser(ctx, sid)
	if err != nil {
		return nil, err
	}
	if u.ID != id {
		return nil, models.ErrNotFound
	}
	vc.mu.Lock()
	if s, ok := vc.users[id]; ok && fresh(s.version, version, s.at) && s.user == *u {
		trim(s.sessions, maxViewerSessions)
		s.sessions[sid] = expires
	} else {
		trim(vc.users, maxViewers)
		vc.users[id] = &viewerState{version: version, at: time.Now(), user: *u, sessions: map[string]time.Time{sid: expires}}
	}
	vc.mu.Unlock()
	return u, nil
}

// unreadCount is the user's unread notifications, from the cache when current.
func (h *Handler) unreadCount(ctx context.Context, u *models.User) (int, error) {
	vc := h.viewers
	version := h.store.ReadVersion(ctx)
	vc.mu.Lock()
	s, ok := vc.users[u.ID]
	if ok && s.hasUnread && fresh(s.version, version, s.at) && !models.RecentWrite(ctx) {
		n := s.unread
		vc.mu.Unlock()
		return n, nil
	}
	vc.mu.Unlock()
	n, err := h.store.UnreadCount(ctx, u.ID)
	if err != nil {
		return 0, err
	}
	vc.mu.Lock()
	// Only beside the account row it was read with: a count must not
	// outlive the version it was read under.
	if s, ok := vc.users[u.ID]; ok && s.version == version {
		s.unread, s.hasUnread = n, true
	}
	vc.mu.Unlock()
	return n, nil
}

// viewerOnThread is whether the user watches the thread and which of the
// posts they voted for or flagged, from the cache when current.
func (h *Handler) viewerOnThread(ctx context.Context, u *models.User, threadID int64, page int, posts []*models.Post) (*viewerThread, error) {
	vc := h.viewers
	key := viewerThreadKey{u.ID, threadID, page}
	version := h.store.ReadVersion(ctx)
	vc.mu.Lock()
	s, ok := vc.threads[key]
	vc.mu.Unlock()
	if ok && fresh(s.version, version, s.at) && !models.RecentWrite(ctx) {
		return s, nil
	}
	ids := make([]int64, len(posts))
	for i, p := range posts {
		ids[i] = p.ID
	}
	s = &viewerThread{version: version, at: time.Now()}
	var err error
	if s.voted, err = h.store.VotedPosts(ctx, u.ID, ids); err != nil {
		return nil, err
	}
	if s.watching, err = h.store.Watching(ctx, u.ID, threadID); err != nil {
		return nil, err
	}
	if s.flagged, err = h.store.FlaggedPosts(ctx, u.ID, ids); err != nil {
		return nil, err
	}
	vc.mu.Lock()
	trim(vc.threads, maxViewers)
	vc.threads[key] = s
	vc.mu.Unlock()
	return s, nil
}

// trim makes room for one more entry, dropping arbitrary ones (map order
// is random) when full.
func trim[K comparable, V any](m map[K]V, limit int) {
	for k := range m {
		if len(m) < limit {
			return
		}
		delete(m, k)
	}
}

// accountNav is the header's account links for the page's viewer, split
// where the CSRF token goes; a member's are kept beside their account row.
func (h *Handler) accountNav(p page) ([]string, error) {
	mark := h.threads.mark + slotCSRF
	vc := h.viewers
	version := h.store.Version()
	if p.User != nil {
		vc.mu.Lock()
		s, ok := vc.users[p.User.ID]
		if ok && s.nav != nil && s.hasUnread && s.unread == p.Unread && fresh(s.version, version, s.at) && s.user == *p.User {
			nav := s.nav
			vc.mu.Unlock()
			return nav, nil
		}
		vc.mu.Unlock()
	}
	p.CSRF = mark
	html, err := h.fragment("thread", "account-nav", p)
	if err != nil {
		return nil, err
	}
	nav := strings.Split(string(html), mark)
	if p.User != nil {
		vc.mu.Lock()
		if s, ok := vc.users[p.User.ID]; ok && s.version == version && s.hasUnread && s.unread == p.Unread && s.user == *p.User {
			s.nav = nav
		}
		vc.mu.Unlock()
	}
	return nav, nil
}
