package models

import (
	"context"
	"fmt"

	"github.com/crowdcare/crowdcare/models/social"
)

// Import jobs (models/social): aliases for the handlers, the workers and
// the command.
const (
	JobQueued      = social.JobQueued      // alias: moved to models/social
	JobRunning     = social.JobRunning     // alias: moved to models/social
	JobDone        = social.JobDone        // alias: moved to models/social
	JobFailed      = social.JobFailed      // alias: moved to models/social
	JobInterrupted = social.JobInterrupted // alias: moved to models/social

	ImportHeartbeatEvery = social.ImportHeartbeatEvery // alias: moved to models/social
	ImportJobTTL         = social.ImportJobTTL         // alias: moved to models/social
)

type (
	ImportJob        = social.ImportJob        // alias: moved to models/social
	ImportJobOptions = social.ImportJobOptions // alias: moved to models/social
)

// JobHolder names the process with id pid on this machine (social.JobHolder,
// for the workers and the command).
func JobHolder(pid int) string { return social.JobHolder(pid) }

// QueueImportJob records an upload waiting for the import worker; path is
// its copy, which the job owns from now on.
func (s *Store) QueueImportJob(ctx context.Context, actor *User, filename, path string, opts ImportOptions) (int64, error) {
	if !actor.Can(PermTriageSocial) {
		return 0, ErrForbidden
	}
	return s.QueueJob(ctx, actor.ID, filename, path, ImportJobOptions{Category: opts.Category, BrandHandles: opts.BrandHandles}, opts.Triage)
}

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
