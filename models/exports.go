package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/crowdcare/crowdcare/models/notallowed"
)

// Data export states (export_jobs, migration 0023).
const (
	ExportQueued  = "queued"
	ExportRunning = "running"
	ExportReady   = "ready"
	ExportFailed  = "failed"
	ExportExpired = "expired"
)

const (
	// ExportTTL is how long a finished export can be downloaded.
	ExportTTL = 24 * time.Hour
	// ExportLease is how long a claimed export may run before another
	// worker takes it again (its process died or hangs).
	ExportLease = 30 * time.Minute
	// exportsPerDay is how many exports a member may ask for in 24 hours.
	exportsPerDay = 3
)

// ExportJob is one "download my data" request.
type ExportJob struct {
	ID         int64
	UserID     int64
	Status     string
	Path       string // the ZIP, while it can be downloaded
	Size       int64
	Error      string // why it failed, for the log
	CreatedAt  time.Time
	FinishedAt time.Time
	ExpiresAt  time.Time
	// claim is when the worker holding it claimed it (Unix seconds, 0 when
	// none did): its finish or requeue applies only while the claim is
	// still its own, not after another worker took the job over.
	claim int64
}

// Pending reports whether the worker has yet to finish the export.
func (j *ExportJob) Pending() bool { return j.Status == ExportQueued || j.Status == ExportRunning }

// Downloadable reports whether the export can be downloaded at now.
func (j *ExportJob) Downloadable(now time.Time) bool {
	return j.Status == ExportReady && j.Path != "" && now.Before(j.ExpiresAt)
}

const exportColumns = `id, user_id, status, path, size, error, created_at, COALESCE(finished_at, 0), COALESCE(expires_at, 0), COALESCE(claimed_at, 0)`

func scanExport(row interface{ Scan(...any) error }) (*ExportJob, error) {
	var j ExportJob
	var created, finished, expires int64
	if err := row.Scan(&j.ID, &j.UserID, &j.Status, &j.Path, &j.Size, &j.Error, &created, &finished, &expires, &j.claim); err != nil {
		return nil, err
	}
	j.CreatedAt = time.Unix(created, 0)
	if finished != 0 {
		j.FinishedAt = time.Unix(finished, 0)
	}
	if expires != 0 {
		j.ExpiresAt = time.Unix(expires, 0)
	}
	return &j, nil
}

// RequestExport queues an export of u's data, or returns the one already
// waiting; at most exportsPerDay in 24 hours (ErrNotAllowed).
func (s *Store) RequestExport(ctx context.Context, u *User) (*ExportJob, error) {
	if u.Deleted() || u.Imported {
		return nil, ErrForbidden
	}
	var id int64
	// The member's exports are read, then one added: their lock orders requests sent at once.
	err := s.inLockedTx(ctx, []string{"export:" + strconv.FormatInt(u.ID, 10)}, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT id FROM export_jobs WHERE user_id = ? AND status IN ('queued', 'running')
			ORDER BY id DESC LIMIT 1`, u.ID).Scan(&id)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		now := s.now()
		var recent int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM export_jobs WHERE user_id = ? AND created_at > ?`,
			u.ID, now.Add(-24*time.Hour).Unix()).Scan(&recent); err != nil {
			return err
		}
		if recent >= exportsPerDay {
			return &ErrNotAllowed{Kind: notallowed.ExportsPerDay, N: recent}
		}
		return tx.QueryRowContext(ctx, `INSERT INTO export_jobs (user_id, created_at) VALUES (?, ?) RETURNING id`,
			u.ID, now.Unix()).Scan(&id)
	})
	if err != nil {
		return nil, fmt.Errorf("request export: %w", err)
	}
	return s.ExportJob(ctx, id)
}

// ExportJob loads one export.
func (s *Store) ExportJob(ctx context.Context, id int64) (*ExportJob, error) {
	j, err := scanExport(s.reader(ctx).QueryRowContext(ctx, `SELECT `+exportColumns+` FROM export_jobs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load export %d: %w", id, err)
	}
	return j, nil
}

// LatestExport is the member's newest export: ErrNotFound for none.
func (s *Store) LatestExport(ctx context.Context, userID int64) (*ExportJob, error) {
	j, err := scanExport(s.reader(ctx).QueryRowContext(ctx, `SELECT `+exportColumns+` FROM export_jobs WHERE user_id = ? ORDER BY id DESC LIMIT 1`, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load latest export: %w", err)
	}
	return j, nil
}

// ClaimExport claims the oldest queued export, or one whose claim is older
// than ExportLease, in a commit of its own: ErrNotFound when none waits.
// One UPDATE that checks the job is still claimable, so two workers never
// claim one; on PostgreSQL one being claimed is skipped (skipLocked).
func (s *Store) ClaimExport(ctx context.Context) (*ExportJob, error) {
	var j *ExportJob
	now := s.now()
	err := s.inQuietLockedTx(ctx, nil, func(tx *sql.Tx) error {
		var err error
		j, err = scanExport(tx.QueryRowContext(ctx, `UPDATE export_jobs SET status = 'running', claimed_at = ?1
			WHERE id = (SELECT id FROM export_jobs WHERE status = 'queued' OR (status = 'running' AND claimed_at < ?2) ORDER BY id LIMIT 1`+s.skipLocked("export_jobs")+`)
			AND (status = 'queued' OR (status = 'running' AND claimed_at < ?2))
			RETURNING `+exportColumns, now.Unix(), now.Add(-ExportLease).Unix()))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("claim export: %w", err)
	}
	return j, nil
}

// FinishExport records a finished export: ready at path (size bytes) for
// ExportTTL, with an email to the member (compose writes it for their
// username and address) queued in the same transaction; or failed, with
// why. ErrNotFound when the job is gone meanwhile (the account was
// deleted) or no longer job's claim (its worker took longer than
// ExportLease and another took it over): the caller removes the file.
func (s *Store) FinishExport(ctx context.Context, job *ExportJob, path string, size int64, failure error,
	compose func(username string, expires time.Time) (subject, body string)) error {
	now := s.now()
	id := job.ID
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if failure != nil {
			return execOne(ctx, tx, `UPDATE export_jobs SET status = 'failed', error = ?, finished_at = ? WHERE id = ? AND status = 'running' AND claimed_at = ?`,
				failure.Error(), now.Unix(), id, job.claim)
		}
		expires := now.Add(ExportTTL)
		if err := execOne(ctx, tx, `UPDATE export_jobs SET status = 'ready', path = ?, size = ?, finished_at = ?, expires_at = ?
			WHERE id = ? AND status = 'running' AND claimed_at = ?`, path, size, now.Unix(), expires.Unix(), id, job.claim); err != nil {
			return err
		}
		var username, email string
		if err := tx.QueryRowContext(ctx, `SELECT u.username, u.email FROM users u JOIN export_jobs j ON j.user_id = u.id WHERE j.id = ?`,
			id).Scan(&username, &email); err != nil {
			return err
		}
		subject, body := compose(username, expires)
		return s.queueEmail(ctx, tx, Email{Kind: EmailExportReady, To: email, Subject: subject, Body: body, Expires: expires})
	})
	if err != nil {
		return fmt.Errorf("finish export %d: %w", id, err)
	}
	return nil
}

// execOne runs a write that must change one row: ErrNotFound when none.
func execOne(ctx context.Context, tx *sql.Tx, q string, args ...any) error {
	n, err := execCount(ctx, tx, q, args...)
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// ExpireExports marks the exports past their time expired and returns their
// files, which the caller removes.
func (s *Store) ExpireExports(ctx context.Context) ([]string, error) {
	var paths []string
	err := s.inQuietTx(ctx, func(tx *sql.Tx) error {
		now := s.now().Unix()
		var err error
		paths, err = column[string](tx.QueryContext(ctx, `SELECT path FROM export_jobs WHERE status = 'ready' AND expires_at <= ?`, now))
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE export_jobs SET status = 'expired', path = '' WHERE status = 'ready' AND expires_at <= ?`, now)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("expire exports: %w", err)
	}
	return paths, nil
}

// ExportFiles lists the files exports still need: the ready ones'.
func (s *Store) ExportFiles(ctx context.Context) ([]string, error) {
	paths, err := column[string](s.reader(ctx).QueryContext(ctx, `SELECT path FROM export_jobs WHERE path != ''`))
	if err != nil {
		return nil, fmt.Errorf("list export files: %w", err)
	}
	return paths, nil
}

// RequeueExport puts back an export its worker stopped making (the server
// is stopping), so the next start makes it at once.
func (s *Store) RequeueExport(ctx context.Context, job *ExportJob) error {
	if _, err := s.db.W().ExecContext(ctx, `UPDATE export_jobs SET status = 'queued', claimed_at = NULL WHERE id = ? AND status = 'running' AND claimed_at = ?`,
		job.ID, job.claim); err != nil {
		return fmt.Errorf("requeue export %d: %w", job.ID, err)
	}
	return nil
}
