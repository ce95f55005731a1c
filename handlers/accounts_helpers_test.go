package handlers

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/crowdcare/crowdcare/internal/testdb"
)

// outboxMail is an email the site queued, as the outbox table holds it.
type outboxMail struct {
	Kind, To, Subject, Body, State string
}

// outbox lists the emails queued to addr (any case), oldest first, read
// straight from the database as the mail worker would claim them.
func (a *testApp) outbox(addr string) []outboxMail {
	a.t.Helper()
	db := testdb.Raw(a.t, a.store.Path())
	defer db.Close()
	rows, err := db.Query(`SELECT kind, to_addr, subject, body, state FROM outbox WHERE lower(to_addr) = lower(?) ORDER BY id`, addr)
	if err != nil {
		a.t.Fatal(err)
	}
	defer rows.Close()
	var out []outboxMail
	for rows.Next() {
		var m outboxMail
		if err := rows.Scan(&m.Kind, &m.To, &m.Subject, &m.Body, &m.State); err != nil {
			a.t.Fatal(err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		a.t.Fatal(err)
	}
	return out
}

var siteLink = regexp.MustCompile(`http://forum\.test(/[^\s]+)`)

// outboxLink is the site-relative link starting with prefix in the newest
// email queued to addr that has one.
func (a *testApp) outboxLink(addr, prefix string) string {
	a.t.Helper()
	mails := a.outbox(addr)
	for i := len(mails) - 1; i >= 0; i-- {
		for _, m := range siteLink.FindAllStringSubmatch(mails[i].Body, -1) {
			if strings.HasPrefix(m[1], prefix) {
				return m[1]
			}
		}
	}
	a.t.Fatalf("no %s link in the %d emails to %s", prefix, len(mails), addr)
	return ""
}

// verifyEmail opens the verification link the welcome email to addr
// carries and confirms it, as its owner would.
func (c *client) verifyEmail(addr string) {
	c.app.t.Helper()
	link := c.app.outboxLink(addr, "/email/verify/")
	if res := c.get(link); res.Code != http.StatusOK {
		c.app.t.Fatalf("open %s: %d", link, res.Code)
	}
	if res := c.post(link, nil); res.Code != http.StatusSeeOther {
		c.app.t.Fatalf("confirm %s: %d %s", link, res.Code, res.Body)
	}
}
