package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ImportJob is an upload being imported in the background.
type ImportJob struct {
	ID         int64
	UserID     int64
	Filename   string
	Status     string // running, done, failed
	Processed  int
	Summary    *ImportSummary
	Error      string
	CreatedAt  time.Time
	FinishedAt time.Time
}

// StartImportJob records an upload about to be imported.
func (s *Store) StartImportJob(ctx context.Context, actor *User, filename string) (int64, error) {
	if !actor.Can(PermTriageSocial) {
		return 0, ErrForbidden
	}
	var id int64
	err := s.w.QueryRowContext(ctx, `INSERT INTO import_jobs (user_id, filename, created_at) VALUES (?, ?, ?) RETURNING id`,
		actor.ID, filename, s.now().Unix()).Scan(&id)
	return id, err
}

// ProgressImportJob records how many records were read so far.
func (s *Store) ProgressImportJob(ctx context.Context, id int64, processed int) error {
	_, err := s.exec(ctx, `UPDATE import_jobs SET processed = ? WHERE id = ?`, processed, id)
	return err
}

// FinishImportJob records the outcome.
func (s *Store) FinishImportJob(ctx context.Context, id int64, sum *ImportSummary, failure error) error {
	status, msg, summary := "done", "", []byte("")
	if failure != nil {
		status, msg = "failed", failure.Error()
	}
	if sum != nil {
		var err error
		if summary, err = json.Marshal(sum); err != nil {
			return err
		}
	}
	_, err := s.exec(ctx, `UPDATE import_jobs SET status = ?, summary = ?, error = ?, finished_at = ? WHERE id = ?`,
		status, string(summary), msg, s.now().Unix(), id)
	return err
}

// ImportJob loads a job.
func (s *Store) ImportJob(ctx context.Context, id int64) (*ImportJob, error) {
	var j ImportJob
	var summary string
	var created int64
	var finished sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT id, user_id, filename, status, processed, summary, error, created_at, finished_at
		FROM import_jobs WHERE id = ?`, id).Scan(&j.ID, &j.UserID, &j.Filename, &j.Status, &j.Processed, &summary, &j.Error, &created, &finished)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load import job %d: %w", id, err)
	}
	j.CreatedAt = time.Unix(created, 0)
	if finished.Valid {
		j.FinishedAt = time.Unix(finished.Int64, 0)
	}
	if summary != "" {
		j.Summary = &ImportSummary{}
		if err := json.Unmarshal([]byte(summary), j.Summary); err != nil {
			return nil, err
		}
	}
	return &j, nil
}
