package main

import (
	"archive/zip"
	"context"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crowdcare/crowdcare/models"
)

// TestWritesGiveUpBeforeTheClient: the longest a write waits for the
// database (the writer connection, then the lock) is shorter than the
// server's write timeout, so a request that timed out for its client has
// not saved anything after all: a retry cannot post twice.
func TestWritesGiveUpBeforeTheClient(t *testing.T) {
	srv := newServer(nil)
	wait := models.Options{}.WriteWait()
	if wait <= 0 || wait >= srv.WriteTimeout {
		t.Fatalf("a write may wait %v for the database, the server's write timeout is %v", wait, srv.WriteTimeout)
	}
}

// TestImportRefusedOnLowFreeSpace: an import the free disk space cannot
// hold (here a ZIP whose directory declares a petabyte of tweets) is
// refused before anything is written, and the command says why.
func TestImportRefusedOnLowFreeSpace(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "crowdcare.db")
	openDB(t, db).Close()
	huge := filepath.Join(dir, "archive.zip")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	body := []byte("window.YTD.tweets.part0 = []")
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "data/tweets.js", Method: zip.Store, CRC32: crc32.ChecksumIEEE(body),
		CompressedSize64: uint64(len(body)), UncompressedSize64: 1 << 50})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(body)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	code, out, errOut := runCmd(t, "import", "tweets", "--db", db, huge)
	if code != 1 || !strings.Contains(errOut, "not enough free disk space for this import") || !strings.Contains(errOut, "nothing was imported") {
		t.Fatalf("import to a disk too small: exit %d\n%s\n%s", code, out, errOut)
	}
	list, err := openDB(t, db).Threads(context.Background(), models.ThreadQuery{})
	if err != nil || list.Total != 0 {
		t.Fatalf("after a refused import: %v %v", list, err)
	}
}
