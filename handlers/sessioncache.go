package handlers

import (
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/sessions"
)

// cookieStore is gorilla's cookie store with decoded cookies kept for a
// few seconds: checking and decoding one (HMAC, AES, gob) was a sixth of a
// member's cached thread page. Only a cookie that decoded correctly is kept,
// under its exact value, so presenting that value again proves no more than
// decoding it would; only plain values (no flashes) are kept, and each
// request gets its own copy. The session and user behind it are checked on
// every request as before (loadUser), so logging out still voids it at once.
type cookieStore struct {
	*sessions.CookieStore
	mu      sync.Mutex
	decoded map[string]decodedCookie
}

type decodedCookie struct {
	values map[any]any
	at     time.Time
}

const (
	cookieCacheTTL = 10 * time.Second
	// maxCookies bounds the cache; a few hundred bytes each.
	maxCookies = 20000
)

func newCookieStore(cs *sessions.CookieStore) *cookieStore {
	return &cookieStore{CookieStore: cs, decoded: map[string]decodedCookie{}}
}

// Get returns the request's session, decoding its cookie once per request.
func (s *cookieStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New is sessions.CookieStore.New with the decoded values kept.
func (s *cookieStore) New(r *http.Request, name string) (*sessions.Session, error) {
	ck, err := r.Cookie(name)
	if err != nil {
		return s.CookieStore.New(r, name)
	}
	s.mu.Lock()
	d, ok := s.decoded[name+"="+ck.Value]
	s.mu.Unlock()
	if ok && time.Since(d.at) < cookieCacheTTL {
		session := sessions.NewSession(s, name)
		opts := *s.Options
		session.Options = &opts
		session.IsNew = false
		for k, v := range d.values {
			session.Values[k] = v
		}
		return session, nil
	}
	session, err := s.CookieStore.New(r, name)
	if err != nil || session.IsNew || !plainValues(session.Values) {
		return session, err
	}
	values := make(map[any]any, len(session.Values))
	for k, v := range session.Values {
		values[k] = v
	}
	s.mu.Lock()
	trim(s.decoded, maxCookies)
	s.decoded[name+"="+ck.Value] = decodedCookie{values: values, at: time.Now()}
	s.mu.Unlock()
	return session, nil
}

// plainValues reports whether a copy of the map shares nothing mutable.
func plainValues(m map[any]any) bool {
	for k, v := range m {
		if _, ok := k.(string); !ok {
			return false
		}
		switch v.(type) {
		case string, int64, int, bool:
		default:
			return false
		}
	}
	return true
}
