package models

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

// ImportGrowth is how many bytes the database grows by per byte of tweet
// text imported, rounded up from 100,000-record imports: 7.7 for the
// customer-support CSV (short lines, each a thread or an answer with its
// search rows), 3.7 for an X archive (JSON with much that is not kept),
// 1-2.3 into the inbox alone.
const ImportGrowth = 8

// ImportSpace estimates the free disk space an import of files needs: the
// WAL an import grows between checkpoints, plus ImportGrowth times the
// tweet text they hold: a plain file's size, a gzip file's declared size,
// the declared sizes of a ZIP's text files (its .js files only when named
// for tweets: an X archive also holds likes, messages and media).
func ImportSpace(files ...string) (int64, error) {
	var text int64
	for _, f := range files {
		n, err := textSize(f)
		if err != nil {
			return 0, err
		}
		text += n
	}
	return importWALBytes + ImportGrowth*text, nil
}

func textSize(name string) (int64, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, fmt.Errorf("estimate the space to import %s: %w", name, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	size := fi.Size()
	head := make([]byte, 4)
	if _, err := io.ReadFull(f, head); err != nil {
		return size, nil // too short to be compressed
	}
	switch {
	case bytes.Equal(head[:2], []byte{0x1f, 0x8b}):
		// The trailer's ISIZE: the decompressed size modulo 4 GB.
		tail := make([]byte, 4)
		if _, err := f.ReadAt(tail, size-4); err != nil {
			return size, nil
		}
		return max(size, int64(binary.LittleEndian.Uint32(tail))), nil
	case bytes.Equal(head, []byte("PK\x03\x04")):
		zr, err := zip.NewReader(f, size)
		if err != nil {
			return size, nil // the reader says what is wrong with it
		}
		var n int64
		for _, e := range zr.File {
			lower := strings.ToLower(e.Name)
			switch ext := path.Ext(lower); {
			case ext == ".js" && !strings.Contains(path.Base(lower), "tweet"):
			case ext == ".js", ext == ".json", ext == ".jsonl", ext == ".ndjson", ext == ".csv", ext == ".txt", ext == ".gz":
				n += int64(min(e.UncompressedSize64, 1<<50))
			}
		}
		return n, nil
	}
	return size, nil
}

// SpaceError refuses an import the disk has no room for.
type SpaceError struct {
	Free, Need int64
}

func (e *SpaceError) Error() string {
	return fmt.Sprintf("not enough free disk space for this import: %s free on the database's disk, about %s needed "+
		"(%s for the WAL while it runs, and %d times the tweet text)", ByteSize(e.Free), ByteSize(e.Need), ByteSize(importWALBytes), ImportGrowth)
}

// CheckImportSpace refuses, with a *SpaceError, an import that needs more
// than the free space (ImportSpace). Free space that cannot be read is no
// refusal.
func (s *Store) CheckImportSpace(need int64) error {
	free, err := s.FreeSpace()
	if err != nil {
		return nil
	}
	if free < need {
		return &SpaceError{Free: free, Need: need}
	}
	return nil
}
