package tweets

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Read streams one input: it detects the format from the content, calls fn
// for every tweet in file order, records malformed records as Skips (with
// line or record numbers) and keeps going, and returns a Result.
//
// If fn returns an error, Read stops and returns it unchanged, with the
// Result so far. An input in no known format is an error wrapping
// ErrUnknownFormat, and fn is not called. Memory stays flat whatever the
// input size: arrays, JSON Lines and CSV are read record by record.
func Read(r io.Reader, fn func(Tweet) error) (*Result, error) {
	return read(r, fn, accounts{})
}

// ReadFile is Read on a path. For an X archive file it also reads account.js
// from the same directory (if present) into Result.Account and uses it as the
// author of tweets that have no user object; for a Grailbird CSV it does the
// same with ../js/user_details.js.
func ReadFile(path string, fn func(Tweet) error) (*Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open tweets file: %w", err)
	}
	defer f.Close()
	dir := filepath.Dir(path)
	return read(f, fn, accounts{
		archive: func() (*Account, error) { return readAccountFile(filepath.Join(dir, "account.js")) },
		grailbird: func() (*Account, error) {
			return readUserDetailsFile(filepath.Join(dir, "..", "js", "user_details.js"))
		},
	})
}

// accounts finds an input's owner beside it, for formats whose records do
// not name their author. Zero value: no lookup (Read on a bare stream).
type accounts struct {
	archive   func() (*Account, error)
	grailbird func() (*Account, error)
}

func loadAccount(find func() (*Account, error)) (*Account, error) {
	if find == nil {
		return nil, nil
	}
	return find()
}

func read(r io.Reader, fn func(Tweet) error, owners accounts) (*Result, error) {
	br := bufio.NewReaderSize(r, headSize)
	head, err := br.Peek(headSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("read input: %w", err)
	}
	format, err := Detect(head)
	if err != nil {
		return nil, err
	}
	if len(head) >= len(utf8BOM) && string(head[:len(utf8BOM)]) == utf8BOM {
		if _, err := br.Discard(len(utf8BOM)); err != nil {
			return nil, fmt.Errorf("skip byte order mark: %w", err)
		}
	}
	res := &Result{Format: format}
	s := &sink{res: res, fn: fn}
	switch format {
	case FormatArchive:
		if res.Account, err = loadAccount(owners.archive); err != nil {
			return nil, err
		}
		err = readArchive(br, s, res.Account)
	case FormatGrailbird:
		err = readGrailbird(br, s)
	case FormatGrailCSV:
		if res.Account, err = loadAccount(owners.grailbird); err != nil {
			return nil, err
		}
		err = readGrailCSV(br, s, res.Account)
	case FormatSupportCSV:
		err = readSupportCSV(br, s)
	case FormatV1:
		err = readV1(br, s)
	case FormatV2, FormatV2Flat:
		err = readV2(br, s)
	default:
		err = fmt.Errorf("format %q has no reader", format)
	}
	return res, err
}
