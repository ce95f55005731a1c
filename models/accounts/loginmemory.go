package accounts

import (
	"strings"
	"sync"
	"time"
)

// maxUnrecordedPairs bounds the failed logins kept in memory; past it they
// are all forgotten at once. Filling it takes that many failed attempts,
// each a password check and within the per-address request limit.
const maxUnrecordedPairs = 10000

// unrecordedLogins keeps, in this process's memory, the failed logins the
// database refused to record, so that the login limits hold while it
// cannot write (Authenticate). Another app server does not see them.
type unrecordedLogins struct {
	mu    sync.Mutex
	pairs map[string][]int64 // lower(username) + "\x00" + address -> failure times (unix)
	ips   map[string][]int64 // address -> failure times
}

type loginCounts struct {
	pairFails, ipFails int
	pairLast, ipFirst  int64
}

func pairKey(username, ip string) string { return strings.ToLower(username) + "\x00" + ip }

// fail remembers a failed attempt.
func (m *unrecordedLogins) fail(username, ip string, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.pairs == nil || len(m.pairs) >= maxUnrecordedPairs || len(m.ips) >= maxUnrecordedPairs {
		m.pairs, m.ips = map[string][]int64{}, map[string][]int64{}
	}
	k := pairKey(username, ip)
	m.pairs[k] = append(recent(m.pairs[k], now.Add(-LoginMemory)), now.Unix())
	m.ips[ip] = append(recent(m.ips[ip], now.Add(-LoginWindow)), now.Unix())
}

// clear forgets the pair's failures, as a correct password does.
func (m *unrecordedLogins) clear(username, ip string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.pairs, pairKey(username, ip))
}

// count is what the limits count of the pair and the address.
func (m *unrecordedLogins) count(username, ip string, now time.Time) loginCounts {
	m.mu.Lock()
	defer m.mu.Unlock()
	var c loginCounts
	if len(m.pairs) == 0 && len(m.ips) == 0 {
		return c
	}
	pair := recent(m.pairs[pairKey(username, ip)], now.Add(-LoginMemory))
	c.pairFails = len(pair)
	if len(pair) > 0 {
		c.pairLast = pair[len(pair)-1]
	}
	ips := recent(m.ips[ip], now.Add(-LoginWindow))
	c.ipFails = len(ips)
	if len(ips) > 0 {
		c.ipFirst = ips[0]
	}
	return c
}

// recent is the times after since, in order (they are kept in order).
func recent(times []int64, since time.Time) []int64 {
	s := since.Unix()
	for i, t := range times {
		if t > s {
			return times[i:]
		}
	}
	return nil
}
