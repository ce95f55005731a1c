package imports

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models"
)

// Two app servers on one database: an import claimed by a server that
// then died (on another host, so only its heartbeat can tell) is marked
// interrupted by the other server's worker once the heartbeat is older
// than the TTL, while that worker runs; not before.
func TestWorkerInterruptsADeadServersJob(t *testing.T) {
	ctx := context.Background()
	loc := testdb.Location(t, "imports.db")
	var st [2]*models.Store
	for i := range st {
		s, err := models.Open(ctx, loc, models.Options{PasswordCost: bcrypt.MinCost, MaxConns: 4, FilesDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		st[i] = s
	}
	amy, err := st[0].CreateUser(ctx, models.NewUser{Username: "amy", Email: "amy@example.com", Password: "correct horse", Role: models.RoleAmbassador})
	if err != nil {
		t.Fatal(err)
	}
	id, err := st[0].QueueImportJob(ctx, amy, "big.csv", filepath.Join(t.TempDir(), "upload-1.csv"), models.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Server A claims it, then dies: no heartbeat after the claim.
	claimed := time.Now()
	if _, err := st[0].ClaimImportJob(ctx, "server-a.example/4242/aaaa"); err != nil {
		t.Fatal(err)
	}
	// Server B's worker, with a short TTL.
	w := New(st[1], t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	w.HeartbeatEvery, w.TTL = 50*time.Millisecond, 600*time.Millisecond
	wctx, stop := context.WithCancel(ctx)
	defer func() { stop(); w.Wait(ctx) }()
	go w.Run(wctx)
	var j *models.ImportJob
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if j, err = st[1].ImportJob(ctx, id); err != nil || j.Status != models.JobRunning {
			break
		}
	}
	if err != nil || j.Status != models.JobInterrupted {
		t.Fatalf("the dead server's job: %+v %v", j, err)
	}
	if waited := time.Since(claimed); waited < w.TTL {
		t.Errorf("interrupted %v after the last heartbeat, before the TTL %v", waited, w.TTL)
	}
}
