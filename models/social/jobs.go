package social

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/crowdcare/crowdcare/models/db"
)

// Import job states. A job is queued (an upload waiting for an app
// server's import worker, its file kept), running (holder says which
// process runs it, and heartbeat_at when it last said so), then done or
// failed; a running job whose process died is interrupted, with what it
// stored, by whichever process looks next (RecoverImportJobs).
const (
	JobQueued      = "queued"
	JobRunning     = "running"
	JobDone        = "done"
	JobFailed      = "failed"
	JobInterrupted = "interrupted"
)

// ImportJob is an import: an upload the server runs, or a command-line run.
type ImportJob struct {
	ID       int64
	UserID   int64 // 0 for a command-line import
	Operator string
	Source   string // "upload", "cli"
	Filename string
	Path     string // the upload's copy while the job needs it
	Options  ImportJobOptions
	Triage   bool
	ImportID int64 // the import_id of the items it stored
	PID      int
	// Holder names the process running it (JobHolder), HeartbeatAt when
	// that process last said it still does.
	Holder      string
	HeartbeatAt time.Time
	Status      string
	Processed   int
	Stored      int // items stored before it was interrupted
	Summary     *ImportSummary
	Error       string
	CreatedAt   time.Time
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

// QueueJob records an upload waiting for the import worker, queued by the
// member userID with opts; path is its copy, which the job owns from now
// on. (The store's QueueImportJob checks who may, then calls it.)
func (s *Social) QueueJob(ctx context.Context, userID int64, filename, path string, opts ImportJobOptions, triage bool) (int64, error) {
	o, err := json.Marshal(opts)
	if err != nil {
		return 0, err
	}
	var id int64
	err = s.db.W().QueryRowContext(ctx, `INSERT INTO import_jobs (user_id, source, filename, path, options, triage, status, created_at)
		VALUES (?, 'upload', ?, ?, ?, ?, 'queued', ?) RETURNING id`,
		userID, filename, path, string(o), triage, s.deps.Now().Unix()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("queue import job: %w", err)
	}
	return id, nil
}

// StartImportJob records an import this process runs now (the command
// line): operator says who ran it, holder is this process (JobHolder),
// which renews the job's heartbeat while it runs (HeartbeatImportJob).
func (s *Social) StartImportJob(ctx context.Context, operator, filename string, triage bool, holder string) (int64, error) {
	var id int64
	now := s.deps.Now()
	err := s.db.W().QueryRowContext(ctx, `INSERT INTO import_jobs (operator, source, filename, triage, pid, holder, heartbeat_at, status, created_at)
		VALUES (?, 'cli', ?, ?, ?, ?, ?, 'running', ?) RETURNING id`, operator, filename, triage, holderPID(holder), holder, now.UnixMilli(),
		now.Unix()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("start import job: %w", err)
	}
	return id, nil
}

// ClaimImportJob takes the oldest queued job for the process holder
// (JobHolder), or returns the store's not-found error (Deps.NotFound)
// when none waits. The holder renews the job's heartbeat while it runs it
// (HeartbeatImportJob).
func (s *Social) ClaimImportJob(ctx context.Context, holder string) (*ImportJob, error) {
	// One statement: on PostgreSQL the subquery locks the row it picks and
	// passes over the rows other servers are claiming that moment (SKIP
	// LOCKED), so a claim never waits for another's nor takes its job;
	// SQLite's one writer claims one at a time.
	var id int64
	err := s.db.W().QueryRowContext(ctx, `UPDATE import_jobs SET status = 'running', pid = ?, holder = ?, heartbeat_at = ?
		WHERE id = (SELECT id FROM import_jobs WHERE status = 'queued' ORDER BY id LIMIT 1`+s.db.SkipLocked("import_jobs")+`)
		AND status = 'queued' RETURNING id`,
		holderPID(holder), holder, s.deps.Now().UnixMilli()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, s.deps.NotFound
	}
	if err != nil {
		return nil, fmt.Errorf("claim import job: %w", err)
	}
	return s.ImportJob(ctx, id)
}

// RequeueImportJob puts a running job back in the queue with its file (the
// server stopping): the next start runs it again, and what the first run
// stored counts as already imported.
func (s *Social) RequeueImportJob(ctx context.Context, id int64) error {
	_, err := s.db.Exec(ctx, `UPDATE import_jobs SET status = 'queued', pid = 0, holder = '', heartbeat_at = 0 WHERE id = ? AND status = 'running'`, id)
	return err
}

// SetJobImport records which import_id a job's items carry.
func (s *Social) SetJobImport(ctx context.Context, job, importID int64) error {
	_, err := s.db.Exec(ctx, `UPDATE import_jobs SET import_id = ? WHERE id = ?`, importID, job)
	return err
}

// ProgressImportJob records how many records were read so far.
func (s *Social) ProgressImportJob(ctx context.Context, id int64, processed int) error {
	_, err := s.db.Exec(ctx, `UPDATE import_jobs SET processed = ? WHERE id = ?`, processed, id)
	return err
}

// FinishImportJob records the outcome of a running job; the job's file is
// no longer its. A job marked interrupted meanwhile (its heartbeat was late)
// stays so.
func (s *Social) FinishImportJob(ctx context.Context, id int64, sum *ImportSummary, failure error) error {
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
	_, err := s.db.Exec(ctx, `UPDATE import_jobs SET status = ?, summary = ?, error = ?, finished_at = ?, path = '' WHERE id = ? AND status = 'running'`,
		status, string(summary), msg, s.deps.Now().Unix(), id)
	return err
}

// Import jobs' heartbeats: the process running a job renews it every
// ImportHeartbeatEvery; a running job whose heartbeat is older than
// ImportJobTTL is taken for dead by any process that looks.
const (
	ImportHeartbeatEvery = 10 * time.Second
	ImportJobTTL         = 30 * time.Second
)

// JobHolder names the process with id pid on this machine among the app
// servers and command-line runs: place/pid/random, unique per call.
func JobHolder(pid int) string {
	b := make([]byte, 4)
	rand.Read(b)
	return fmt.Sprintf("%s/%d/%s", processPlace(), pid, hex.EncodeToString(b))
}

// processPlace names where this process's id means something: the host
// name, and on Linux a hash of the boot (/proc/sys/kernel/random/boot_id)
// and the process-id namespace (/proc/self/ns/pid), so that two machines
// or two containers given the same host name are still told apart, and a
// process id is only ever looked up where it was taken. Neither holds a '/'.
func processPlace() string {
	host, _ := os.Hostname()
	boot, err1 := os.ReadFile("/proc/sys/kernel/random/boot_id")
	ns, err2 := os.Readlink("/proc/self/ns/pid")
	if err1 != nil || err2 != nil {
		return host
	}
	h := sha256.Sum256([]byte(strings.TrimSpace(string(boot)) + "\x00" + ns))
	return host + "~" + hex.EncodeToString(h[:4])
}

// holderPID is the process id in a JobHolder name, 0 if none.
func holderPID(holder string) int {
	parts := strings.Split(holder, "/")
	if len(parts) != 3 {
		return 0
	}
	pid, _ := strconv.Atoi(parts[1])
	return pid
}

// holderGone reports whether a job's holder is known dead without waiting
// for its heartbeat to age: it ran in this machine's process-id space, in
// a process that is gone (a server restarted on the same machine finds its
// own jobs at once). A job from before heartbeats (no holder) is judged by
// its pid alone, as then.
func holderGone(j *ImportJob) bool {
	if j.Holder == "" {
		return !OtherProcessAlive(j.PID)
	}
	if !strings.HasPrefix(j.Holder, processPlace()+"/") {
		return false // another server's: only its heartbeat tells
	}
	pid := holderPID(j.Holder)
	return pid != os.Getpid() && !OtherProcessAlive(pid)
}

// HeartbeatImportJob says that holder still runs job id; false when the job
// is no longer running under holder (another process found its heartbeat
// late and marked it interrupted): the holder must stop it.
func (s *Social) HeartbeatImportJob(ctx context.Context, id int64, holder string) (bool, error) {
	// Quiet: no page shows the heartbeat.
	var renewed bool
	err := s.db.InQuietTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE import_jobs SET heartbeat_at = ? WHERE id = ? AND holder = ? AND status = 'running'`,
			s.deps.Now().UnixMilli(), id, holder)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		renewed = n > 0
		return err
	})
	if err == nil && !renewed {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("heartbeat of import job %d: %w", id, err)
	}
	return true, nil
}

// RecoverImportJobs marks interrupted the running jobs whose process is
// gone: their heartbeat is older than ttl (ImportJobTTL), or their holder
// ran on this host in a process that ended. It counts what each stored,
// removes its file (when on this server's disk; one in the shared storage
// is left to the caller, whose job keeps its Path) and returns them. Any
// process may run it at any time, several at once: each job is marked by a
// statement that checks the heartbeat it judged is still the job's, so a
// job whose holder renewed it meanwhile is left running. Jobs of holder
// (the caller) are never its to judge.
func (s *Social) RecoverImportJobs(ctx context.Context, holder string, ttl time.Duration) ([]ImportJob, error) {
	ids, err := db.Column[int64](s.db.Primary().QueryContext(ctx, `SELECT id FROM import_jobs WHERE status = 'running' ORDER BY id`))
	if err != nil {
		return nil, fmt.Errorf("list running import jobs: %w", err)
	}
	now := s.deps.Now()
	var out []ImportJob
	for _, id := range ids {
		j, err := s.ImportJob(ctx, id)
		if err != nil {
			return out, err
		}
		if j.Status != JobRunning || (holder != "" && j.Holder == holder) {
			continue
		}
		late := j.Holder != "" && now.Sub(j.HeartbeatAt) >= ttl
		if !late && !holderGone(j) {
			continue
		}
		err = s.db.W().QueryRowContext(ctx, interruptJob+` AND holder = ? AND heartbeat_at = ? RETURNING stored`,
			now.Unix(), id, j.Holder, j.HeartbeatAt.UnixMilli()).Scan(&j.Stored)
		if errors.Is(err, sql.ErrNoRows) {
			continue // ended, or renewed, meanwhile
		}
		if err != nil {
			return out, fmt.Errorf("mark import job %d interrupted: %w", id, err)
		}
		if _, shared := s.deps.SharedKey(j.Path); j.Path != "" && !shared { // a shared one is the caller's to delete
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
func (s *Social) ImportJobFiles(ctx context.Context) ([]string, error) {
	return db.Column[string](s.db.Reader(ctx).QueryContext(ctx, `SELECT path FROM import_jobs WHERE path != '' AND status IN ('queued', 'running')`))
}

// ImportJob loads a job.
func (s *Social) ImportJob(ctx context.Context, id int64) (*ImportJob, error) {
	var j ImportJob
	var summary, options string
	var created int64
	var user, finished sql.NullInt64
	var heartbeat int64
	err := s.db.Primary().QueryRowContext(ctx, `SELECT id, user_id, operator, source, filename, path, options, triage, import_id, pid,
		holder, heartbeat_at, status, processed, stored, summary, error, created_at, finished_at, resumed_by
		FROM import_jobs WHERE id = ?`, id).Scan(&j.ID, &user, &j.Operator, &j.Source, &j.Filename, &j.Path, &options, &j.Triage,
		&j.ImportID, &j.PID, &j.Holder, &heartbeat, &j.Status, &j.Processed, &j.Stored, &summary, &j.Error, &created, &finished, &j.ResumedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, s.deps.NotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load import job %d: %w", id, err)
	}
	j.UserID = user.Int64
	j.HeartbeatAt = time.UnixMilli(heartbeat)
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

// LeftWaiting lists the interrupted imports whose waiting items no later
// import finished yet, split by whether they were triaging.
func LeftWaiting(ctx context.Context, tx db.Querier) (publish, triage []int64, err error) {
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

// ResumedBy records that job finished what the interrupted imports left
// waiting.
func (s *Social) ResumedBy(ctx context.Context, job int64, imports []int64) error {
	by := job
	if by == 0 {
		by = -1 // an import without a job (a test's) finished them
	}
	_, err := s.db.Exec(ctx, `UPDATE import_jobs SET resumed_by = ? WHERE status = 'interrupted' AND resumed_by = 0
		AND import_id IN (`+s.db.JSONInts("?")+`)`, by, db.IDList(imports))
	return err
}

// InterruptImportJob records that a running job stopped before its end (its
// process was told to stop): what it stored stays, and the next import
// finishes what it left waiting.
func (s *Social) InterruptImportJob(ctx context.Context, id int64) error {
	_, err := s.db.Exec(ctx, interruptJob, s.deps.Now().Unix(), id)
	return err
}

// interruptJob (finished_at, id) marks a running job interrupted, counting
// the items it stored; its file is no longer needed.
const interruptJob = `UPDATE import_jobs SET status = 'interrupted', path = '', finished_at = ?,
	stored = (SELECT COUNT(*) FROM social_items WHERE import_id = import_jobs.import_id AND import_jobs.import_id != 0)
	WHERE id = ? AND status = 'running'`
