package handlers

import (
	"errors"
	"fmt"
	"html/template"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
)

// A cached page is kept as segments: HTML rendered once for many viewers,
// each followed by a slot for what is the viewer's own (CSRF token, account
// links, a post with their controls), filled per request.

// skelKey is what the page around the posts shows differently to different
// viewers, besides the account links and the CSRF token. original: the
// viewer may open the thread this one duplicates (it may be private).
type skelKey struct {
	member, watching, canAccept, canAnswer, original bool
	theme                                            string // page.Theme: <html data-theme> and the footer's buttons
}

// segment is a piece of a cached page: HTML, then the slot that follows it.
type segment struct {
	html string
	slot string // "", slotCSRF, slotNav or slotPost
	post *models.Post
}

const (
	slotCSRF = "c"
	slotNav  = "n"
	slotPost = "p"
	// slotUser stands for the viewer's name: the shared part of a page must
	// not show it, and a page that does is not cached.
	slotUser = "u"
	// slotKey is the answer form's submission key, fresh for each request.
	slotKey = "k"
)

// skeletonFits reports whether the page around the posts can come from the
// cache: only the plain case (no flash, no search text, no form to show
// again, no staff tools) is kept, so the key stays small.
func (p threadPage) skeletonFits(answer form) bool {
	return !p.Staff && p.ReplyOnX == "" && len(p.Flashes) == 0 && p.Query == "" &&
		len(answer.Values) == 0 && len(answer.Errors) == 0 && p.Categories == nil && tokenSafe(p.CSRF) && tokenSafe(p.AnswerForm.Key)
}

// tokenSafe reports whether a CSRF token reads the same escaped or not, as
// echo's (letters and digits) do; the slots are filled with it as it is.
func tokenSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// renderCachedThread writes a thread page from the cached page around the
// posts and the cached posts, with the viewer's account links, controls
// and CSRF token put in.
func (h *Handler) renderCachedThread(c echo.Context, code int, e *threadEntry, p threadPage) error {
	segs, err := h.skeleton(e, skelKey{p.User != nil, p.Watching, p.CanAccept, p.CanAnswer, p.Original != nil, p.Theme}, p)
	if err != nil {
		return err
	}
	nav, err := h.accountNav(p.page)
	if err != nil {
		return err
	}
	buf := h.buffers.get()
	defer h.buffers.put(buf)
	for _, s := range segs {
		buf.WriteString(s.html)
		switch s.slot {
		case slotCSRF:
			buf.WriteString(p.CSRF)
		case slotKey:
			buf.WriteString(p.AnswerForm.Key)
		case slotNav:
			for i, part := range nav {
				if i > 0 {
					buf.WriteString(p.CSRF)
				}
				buf.WriteString(part)
			}
		case slotPost:
			parts, err := h.postParts(e, p.View(s.post))
			if err != nil {
				return err
			}
			for i, part := range parts {
				if i > 0 {
					buf.WriteString(p.CSRF)
				}
				buf.WriteString(part)
			}
		}
	}
	c.Response().Header().Set(echo.HeaderCacheControl, ccNoStore)
	return c.HTMLBlob(code, buf.Bytes())
}

// skeleton is the thread page for viewers like p with slots for the
// account links, the CSRF token and the posts, rendered once per key. A
// page that shows viewer data (a template bug) is logged and remembered on
// the entry, so later requests with the same key go straight to the page
// rendered for them alone, without rendering this one again.
func (h *Handler) skeleton(e *threadEntry, key skelKey, p threadPage) ([]segment, error) {
	tc := h.threads
	tc.mu.Lock()
	segs, ok := e.pages[key]
	refused := e.unshareable[key]
	tc.mu.Unlock()
	if ok {
		return segs, nil
	}
	if refused {
		return nil, errNotShareable
	}
	// Path is the thread's own (showThread redirects any other): the
	// footer's theme form goes back to it.
	p.CSRF, p.NavSlot, p.Unread, p.Path, p.voted = tc.mark+slotCSRF, template.HTML(tc.mark+slotNav), 0, e.thread.URL(), nil
	p.AnswerForm.Key = tc.mark + slotKey
	if p.User != nil {
		p.User = &models.User{Username: tc.mark + slotUser, Role: models.RoleMember}
	}
	p.renderPost = func(v postView) (template.HTML, error) {
		return template.HTML(tc.mark + slotPost + strconv.FormatInt(v.ID, 10) + "x"), nil
	}
	html, err := h.fragment("thread", "base", p)
	if err != nil {
		return nil, err
	}
	if segs, err = splitSlots(tc.mark, string(html), e); err != nil {
		if errors.Is(err, errNotShareable) {
			h.log.Error("thread page not cached", "thread", e.thread.ID, "err", err)
			tc.mu.Lock()
			if e.unshareable == nil {
				e.unshareable = map[skelKey]bool{}
			}
			e.unshareable[key] = true
			tc.mu.Unlock()
		}
		return nil, err
	}
	tc.add(e, func() { e.pages[key] = segs }, len(html))
	return segs, nil
}

// errNotShareable: the part of the page meant for every viewer shows
// something of the viewer's own; it is rendered per request instead.
var errNotShareable = errors.New("thread page: the shared part shows viewer data")

// splitSlots cuts a page rendered with slots into segments; e is the thread
// entry whose posts it shows, nil for a page with only CSRF slots.
func splitSlots(mark, html string, e *threadEntry) ([]segment, error) {
	chunks := strings.Split(html, mark)
	segs := make([]segment, 0, len(chunks))
	for i, ch := range chunks {
		if i == 0 {
			segs = append(segs, segment{html: ch})
			continue
		}
		prev := &segs[len(segs)-1]
		switch kind := ch[:1]; kind {
		case slotCSRF, slotNav, slotKey:
			if kind == slotNav && e == nil {
				return nil, fmt.Errorf("%w: no account links slot on this page", errNotShareable)
			}
			prev.slot = kind
			segs = append(segs, segment{html: ch[1:]})
		case slotPost:
			if e == nil {
				return nil, fmt.Errorf("%w: no posts on this page", errNotShareable)
			}
			end := strings.IndexByte(ch, 'x')
			id, err := strconv.ParseInt(ch[1:max(end, 1)], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("%w: bad post slot %q", errNotShareable, ch)
			}
			for _, post := range e.posts.All() {
				if post.ID == id {
					prev.slot, prev.post = slotPost, post
				}
			}
			if prev.post == nil {
				return nil, fmt.Errorf("%w: post %d is not on the page", errNotShareable, id)
			}
			segs = append(segs, segment{html: ch[end+1:]})
		default:
			return nil, fmt.Errorf("%w (slot %q)", errNotShareable, kind)
		}
	}
	return segs, nil
}
