package db

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestReplicaFailureNamesNoHost: the replica's health, shown on the public
// /healthz, says what kind of failure it saw, never the driver's text,
// which names the replica's host, user and database.
func TestReplicaFailureNamesNoHost(t *testing.T) {
	secret := "replica.internal:5432 user=crowdcare_ro database=forum"
	for _, c := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("connect to %s: %w", secret, context.DeadlineExceeded), "no answer in time"},
		{fmt.Errorf("%s: %w", secret, &pgconn.PgError{Code: "28P01", Message: "password authentication failed for user crowdcare_ro"}),
			"it refused the login (SQLSTATE 28P01)"},
		{fmt.Errorf("%s: %w", secret, &pgconn.PgError{Code: "3D000", Message: "database forum does not exist"}), "PostgreSQL error SQLSTATE 3D000"},
		{fmt.Errorf("dial %s: %w", secret, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), "connection refused"},
		{fmt.Errorf("dial %s: %w", secret, &net.OpError{Op: "read", Net: "tcp", Err: errors.New("reset by peer")}), "network error (read)"},
		{errors.New("failed to connect to " + secret), "connection failed"},
	} {
		got := replicaFailure(c.err)
		if got != c.want || strings.Contains(got, "replica.internal") || strings.Contains(got, "crowdcare_ro") {
			t.Errorf("replicaFailure(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}
