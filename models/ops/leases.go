package ops

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Leases name background work that one server at a time does, whichever
// of several sharing the database: the holder of a lease does the work until
// it gives the lease up or stops renewing it and it expires. Each call is
// one statement, so two servers can never both hold a lease. Expiry is by
// the servers' clocks (Unix milliseconds), which must agree to well within
// a lease's time to live (NTP does).

// AcquireLease takes the lease name for holder for ttl, unless another
// holder has it and it has not expired; it reports whether holder has it
// now. Taking a lease one holds already renews it.
func (o *Ops) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	now := time.Now()
	return o.leaseStatement(ctx, fmt.Sprintf("take lease %s", name), `
		INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE leases.expires_at <= ? OR leases.holder = excluded.holder
		RETURNING holder`, name, holder, now.Add(ttl).UnixMilli(), now.UnixMilli())
}

// RenewLease extends holder's lease name to ttl from now; false when
// holder does not have it (another server took it after it expired).
func (o *Ops) RenewLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	return o.leaseStatement(ctx, fmt.Sprintf("renew lease %s", name), `
		UPDATE leases SET expires_at = ? WHERE name = ? AND holder = ?
		RETURNING holder`, time.Now().Add(ttl).UnixMilli(), name, holder)
}

// ReleaseLease gives up holder's lease name, so another server may take it
// at once; nothing happens if holder does not have it.
func (o *Ops) ReleaseLease(ctx context.Context, name, holder string) error {
	_, err := o.leaseStatement(ctx, fmt.Sprintf("release lease %s", name), `
		DELETE FROM leases WHERE name = ? AND holder = ? RETURNING holder`, name, holder)
	return err
}

// LeaseHolder is who holds the lease name and until when; the store's
// not-found error (Config.NotFound) when nobody ever took it or it was
// released.
func (o *Ops) LeaseHolder(ctx context.Context, name string) (holder string, expires time.Time, err error) {
	var ms int64
	err = o.db.Primary().QueryRowContext(ctx, `SELECT holder, expires_at FROM leases WHERE name = ?`, name).Scan(&holder, &ms)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, o.notFound
	}
	if err != nil {
		return "", time.Time{}, fmt.Errorf("lease %s: %w", name, err)
	}
	return holder, time.UnixMilli(ms), nil
}

// leaseStatement runs one lease statement (quiet: no page shows leases)
// and reports whether it returned a row.
func (o *Ops) leaseStatement(ctx context.Context, what, q string, args ...any) (bool, error) {
	var ok bool
	err := o.db.InQuietTx(ctx, func(tx *sql.Tx) error {
		var h string
		err := tx.QueryRowContext(ctx, q, args...).Scan(&h)
		ok = err == nil
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		return false, fmt.Errorf("%s: %w", what, err)
	}
	return ok, nil
}
