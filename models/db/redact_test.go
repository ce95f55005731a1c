package db

import (
	"strings"
	"testing"
)

// TestRedactHidesEveryPassword: a connection URL shown in an error, a log
// line or the help never carries a password, wherever the URL puts it (pgx
// also takes password and sslpassword as parameters).
func TestRedactHidesEveryPassword(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"postgres://crowdcare:s3cret@db.internal:5432/forum?sslmode=require", "postgres://crowdcare:xxxxx@db.internal:5432/forum?sslmode=require"},
		{"postgres://crowdcare@db.internal/forum", "postgres://crowdcare@db.internal/forum"},
		{"postgres://crowdcare@db.internal/forum?password=s3cret&sslmode=require", "postgres://crowdcare@db.internal/forum?password=xxxxx&sslmode=require"},
		{"postgresql://db.internal/forum?user=crowdcare&password=s3cret", "postgresql://db.internal/forum?user=crowdcare&password=xxxxx"},
		{"postgres://crowdcare@db.internal/forum?sslmode=verify-full&sslpassword=s3cret", "postgres://crowdcare@db.internal/forum?sslmode=verify-full&sslpassword=xxxxx"},
		{"postgres://crowdcare@db.internal/forum?PASSWORD=s3cret", "postgres://crowdcare@db.internal/forum?PASSWORD=xxxxx"},
		{"postgres://crowdcare@db.internal/forum?password=s3@cret", "postgres://crowdcare@db.internal/forum?password=xxxxx"},
		{"postgres://crowdcare:s3cret@db.internal/forum?password=s3cret", "postgres://crowdcare:xxxxx@db.internal/forum?password=xxxxx"},
		{"postgres://crowdcare:pa?ss@db.internal/forum", "postgres://crowdcare:xxxxx@db.internal/forum"},
		{"/var/lib/crowdcare/forum.db", "/var/lib/crowdcare/forum.db"},
	} {
		got := Redact(c.in)
		if got != c.want {
			t.Errorf("Redact(%s) = %s, want %s", c.in, got, c.want)
		}
		if strings.Contains(got, "cret") || strings.Contains(got, "pa?ss") {
			t.Errorf("Redact(%s) shows the password: %s", c.in, got)
		}
	}
}
