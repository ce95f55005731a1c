package db

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Rebind turns SQLite's placeholders into PostgreSQL's: each "?" becomes the
// next "$N" (one past the largest number so far, as SQLite counts), and a
// numbered "?N" becomes "$N". Placeholders inside string
// literals, quoted identifiers and comments are left alone.
func Rebind(q string) string {
	if v, ok := rebound.Load(q); ok {
		return v.(string)
	}
	out := rebind(q)
	// Statements are constants, or built from a handful of shapes (a list of
	// n ids); stop remembering if something builds them without bound.
	if reboundCount.Add(1) <= maxRebound {
		rebound.Store(q, out)
	}
	return out
}

var (
	rebound      sync.Map // query -> rebound query
	reboundCount atomic.Int64
)

const maxRebound = 8192

func rebind(q string) string {
	if !strings.ContainsRune(q, '?') {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			// A literal or quoted identifier; a doubled quote inside is an escape.
			j := i + 1
			for j < len(q) {
				if q[j] == c {
					if j+1 < len(q) && q[j+1] == c {
						j += 2
						continue
					}
					break
				}
				j++
			}
			if j >= len(q) {
				j = len(q) - 1
			}
			b.WriteString(q[i : j+1])
			i = j
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				b.WriteString(q[i:])
				return b.String()
			}
			b.WriteString(q[i : i+j+1])
			i += j
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			j := strings.Index(q[i+2:], "*/")
			if j < 0 {
				b.WriteString(q[i:])
				return b.String()
			}
			b.WriteString(q[i : i+2+j+2])
			i += 2 + j + 1
		case c == '?':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			b.WriteByte('$')
			if j > i+1 {
				// As SQLite numbers them: a bare "?" after "?N" is the
				// largest number so far plus one.
				if k, err := strconv.Atoi(q[i+1 : j]); err == nil && k > n {
					n = k
				}
				b.WriteString(q[i+1 : j])
				i = j - 1
			} else {
				n++
				b.WriteString(strconv.Itoa(n))
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
