package media

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"testing"

	"github.com/crowdcare/crowdcare/media/mediatest"
)

// TestStorageBackends runs the same checks on a local directory and on an
// S3-compatible bucket: what is put reads back whole and by range, a
// missing key is ErrMissing, deletes are idempotent, keys list.
func TestStorageBackends(t *testing.T) {
	for _, tc := range []struct {
		name string
		open func(t *testing.T) string
	}{
		{"local directory", func(t *testing.T) string { return filepath.Join(t.TempDir(), "uploads") }},
		{"S3 bucket", func(t *testing.T) string { return mediatest.FakeS3(t, "crowdcare-test") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st, err := OpenStorage(ctx, tc.open(t))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			data := bytes.Repeat([]byte("0123456789"), 5000)
			if err := st.Put(ctx, "ab/abcdef", "text/plain", data); err != nil {
				t.Fatal(err)
			}
			if err := st.Put(ctx, "ab/abcdef.thumb", "image/png", []byte("thumb")); err != nil {
				t.Fatal(err)
			}
			f, err := st.Open(ctx, "ab/abcdef")
			if err != nil {
				t.Fatal(err)
			}
			if f.Size() != int64(len(data)) {
				t.Errorf("size %d, want %d", f.Size(), len(data))
			}
			if _, err := f.Seek(12345, io.SeekStart); err != nil {
				t.Fatal(err)
			}
			part := make([]byte, 10)
			if _, err := io.ReadFull(f, part); err != nil {
				t.Fatal(err)
			}
			if string(part) != "5678901234" {
				t.Errorf("read at 12345: %q", part)
			}
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				t.Fatal(err)
			}
			all, err := io.ReadAll(f)
			if err != nil || !bytes.Equal(all, data) {
				t.Errorf("read back %d bytes (%v), want %d", len(all), err, len(data))
			}
			f.Close()
			keys, err := st.Keys(ctx)
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(keys)
			if !slices.Equal(keys, []string{"ab/abcdef", "ab/abcdef.thumb"}) {
				t.Errorf("keys %q", keys)
			}
			if _, err := st.Open(ctx, "zz/missing"); !errors.Is(err, ErrMissing) {
				t.Errorf("missing key: %v, want ErrMissing", err)
			}
			for i := 0; i < 2; i++ {
				if err := st.Delete(ctx, "ab/abcdef"); err != nil {
					t.Fatalf("delete #%d: %v", i+1, err)
				}
			}
			if ok, err := st.Exists(ctx, "ab/abcdef"); err != nil || ok {
				t.Errorf("after delete: exists %v, %v", ok, err)
			}
			if ok, err := st.Exists(ctx, "ab/abcdef.thumb"); err != nil || !ok {
				t.Errorf("the other key: exists %v, %v", ok, err)
			}
			// Streamed writes: kept on Close, nothing on Abort; List by prefix.
			if err := st.PutFrom(ctx, "jobs/kept", "text/plain", bytes.NewReader(data)); err != nil {
				t.Fatal(err)
			}
			w, err := st.Create(ctx, "jobs/aborted", "text/plain")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write(data); err != nil {
				t.Fatal(err)
			}
			w.Abort()
			if ok, err := st.Exists(ctx, "jobs/aborted"); err != nil || ok {
				t.Errorf("an aborted write: exists %v, %v", ok, err)
			}
			objs, err := st.List(ctx, "jobs/")
			if err != nil || len(objs) != 1 || objs[0].Key != "jobs/kept" || objs[0].ModTime.IsZero() {
				t.Errorf("List(jobs/): %+v %v", objs, err)
			}
			if f, err := st.Open(ctx, "jobs/kept"); err != nil || f.Size() != int64(len(data)) {
				t.Errorf("the streamed file: %v", err)
			} else {
				f.Close()
			}
		})
	}
}
