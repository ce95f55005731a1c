package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/gcerrors"

	// s3:// addresses: any S3-compatible object store (AWS, MinIO,
	// Backblaze B2, Cloudflare R2, Ceph …).
	_ "gocloud.dev/blob/s3blob"
)

// Storage keeps uploaded files under keys, in a local directory or an
// S3-compatible bucket: the same code reads and writes both
// (gocloud.dev/blob), so an install moves from one app server to several by
// configuration alone. Keys are random; nothing a member sent becomes part
// of a path. The bucket is never served directly: every file goes through
// the application, which decides who may see it.
type Storage struct {
	bucket *blob.Bucket
	// dir is the local directory, "" for a bucket.
	dir string
	// where describes the storage for logs and messages, without secrets.
	where string
}

// OpenStorage opens dirOrURL: an s3:// address (s3://bucket?endpoint=…&region=…,
// credentials from the usual AWS environment variables or files), or a
// local directory, created if missing (mode 0700: only the server reads it).
func OpenStorage(ctx context.Context, dirOrURL string) (*Storage, error) {
	if dirOrURL == "" {
		return nil, errors.New("uploads storage: no directory or bucket address")
	}
	if strings.HasPrefix(dirOrURL, "s3://") {
		u, err := url.Parse(dirOrURL)
		if err != nil {
			return nil, fmt.Errorf("uploads storage: %w", err)
		}
		b, err := blob.OpenBucket(ctx, dirOrURL)
		if err != nil {
			return nil, fmt.Errorf("uploads storage %s: %w", "s3://"+u.Host, err)
		}
		where := "s3://" + u.Host
		if ep := u.Query().Get("endpoint"); ep != "" {
			where += " at " + ep
		}
		return &Storage{bucket: b, where: where}, nil
	}
	if strings.Contains(dirOrURL, "://") {
		return nil, fmt.Errorf("uploads storage %q: give a directory or an s3:// address", dirOrURL)
	}
	if err := os.MkdirAll(dirOrURL, 0o700); err != nil {
		return nil, fmt.Errorf("uploads directory: %w", err)
	}
	// Files are written beside their final name and renamed (NoTempDir),
	// so a file is whole or absent even on another mount than /tmp; what
	// a file is (its type) is kept in the database, not in sidecar files.
	b, err := fileblob.OpenBucket(dirOrURL, &fileblob.Options{NoTempDir: true, DirFileMode: 0o700,
		Metadata: fileblob.MetadataDontWrite})
	if err != nil {
		return nil, fmt.Errorf("uploads directory: %w", err)
	}
	return &Storage{bucket: b, dir: dirOrURL, where: dirOrURL}, nil
}

// Dir is the local directory, or "" when the files are in a bucket.
func (s *Storage) Dir() string { return s.dir }

// String says where the files are, for logs: a directory, or the bucket
// and its endpoint (never credentials).
func (s *Storage) String() string { return s.where }

// Close releases the storage.
func (s *Storage) Close() error { return s.bucket.Close() }

// FileKey is where an upload with key is in the storage: spread over
// folders by its first two characters, so no directory holds millions.
func FileKey(key string) string { return key[:2] + "/" + key }

// ThumbKey is where its thumbnail is.
func ThumbKey(key string) string { return FileKey(key) + ".thumb" }

// Put stores data under key.
func (s *Storage) Put(ctx context.Context, key, contentType string, data []byte) error {
	err := s.bucket.WriteAll(ctx, key, data, &blob.WriterOptions{ContentType: contentType})
	if err != nil {
		return fmt.Errorf("store %s: %w", key, err)
	}
	return nil
}

// PutFrom stores what r reads under key, streamed (never held whole in
// memory). A failed copy stores nothing.
func (s *Storage) PutFrom(ctx context.Context, key, contentType string, r io.Reader) error {
	w, err := s.Create(ctx, key, contentType)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		w.Abort()
		return fmt.Errorf("store %s: %w", key, err)
	}
	return w.Close()
}

// Writer writes one stored file: it is there once Close returned nil, and
// never if Abort was called (or the write failed) first.
type Writer struct {
	w      *blob.Writer
	cancel context.CancelFunc
	key    string
}

// Create starts writing the file under key; the caller ends with Close (to
// keep it) or Abort.
func (s *Storage) Create(ctx context.Context, key, contentType string) (*Writer, error) {
	ctx, cancel := context.WithCancel(ctx)
	w, err := s.bucket.NewWriter(ctx, key, &blob.WriterOptions{ContentType: contentType})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("store %s: %w", key, err)
	}
	return &Writer{w: w, cancel: cancel, key: key}, nil
}

func (w *Writer) Write(p []byte) (int, error) { return w.w.Write(p) }

// Close keeps the file.
func (w *Writer) Close() error {
	defer w.cancel()
	if err := w.w.Close(); err != nil {
		return fmt.Errorf("store %s: %w", w.key, err)
	}
	return nil
}

// Abort drops what was written: the file is not stored (gocloud.dev/blob
// leaves nothing when the writer's context ends before Close).
func (w *Writer) Abort() {
	w.cancel()
	_ = w.w.Close() // reports the cancellation, which is the point
}

// Object is a stored file as listed.
type Object struct {
	Key     string
	ModTime time.Time
}

// List lists the files whose keys start with prefix.
func (s *Storage) List(ctx context.Context, prefix string) ([]Object, error) {
	var out []Object
	it := s.bucket.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", prefix, err)
		}
		if !obj.IsDir {
			out = append(out, Object{Key: obj.Key, ModTime: obj.ModTime})
		}
	}
}

// ErrMissing is returned for a key the storage does not hold.
var ErrMissing = errors.New("uploads storage: no such file")

// File is a stored file being read; it can seek, for range requests.
type File interface {
	io.ReadSeekCloser
	Size() int64
	ModTime() time.Time
}

// Open reads the file under key; ErrMissing if there is none.
func (s *Storage) Open(ctx context.Context, key string) (File, error) {
	r, err := s.bucket.NewReader(ctx, key, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, ErrMissing
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	return r, nil
}

// Delete removes the file under key; a key already gone is no error.
func (s *Storage) Delete(ctx context.Context, key string) error {
	err := s.bucket.Delete(ctx, key)
	if err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	return nil
}

// Exists reports whether key is stored.
func (s *Storage) Exists(ctx context.Context, key string) (bool, error) {
	ok, err := s.bucket.Exists(ctx, key)
	if err != nil {
		return false, fmt.Errorf("look for %s: %w", key, err)
	}
	return ok, nil
}

// Keys lists every stored key, for backups and checks.
func (s *Storage) Keys(ctx context.Context) ([]string, error) {
	var keys []string
	it := s.bucket.List(nil)
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			return keys, nil
		}
		if err != nil {
			return nil, fmt.Errorf("list uploads: %w", err)
		}
		if !obj.IsDir {
			keys = append(keys, obj.Key)
		}
	}
}

// CopyAll copies every file of from into to (a backup), returning how many
// files and bytes. Files are never changed once stored, so a copy taken
// while the site serves is sound file by file.
func CopyAll(ctx context.Context, from, to *Storage) (int, int64, error) {
	keys, err := from.Keys(ctx)
	if err != nil {
		return 0, 0, err
	}
	var n int
	var size int64
	for _, k := range keys {
		r, err := from.bucket.NewReader(ctx, k, nil)
		if gcerrors.Code(err) == gcerrors.NotFound {
			continue // deleted since it was listed
		}
		if err != nil {
			return n, size, fmt.Errorf("read %s: %w", k, err)
		}
		w, err := to.bucket.NewWriter(ctx, k, &blob.WriterOptions{ContentType: r.ContentType()})
		if err != nil {
			r.Close()
			return n, size, err
		}
		written, err := io.Copy(w, r)
		r.Close()
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return n, size, fmt.Errorf("copy %s: %w", k, err)
		}
		n, size = n+1, size+written
	}
	return n, size, nil
}
