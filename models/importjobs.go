package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"
)

// Import job states. A job is queued (an upload waiting for the server's
// import worker, its file kept), running (pid says which process runs it),
// then done or failed; a running job whose process died is interrupted on
// the next start, with what it stored.
const (
	JobQueued      = "queued"
	JobRunning     = "running"
	JobDone        = "done"
	JobFailed      = "failed"
	JobInterrupted = "interrupted"
)

// ImportJob is an import: an upload the server runs, or a command-line run.
type ImportJob struct {
	ID        int64
	UserID    int64 // 0 for a command-line import
	Operator  string
	Source    string // "upload", "cli"
	Filename  string
	Path      string // the upload's copy while the job needs it
	Options   ImportJobOptions
	Triage    bool
	ImportID  int64 // the import_id of the items it stored
	PID       int
	Status    string
	Processed int
	Stored    int // items stored before it was interrupted
	Summary   *ImportSummary
	Error     string
	CreatedAt time.Time
	// FinishedAt is when it ended (done, failed or interrupted).
	FinishedAt time.Time
	ResumedBy  int64 // the job that finished what it left waiting
}

// ImportJobOptions is what a queued upload is imported with.
type ImportJobOptions struct {
	Category     string   `json:"category"`
	BrandHandles []string `json:"brand_handles"`
}

// Running reports whether the job has not ended yet.
func (j *ImportJob) Running() bool { return j.Status == JobQueued || j.Status == JobRunning }

// QueueImportJob records an upload waiting for the import worker; path is
// its copy, which the job owns from now on.
func (s *Store) QueueImportJob(ctx context.Context, actor *User, filename, path string, opts ImportOptions) (int64, error) {
	if !actor.Can(PermTriageSocial) {
		return 0, ErrForbidden
	}
	o, err := json.Marshal(ImportJobOptions{Category: opts.Category, BrandHandles: opts.BrandHandles})
	if err != nil {
		return 0, err
	}
	var id int64
	err = s.w.QueryRowContext(ctx, `INSERT INTO import_jobs (user_id, source, filename, path, options, triage, status, created_at)
		VALUES (?, 'upload', ?, ?, ?, ?, 'queued', ?) RETURNING id`,
		actor.ID, filename, path, string(o), opts.Triage, s.now().Unix()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("queue import job: %w", err)
	}
	return id, nil
}

// StartImportJob records an import this process runs now (the command
// line): operator says who ran it, pid is this process.
func (s *Store) StartImportJob(ctx context.Context, operator, filename string, triage bool, pid int) (int64, error) {
	var id int64
	err := s.w.QueryRowContext(ctx, `INSERT INTO import_jobs (operator, source, filename, triage, pid, status, created_at)
		VALUES (?, 'cli', ?, ?, ?, 'running', ?) RETURNING id`, operator, filename, triage, pid, s.now().Unix()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("start import job: %w", err)
	}
	return id, nil
}

// ClaimImportJob takes the oldest queued job for process pid, or returns
// ErrNotFound when none waits.
func (s *Store) ClaimImportJob(ctx context.Context, pid int) (*ImportJob, error) {
	// status = 'queued' again outside the subquery: on PostgreSQL a claim
	// that waited for another's of the same row checks the row as the other
	// left it, and takes nothing. It then tries the next queued job, with a
	// statement that sees the other's claim.
	for lost := 0; ; lost++ {
		var id int64
		err := s.w.QueryRowContext(ctx, `UPDATE import_jobs SET status = 'running', pid = ?
			WHERE id = (SELECT MIN(id) FROM import_jobs WHERE status = 'queued') AND status = 'queued' RETURNING id`, pid).Scan(&id)
		if err == nil {
			return s.ImportJob(ctx, id)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("claim import job: %w", err)
		}
		var waiting bool
		if err := s.w.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM import_jobs WHERE status = 'queued')`).Scan(&waiting); err != nil {
			return nil, fmt.Errorf("claim import job: %w", err)
		}
		if !waiting || lost == 100 {
			return nil, ErrNotFound
		}
	}
}

// RequeueImportJob puts a running job back in the queue with its file (the
// server stopping): the next start runs it again, and what the first run
// stored counts as already imported.
func (s *Store) RequeueImportJob(ctx context.Context, id int64) error {
	_, err := s.exec(ctx, `UPDATE import_jobs SET status = 'queued', pid = 0 WHERE id = ? AND status = 'running'`, id)
	return err
}

// setJobImport records which import_id a job's items carry.
func (s *Store) setJobImport(ctx context.Context, job, importID int64) error {
	_, err := s.exec(ctx, `UPDATE import_jobs SET import_id = ? WHERE id = ?`, importID, job)
	return err
}

// ProgressImportJob records how many records were read so far.
func (s *Store) ProgressImportJob(ctx context.Context, id int64, processed int) error {
	_, err := s.exec(ctx, `UPDATE import_jobs SET processed = ? WHERE id = ?`, processed, id)
	return err
}

// FinishImportJob records the outcome; the job's file is no longer its.
func (s *Store) FinishImportJob(ctx context.Context, id int64, sum *ImportSummary, failure error) error {
	status, msg, summary := JobDone, "", []byte("")
	if failure != nil {
		status, msg = JobFailed, failure.Error()
	}
	if sum != nil {
		var err error
		if summary, err = json.Marshal(sum); err != nil {
			return err
		}
	}
	_, err := s.exec(ctx, `UPDATE import_jobs SET status = ?, summary = ?, error = ?, finished_at = ?, path = '' WHERE id = ?`,
		status, string(summary), msg, s.now().Unix(), id)
	return err
}

// RecoverImportJobs marks interrupted the running jobs whose process is
// gone (alive says whether a pid still runs an import), counts what each
// stored and removes its file; it returns them. Run it on start, before
// any job of this process runs.
func (s *Store) RecoverImportJobs(ctx context.Context, alive func(pid int) bool) ([]ImportJob, error) {
	ids, err := column[int64](s.reader(ctx).QueryContext(ctx, `SELECT id FROM import_jobs WHERE status = 'running' ORDER BY id`))
	if err != nil {
		return nil, fmt.Errorf("list running import jobs: %w", err)
	}
	var out []ImportJob
	for _, id := range ids {
		j, err := s.ImportJob(ctx, id)
		if err != nil {
			return out, err
		}
		if alive(j.PID) {
			continue
		}
		err = s.w.QueryRowContext(ctx, interruptJob+` RETURNING stored`, s.now().Unix(), id).Scan(&j.Stored)
		if errors.Is(err, sql.ErrNoRows) {
			continue // ended meanwhile
		}
		if err != nil {
			return out, fmt.Errorf("mark import job %d interrupted: %w", id, err)
		}
		if j.Path != "" {
			if err := os.Remove(j.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
				return out, fmt.Errorf("remove the file of import job %d: %w", id, err)
			}
		}
		j.Status = JobInterrupted
		out = append(out, *j)
	}
	return out, nil
}

// ImportJobFiles lists the files queued jobs still need.
func (s *Store) ImportJobFiles(ctx context.Context) ([]string, error) {
	return column[string](s.reader(ctx).QueryContext(ctx, `SELECT path FROM import_jobs WHERE path != '' AND status IN ('queued', 'running')`))
}

// ImportJob loads a job.
func (s *Store) ImportJob(ctx context.Context, id int64) (*ImportJob, error) {
	var j ImportJob
	var summary, options string
	var created int64
	var user, finished sql.NullInt64
	err := s.reader(ctx).QueryRowContext(ctx, `SELECT id, user_id, operator, source, filename, path, options, triage, import_id, pid,
		status, processed, stored, summary, error, created_at, finished_at, resumed_by
		FROM import_jobs WHERE id = ?`, id).Scan(&j.ID, &user, &j.Operator, &j.Source, &j.Filename, &j.Path, &options, &j.Triage,
		&j.ImportID, &j.PID, &j.Status, &j.Processed, &j.Stored, &summary, &j.Error, &created, &finished, &j.ResumedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load import job %d: %w", id, err)
	}
	j.UserID = user.Int64
	j.CreatedAt = time.Unix(created, 0)
	if finished.Valid {
		j.FinishedAt = time.Unix(finished.Int64, 0)
	}
	if options != "" {
		if err := json.Unmarshal([]byte(options), &j.Options); err != nil {
			return nil, fmt.Errorf("import job %d options: %w", id, err)
		}
	}
	if summary != "" {
		j.Summary = &ImportSummary{}
		if err := json.Unmarshal([]byte(summary), j.Summary); err != nil {
			return nil, err
		}
	}
	return &j, nil
}

// leftWaiting lists the interrupted imports whose waiting items no later
// import finished yet, split by whether they were triaging.
func (s *Store) leftWaiting(ctx context.Context, tx dbtx) (publish, triage []int64, err error) {
	rows, err := tx.QueryContext(ctx, `SELECT import_id, triage FROM import_jobs
		WHERE status = 'interrupted' AND resumed_by = 0 AND import_id != 0 ORDER BY id`)
	if err != nil {
		return nil, nil, fmt.Errorf("list interrupted imports: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var tri bool
		if err := rows.Scan(&id, &tri); err != nil {
			return nil, nil, err
		}
		if tri {
			triage = append(triage, id)
		} else {
			publish = append(publish, id)
		}
	}
	return publish, triage, rows.Err()
}

// resumedBy records that job finished what the interrupted imports left
// waiting.
func (s *Store) resumedBy(ctx context.Context, job int64, imports []int64) error {
	by := job
	if by == 0 {
		by = -1 // an import without a job (a test's) finished them
	}
	_, err := s.exec(ctx, `UPDATE import_jobs SET resumed_by = ? WHERE status = 'interrupted' AND resumed_by = 0
		AND import_id IN (`+s.jsonInts("?")+`)`, by, idList(imports))
	return err
}

// InterruptImportJob records that a running job stopped before its end (its
// process was told to stop): what it stored stays, and the next import
// finishes what it left waiting.
func (s *Store) InterruptImportJob(ctx context.Context, id int64) error {
	_, err := s.exec(ctx, interruptJob, s.now().Unix(), id)
	return err
}

// interruptJob (finished_at, id) marks a running job interrupted, counting
// the items it stored; its file is no longer needed.
const interruptJob = `UPDATE import_jobs SET status = 'interrupted', path = '', finished_at = ?,
	stored = (SELECT COUNT(*) FROM social_items WHERE import_id = import_jobs.import_id AND import_jobs.import_id != 0)
	WHERE id = ? AND status = 'running'`

// ImportedThread is a thread an import created.
type ImportedThread struct {
	ID    int64
	Title string
	Slug  string
}

// URL is the thread's address.
func (t ImportedThread) URL() string { return ThreadURL(t.ID, t.Slug) }

// JobThreads lists up to limit threads the job's import created (its items
// asked them), newest first, and how many there are.
func (s *Store) JobThreads(ctx context.Context, job *ImportJob, limit int) ([]ImportedThread, int, error) {
	if job.ImportID == 0 {
		return nil, 0, nil
	}
	// The threads whose question is one of the import's items.
	const created = `FROM social_items i JOIN threads t ON t.id = i.thread_id AND t.question_id = i.post_id WHERE i.import_id = ?`
	var total int
	if err := s.reader(ctx).QueryRowContext(ctx, `SELECT COUNT(*) `+created, job.ImportID).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count threads of import job %d: %w", job.ID, err)
	}
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT t.id, t.title, t.slug `+created+` ORDER BY t.id DESC LIMIT ?`, job.ImportID, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("threads of import job %d: %w", job.ID, err)
	}
	defer rows.Close()
	var out []ImportedThread
	for rows.Next() {
		var t ImportedThread
		if err := rows.Scan(&t.ID, &t.Title, &t.Slug); err != nil {
			return nil, 0, err
		}
		out = append(out, t)
	}
	return out, total, rows.Err()
}
