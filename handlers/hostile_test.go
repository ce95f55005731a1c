package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/crowdcare/crowdcare/models"
)

// hostileValues are what attackers and broken clients send.
func hostileValues() []string {
	return []string{`' OR '1'='1`, `"; DROP TABLE users; --`, `1; DELETE FROM posts`, `-1`, `0`, `99999999999999999999999`,
		`../../etc/passwd`, `%00`, "\x00", `<script>alert(1)</script>`, `{{.}}`, `${jndi:ldap://x}`, strings.Repeat("A", 5000),
		`😀🙂`, `NaN`, `1e309`, `[]`, `null`}
}

// TestHostileInputNeverBreaksAnything sends hostile values to every route's
// path parameters, query parameters and form fields, as an admin (who can
// reach every route) and as a visitor: no 5xx, and the database stays sound.
func TestHostileInputNeverBreaksAnything(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	asker, peer := a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	solve(t, a, asker, peer, "Router reboots itself every night", "Disable the nightly maintenance window.")
	admin := a.roleClient("boss", models.RoleAdmin)
	e, err := New(ctx, Config{BaseURL: "http://forum.test"}, a.store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	fields := []string{"q", "page", "show", "sort", "tag", "c", "solved", "title", "body", "tags", "category", "username", "email",
		"password", "next", "undo", "helpful", "reason", "note", "days", "role", "group", "original", "locked", "pinned", "published",
		"outdated", "post_id", "work_email", "token", "id", "items", "action", "thread", "status", "lang", "rule", "u", "t", "period", "tab",
		"brand_name", "badge_title", "ambassador_domains", "superuser_threshold", "posts_per_hour", "name", "keywords", "problem", "solution",
		"display_name", "bio", "email_password", "password_confirm", "posts", "verify_email"}
	sent := 0
	for _, r := range e.Routes() {
		if strings.HasPrefix(r.Path, "/static") || r.Path == "/logout" || r.Path == "/logout/all" || r.Path == "/settings/password" ||
			strings.HasSuffix(r.Path, "/*") {
			continue
		}
		for _, v := range hostileValues() {
			path := r.Path
			for _, seg := range strings.Split(path, "/") {
				if strings.HasPrefix(seg, ":") {
					path = strings.Replace(path, seg, url.PathEscape(v), 1)
				}
			}
			form := url.Values{}
			for _, f := range fields {
				form.Set(f, v)
			}
			for _, c := range []*client{admin, a.client()} {
				var res *response
				if r.Method == http.MethodGet {
					res = c.get(path + "?" + form.Encode())
				} else {
					res = c.post(path, form)
				}
				sent++
				if res.Code >= 500 {
					t.Errorf("%s %s with %q: %d", r.Method, path, v[:min(len(v), 40)], res.Code)
				}
			}
		}
	}
	if sent < 500 {
		t.Fatalf("only %d requests sent", sent)
	}
	if res, err := a.store.IntegrityCheck(ctx); err != nil || res != "ok" {
		t.Fatalf("integrity: %q %v", res, err)
	}
	if n, err := a.store.CountUsers(ctx); err != nil || n < 3 {
		t.Fatalf("users table damaged: %d %v", n, err)
	}
}
