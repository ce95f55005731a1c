package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/crowdcare/crowdcare/models/accounts"
)

// Email states, for notifications and the outbox alike (migration 0014).
// An email is claimed in a commit of its own before it is sent, and a
// claimed email is never claimed again: at most one copy goes out.
const (
	EmailPending     = "pending"     // waiting for the mail worker
	EmailClaimed     = "claimed"     // a worker is sending it
	EmailSent        = "sent"        // the SMTP server accepted it (or it went to the log)
	EmailSkipped     = "skipped"     // not sent on purpose: opted out, too old, expired
	EmailFailed      = "failed"      // refused too often, or cannot be sent at all
	EmailUnconfirmed = "unconfirmed" // claimed, outcome never recorded: perhaps sent, never sent again
)

// Email is a message for the outbox: mail that is not a notification, such
// as an ambassador's verification link. The mail worker sends it.
type Email struct {
	Kind    string // what it is, for the log, e.g. "ambassador_verification"
	To      string
	Subject string
	Body    string
	// Expires is when sending it stops making sense (its link expires);
	// zero means in a week.
	Expires time.Time
}

// Outbox kinds.
const (
	EmailAmbassadorVerification = accounts.EmailAmbassadorVerification
	EmailSignUp                 = "sign_up" // a welcome, or a note to an address that already has an account
	EmailPasswordReset          = accounts.EmailPasswordReset
	EmailVerification           = accounts.EmailVerification // a new link to verify the account's address
	EmailChange                 = accounts.EmailChange       // a link to the new address, or a note that it has an account
	EmailChanged                = accounts.EmailChanged      // a note to the old address once the new one took over
	EmailExportReady            = "export_ready"             // the member's data can be downloaded
)

// QueueEmail puts an email in the outbox.
func (s *Store) QueueEmail(ctx context.Context, e Email) error {
	return s.inQuietTx(ctx, func(tx *sql.Tx) error { return s.queueEmail(ctx, tx, e) })
}

// queueEmail puts an email in the outbox in the transaction of what it is
// about, so the two commit together or not at all.
func (s *Store) queueEmail(ctx context.Context, tx *sql.Tx, e Email) error {
	if e.Kind == "" || strings.TrimSpace(e.To) == "" {
		return fmt.Errorf("queue email: kind and recipient are required")
	}
	now := s.now()
	if e.Expires.IsZero() {
		e.Expires = now.Add(7 * 24 * time.Hour)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO outbox (kind, to_addr, subject, body, next_at, expires_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, e.Kind, e.To, e.Subject, e.Body, now.Unix(), e.Expires.Unix(), now.Unix())
	if err != nil {
		return fmt.Errorf("queue %s email: %w", e.Kind, err)
	}
	return nil
}

// EmailSweep is what SweepEmails changed.
type EmailSweep struct {
	Skipped     int // notifications too old or opted out, outbox emails expired
	Unconfirmed int // claims whose outcome was never recorded
}

// SweepEmails tidies the queue before the worker claims anything:
// notifications older than maxAge, and those of members who turned email
// off, are skipped (so turning mail on does not send a backlog); outbox
// emails past their expiry are skipped; claims older than lease, whose
// outcome was never recorded, become unconfirmed and are never sent again.
func (s *Store) SweepEmails(ctx context.Context, maxAge, lease time.Duration) (EmailSweep, error) {
	var sw EmailSweep
	now := s.now()
	// Each UPDATE re-checks its state by itself: no lock needed.
	err := s.inQuietLockedTx(ctx, nil, func(tx *sql.Tx) error {
		sw = EmailSweep{} // run again after a lost race (PostgreSQL): counted afresh
		n, err := execCount(ctx, tx, `UPDATE notifications SET email_state = 'skipped', emailed_at = ?
			WHERE email_state = 'pending' AND (created_at < ? OR user_id IN (SELECT id FROM users WHERE email_notifications = 0))`,
			now.Unix(), now.Add(-maxAge).Unix())
		if err != nil {
			return err
		}
		sw.Skipped += n
		if n, err = execCount(ctx, tx, `UPDATE outbox SET state = 'skipped', body = '', done_at = ?
			WHERE state = 'pending' AND expires_at <= ?`, now.Unix(), now.Unix()); err != nil {
			return err
		}
		sw.Skipped += n
		if n, err = execCount(ctx, tx, `UPDATE notifications SET email_state = 'unconfirmed', emailed_at = ?
			WHERE email_state = 'claimed' AND email_claimed_at < ?`, now.Unix(), now.Add(-lease).Unix()); err != nil {
			return err
		}
		sw.Unconfirmed += n
		if n, err = execCount(ctx, tx, `UPDATE outbox SET state = 'unconfirmed', body = '', done_at = ?
			WHERE state = 'claimed' AND claimed_at < ?`, now.Unix(), now.Add(-lease).Unix()); err != nil {
			return err
		}
		sw.Unconfirmed += n
		return nil
	})
	if err != nil {
		return EmailSweep{}, fmt.Errorf("sweep emails: %w", err)
	}
	return sw, nil
}

func execCount(ctx context.Context, tx *sql.Tx, q string, args ...any) (int, error) {
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// ClaimedEmail is an email a worker claimed: an outbox message or a
// notification.
type ClaimedEmail struct {
	ID       int64
	Outbox   bool   // from the outbox; otherwise a notification
	Kind     string // the outbox kind, or the notification's kind
	To       string
	Attempts int // times the SMTP server refused it before
	// An outbox message's text.
	Subject, Body string
	// A notification's recipient, text and link.
	UserID   int64
	Username string
	Text     string
	Link     string // site-relative, like "/p/12"
}

// ClaimEmail claims the next email that is due, outbox first, in a
// transaction of its own: once it returns, no worker claims that email
// again. Notifications are only claimed when notifications is true (SMTP is
// configured). ErrNotFound means nothing is due.
//
// Each claim is one UPDATE that takes a row still pending (checked again
// by the UPDATE itself), so two workers never claim one email; on
// PostgreSQL the row being claimed by another worker is skipped, not
// waited for (skipLocked).
func (s *Store) ClaimEmail(ctx context.Context, notifications bool) (*ClaimedEmail, error) {
	var c *ClaimedEmail
	now := s.now().Unix()
	err := s.inQuietLockedTx(ctx, nil, func(tx *sql.Tx) error {
		c = nil
		o := ClaimedEmail{Outbox: true}
		err := tx.QueryRowContext(ctx, `UPDATE outbox SET state = 'claimed', claimed_at = ?1
			WHERE id = (SELECT id FROM outbox WHERE state = 'pending' AND next_at <= ?1 AND expires_at > ?1 ORDER BY id LIMIT 1`+s.skipLocked("outbox")+`)
			AND state = 'pending'
			RETURNING id, kind, to_addr, subject, body, attempts`, now).
			Scan(&o.ID, &o.Kind, &o.To, &o.Subject, &o.Body, &o.Attempts)
		if err == nil {
			c = &o
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("claim outbox email: %w", err)
		}
		if !notifications {
			return ErrNotFound
		}
		var n Notification
		var threadID, postID sql.NullInt64
		err = tx.QueryRowContext(ctx, `UPDATE notifications SET email_state = 'claimed', email_claimed_at = ?1
			WHERE id = (SELECT n.id FROM notifications n JOIN users u ON u.id = n.user_id
				WHERE n.email_state = 'pending' AND n.email_next_at <= ?1 AND u.email_notifications = 1 ORDER BY n.id LIMIT 1`+s.skipLocked("n")+`)
			AND email_state = 'pending'
			RETURNING id, user_id, kind, text, thread_id, post_id, email_attempts`, now).
			Scan(&n.ID, &o.UserID, &n.Kind, &n.Text, &threadID, &postID, &o.Attempts)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("claim notification email: %w", err)
		}
		n.ThreadID, n.PostID = threadID.Int64, postID.Int64
		if err := tx.QueryRowContext(ctx, `SELECT email, username FROM users WHERE id = ?`, o.UserID).Scan(&o.To, &o.Username); err != nil {
			return fmt.Errorf("claim notification email %d: %w", n.ID, err)
		}
		o.Outbox, o.ID, o.Kind, o.Text, o.Link = false, n.ID, n.Kind, n.Text, n.URL()
		c = &o
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// EmailOutcome is what became of a claimed email.
type EmailOutcome struct {
	// State is EmailSent, EmailFailed, EmailUnconfirmed, or EmailPending
	// to send it again (only if it certainly did not go out).
	State string
	// Refused counts an attempt: the SMTP server refused the email.
	Refused bool
	// RetryIn is how long a pending email waits before it is due again.
	RetryIn time.Duration
}

// FinishEmail records the outcome of a claimed email. An outbox email's
// body is emptied once it is done with.
func (s *Store) FinishEmail(ctx context.Context, c *ClaimedEmail, o EmailOutcome) error {
	switch o.State {
	case EmailSent, EmailFailed, EmailUnconfirmed, EmailPending:
	default:
		return fmt.Errorf("finish email %d: not an outcome: %q", c.ID, o.State)
	}
	now := s.now()
	refused := 0
	if o.Refused {
		refused = 1
	}
	q := `UPDATE notifications SET email_state = ?1, email_attempts = email_attempts + ?2, email_next_at = ?3,
		emailed_at = CASE WHEN ?1 = 'pending' THEN NULL ELSE CAST(?4 AS BIGINT) END
		WHERE id = ?5 AND email_state IN ('claimed', 'unconfirmed')`
	if c.Outbox {
		q = `UPDATE outbox SET state = ?1, attempts = attempts + ?2, next_at = ?3,
			done_at = CASE WHEN ?1 = 'pending' THEN NULL ELSE CAST(?4 AS BIGINT) END,
			body = CASE WHEN ?1 = 'pending' THEN body ELSE '' END
			WHERE id = ?5 AND state IN ('claimed', 'unconfirmed')`
	}
	// One UPDATE of one claimed row: no lock needed.
	err := s.inQuietLockedTx(ctx, nil, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, q, o.State, refused, now.Add(o.RetryIn).Unix(), now.Unix(), c.ID)
		return err
	})
	if err != nil {
		return fmt.Errorf("finish email %d: %w", c.ID, err)
	}
	return nil
}

// EmailCounts is how many notifications and outbox emails are in each
// state, for tests and monitoring.
func (s *Store) EmailCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT email_state, COUNT(*) FROM notifications GROUP BY email_state
		UNION ALL SELECT state, COUNT(*) FROM outbox GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("count emails: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, err
		}
		out[state] += n
	}
	return out, rows.Err()
}
