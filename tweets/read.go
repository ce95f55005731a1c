package tweets

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Options say how ReadFileWith reads a file.
type Options struct {
	// Alone reads the file without looking at the files beside it
	// (account.js, note-tweet.js, user_details.js): for an upload kept in
	// a temporary directory, whose neighbours have nothing to do with it.
	// Inside a ZIP the archive's own files are always used.
	Alone bool
	// Limits bound a ZIP or gzip input; zero fields take DefaultLimits.
	Limits Limits
}

// Read streams one input: it detects the format from the content, calls fn
// for every tweet in file order, records malformed records as Skips (with
// their lines) and keeps going, and returns a Result. A gzip-compressed
// input is decompressed on the fly; a ZIP needs ReadFile.
//
// If fn returns an error, Read stops and returns it unchanged, with the
// Result so far. An input in no known format is an error wrapping
// ErrUnknownFormat, and fn is not called. Memory stays flat whatever the
// input size: arrays, JSON Lines and CSV are read record by record.
func Read(r io.Reader, fn func(Tweet) error) (*Result, error) {
	res, err := readStream(r, fn, noNeighbours{}, &meter{lim: DefaultLimits()})
	if errors.Is(err, errZipStream) {
		return nil, fmt.Errorf("%w: a ZIP archive, which only ReadFile opens", ErrUnknownFormat)
	}
	return res, err
}

// ReadFile is ReadFileWith with the default Options: it reads a file the
// way the import command does.
func ReadFile(path string, fn func(Tweet) error) (*Result, error) {
	return ReadFileWith(path, Options{}, fn)
}

// ReadFileWith reads a file: a ZIP (recognised by its content, not its
// name) has the tweet files inside it read in order (see planArchive), a
// gzip file is decompressed, anything else is read as Read does. For an X
// archive file it also reads account.js from the same directory (unless
// opts.Alone) into Result.Account and uses it as the author of tweets that
// have no user object; for a Grailbird CSV it does the same with
// user_details.js.
func ReadFileWith(path string, opts Options, fn func(Tweet) error) (*Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open tweets file: %w", err)
	}
	defer f.Close()
	m := &meter{lim: opts.Limits.orDefaults()}
	if z, err := openZip(f, m); z != nil || err != nil {
		if err != nil {
			return nil, err
		}
		return z.read(fn)
	}
	var nb neighbours = noNeighbours{}
	if !opts.Alone {
		nb = &dirNeighbours{dir: filepath.Dir(path)}
	}
	res, err := readStream(f, fn, nb, m)
	if errors.Is(err, errZipStream) {
		return nil, fmt.Errorf("%w: a ZIP inside a gzip file: decompress it (gunzip) and import the ZIP", ErrUnknownFormat)
	}
	return res, err
}

// CheckFile says what ReadFileWith would make of a file without reading
// any tweet: its format, or the error that would stop it (a format it does
// not know, a ZIP without tweets, a ZIP over the limits by its directory).
// Uploads use it to refuse a wrong file on the form.
func CheckFile(path string, opts Options) (Format, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("open tweets file: %w", err)
	}
	defer f.Close()
	m := &meter{lim: opts.Limits.orDefaults()}
	if z, err := openZip(f, m); z != nil || err != nil {
		return FormatZIP, err
	}
	br := bufio.NewReaderSize(f, headSize)
	br, _, err = gunzipHead(br, m)
	if err != nil {
		if errors.Is(err, errZipStream) {
			return "", fmt.Errorf("%w: a ZIP inside a gzip file: decompress it (gunzip) and import the ZIP", ErrUnknownFormat)
		}
		return "", err
	}
	head, err := peekHead(br)
	if err != nil {
		return "", err
	}
	return Detect(head)
}

// errZipStream is what readStream says of a ZIP: it needs random access,
// which only a file gives.
var errZipStream = errors.New("a ZIP in a stream")

func peekHead(br *bufio.Reader) ([]byte, error) {
	head, err := br.Peek(headSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("read input: %w", err)
	}
	return head, nil
}

// gunzipHead returns a reader of the decompressed content when br holds a
// gzip stream (and true), br itself otherwise. A ZIP, inside gzip or not,
// is errZipStream.
func gunzipHead(br *bufio.Reader, m *meter) (*bufio.Reader, bool, error) {
	head, err := peekHead(br)
	if err != nil {
		return nil, false, err
	}
	if isZip(head) {
		return nil, false, errZipStream
	}
	if !isGzip(head) {
		return br, false, nil
	}
	in := &countingReader{r: br}
	zr, err := gzip.NewReader(in)
	if err != nil {
		return nil, true, fmt.Errorf("%w: a damaged gzip file (%v)", ErrUnknownFormat, err)
	}
	br = bufio.NewReaderSize(m.wrap(zr, "the gzip file", func() int64 { return in.n }), headSize)
	head, err = peekHead(br)
	if err != nil {
		return nil, true, err
	}
	if isZip(head) {
		return nil, true, errZipStream
	}
	if isGzip(head) {
		return nil, true, fmt.Errorf("%w: gzip inside gzip: decompress it once (gunzip) and import the result", ErrUnknownFormat)
	}
	return br, true, nil
}

// readStream reads one stream (a file, a gzip file's content, a ZIP entry).
func readStream(r io.Reader, fn func(Tweet) error, nb neighbours, m *meter) (*Result, error) {
	br, gz, err := gunzipHead(bufio.NewReaderSize(r, headSize), m)
	if err != nil {
		return nil, err
	}
	head, err := peekHead(br)
	if err != nil {
		return nil, err
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
	res := &Result{Format: format, Gzip: gz}
	s := &sink{res: res, fn: fn}
	switch format {
	case FormatArchive:
		if res.Account, err = nb.account(); err != nil {
			return nil, err
		}
		var notes *noteIndex
		if notes, err = nb.notes(); err != nil {
			return nil, err
		}
		err = readArchive(br, s, res.Account, notes)
	case FormatGrailbird:
		if res.Account, err = nb.userDetails(); err != nil {
			return nil, err
		}
		err = readGrailbird(br, s, res.Account)
	case FormatGrailCSV:
		if res.Account, err = nb.userDetails(); err != nil {
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
	res.Parts = []Part{{Format: format, Read: res.Read, Skipped: len(res.Skipped), Account: res.Account}}
	return res, err
}

// neighbours finds what the files beside an input say about it, for
// formats whose records do not name their author.
type neighbours interface {
	account() (*Account, error)     // an X archive's account.js
	userDetails() (*Account, error) // a Grailbird archive's data/js/user_details.js
	notes() (*noteIndex, error)     // an X archive's note-tweet.js
}

// noNeighbours looks nowhere: a stream, or an upload read alone.
type noNeighbours struct{}

func (noNeighbours) account() (*Account, error)     { return nil, nil }
func (noNeighbours) userDetails() (*Account, error) { return nil, nil }
func (noNeighbours) notes() (*noteIndex, error)     { return nil, nil }

// dirNeighbours looks in the file's directory on disk.
type dirNeighbours struct{ dir string }

func (d *dirNeighbours) account() (*Account, error) {
	return readAccountFile(filepath.Join(d.dir, "account.js"))
}

func (d *dirNeighbours) userDetails() (*Account, error) {
	return firstAccount(userDetailsPaths(filepath.Join, d.dir), readUserDetailsFile)
}

// userDetailsPaths are where a Grailbird archive's user_details.js is, seen
// from the directory of a file of tweets: beside the month files
// (data/js/tweets/YYYY_MM.js, data/csv/YYYY_MM.csv) or the archive's root
// tweets.csv. join is filepath.Join on disk, path.Join inside a ZIP.
func userDetailsPaths(join func(...string) string, dir string) []string {
	return []string{join(dir, "..", "user_details.js"), join(dir, "..", "js", "user_details.js"), join(dir, "data", "js", "user_details.js")}
}

// firstAccount is the account of the first of paths that read finds.
func firstAccount(paths []string, read func(string) (*Account, error)) (*Account, error) {
	for _, p := range paths {
		if a, err := read(p); a != nil || err != nil {
			return a, err
		}
	}
	return nil, nil
}

func (d *dirNeighbours) notes() (*noteIndex, error) {
	return readNotesFile(filepath.Join(d.dir, "note-tweet.js"))
}
