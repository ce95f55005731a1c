package models

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/crowdcare/crowdcare/tweets"
)

// TestCopyRowsFromReproducesTheImport: the import floor benchmark copies every
// row an import stored, so the copy holds the same threads, items, authors
// and search rows, and puts the writer back as it found it. SQLite's floor:
// on a SQLite file whichever engine the suite runs on.
func TestCopyRowsFromReproducesTheImport(t *testing.T) {
	ctx := context.Background()
	src := fixedSQLiteStore(t)
	var ts []tweets.Tweet
	for i := 0; i < 300; i++ {
		id := fmt.Sprint(1000 + i)
		ts = append(ts, tw(id, "", fmt.Sprintf("cust%d", i%70), fmt.Sprintf("@Brand question %d: the router drops", i), i))
		ts = append(ts, tw(fmt.Sprint(5000+i), id, "Brand", fmt.Sprintf("@cust%d please restart it (%d)", i%70, i), i+1))
	}
	sum := streamImport(t, src, ImportOptions{BrandHandles: []string{"Brand"}}, 64, ts...)
	if sum.Threads != 300 {
		t.Fatalf("import made %d threads", sum.Threads)
	}
	dst := fixedSQLiteStore(t)
	copied, err := dst.CopyRowsFrom(ctx, src.Path(), ImportedTables(), 20000)
	if err != nil {
		t.Fatal(err)
	}
	if copied.CacheKiB != importCacheKiB || copied.CheckpointPages != importCheckpointPages {
		t.Errorf("copied with cache %d KiB, checkpoint every %d pages; want an import's %d and %d",
			copied.CacheKiB, copied.CheckpointPages, importCacheKiB, importCheckpointPages)
	}
	var names []string
	for _, c := range copied.Tables {
		names = append(names, c.Table)
		var n int64
		if err := dst.db.Primary().QueryRow("SELECT COUNT(*) FROM " + c.Table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != c.Rows || n == 0 {
			t.Errorf("%s: %d rows after the copy, reported %d", c.Table, n, c.Rows)
		}
	}
	if want := []string{"users", "threads", "posts", "social_items", "search_index"}; !slices.Equal(names, want) {
		t.Errorf("copied %v, want %v", names, want)
	}
	if a, b := threadShapes(t, src), threadShapes(t, dst); !slices.Equal(a, b) {
		t.Errorf("the copy differs: %d rows against %d", len(b), len(a))
	}
	if got := dumpTable(t, dst, `SELECT id, username, x_handle FROM users ORDER BY id`); !slices.Equal(got, dumpTable(t, src, `SELECT id, username, x_handle FROM users ORDER BY id`)) {
		t.Error("the copy's profiles differ")
	}
	checkTuning(t, dst, false, "after the copy")
	if got := writerSetting(t, dst, "foreign_keys"); got != 1 {
		t.Errorf("foreign_keys %d after the copy", got)
	}
	checkDetached(t, dst)

	// The bound floor writes the same rows, each value bound from Go, in
	// statements of a few rows (7 here, so each transaction of 100 ends
	// with a shorter one), and leaves the writer as it found it too.
	bound := fixedSQLiteStore(t)
	boundCopy, err := bound.CopyRowsBound(ctx, src.Path(), ImportedTables(), 100, 7)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range boundCopy.Tables {
		if c.Table != names[i] || c.Rows != copied.Tables[i].Rows {
			t.Errorf("bound copy: %s %d rows, want %s %d", c.Table, c.Rows, names[i], copied.Tables[i].Rows)
		}
	}
	if a, b := threadShapes(t, src), threadShapes(t, bound); !slices.Equal(a, b) {
		t.Errorf("the bound copy differs: %d rows against %d", len(b), len(a))
	}
	// Every column, with its type: a column the import sets that the
	// bound copy did not bind would show here as a default.
	for _, table := range []string{"users", "threads", "posts", "social_items"} {
		var cols []string
		for _, row := range dumpTable(t, src, `SELECT name FROM pragma_table_info('`+table+`') ORDER BY cid`) {
			c := strings.TrimSpace(strings.TrimPrefix(row, "name="))
			cols = append(cols, "quote("+c+") || ' ' || typeof("+c+")")
		}
		q := `SELECT ` + strings.Join(cols, " || ' | ' || ") + ` AS row FROM ` + table + ` ORDER BY rowid`
		got, want := dumpTable(t, bound, q), dumpTable(t, src, q)
		if len(want) == 0 || len(got) != len(want) {
			t.Errorf("the bound copy's %s: %d rows against %d", table, len(got), len(want))
			continue
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("the bound copy's %s differs:\n got %s\nwant %s", table, got[i], want[i])
				break
			}
		}
	}
	const match = `SELECT COUNT(*) FROM search_index WHERE search_index MATCH 'router'`
	if got, want := countRows(t, bound, match), countRows(t, src, match); got != want || want != 300 {
		t.Errorf("the bound copy's search index finds %d threads for router, the import's %d, want 300", got, want)
	}
	checkTuning(t, bound, false, "after the bound copy")
	if got := writerSetting(t, bound, "foreign_keys"); got != 1 {
		t.Errorf("foreign_keys %d after the bound copy", got)
	}
	checkDetached(t, bound)

	// A copy that fails part-way puts the writer back too.
	other := fixedSQLiteStore(t)
	if _, err := other.CopyRowsFrom(ctx, filepath.Join(t.TempDir(), "not-an-import.db"), ImportedTables(), 20000); err == nil {
		t.Fatal("copying from a database without the tables did not fail")
	}
	checkTuning(t, other, false, "after a failed copy")
	if _, err := other.CopyRowsBound(ctx, filepath.Join(t.TempDir(), "not-an-import.db"), ImportedTables(), 100, 7); err == nil {
		t.Fatal("a bound copy from a database without the tables did not fail")
	}
	checkTuning(t, other, false, "after a failed bound copy")
	if got := writerSetting(t, other, "foreign_keys"); got != 1 {
		t.Errorf("foreign_keys %d after a failed copy", got)
	}
	checkDetached(t, other)

	// A copy while an import runs leaves that import's settings in place.
	im, err := other.NewImporter(ctx, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.CopyRowsFrom(ctx, src.Path(), ImportedTables(), 20000); err != nil {
		t.Fatal(err)
	}
	checkTuning(t, other, true, "after a copy, with an import under way")
	im.Abandon()
	checkTuning(t, other, false, "after the import too")
}

func checkDetached(t *testing.T, s *Store) {
	t.Helper()
	var attached int
	if err := s.db.W().QueryRow(`SELECT COUNT(*) FROM pragma_database_list WHERE name = 'imported'`).Scan(&attached); err != nil || attached != 0 {
		t.Errorf("the source is still attached (%d, %v)", attached, err)
	}
}

// TestCopyRowsFromOnTheSuitesEngine: the floor copies within the engine
// the suite runs on (PostgreSQL: COPY out of one database into another),
// and the copy holds what the import stored.
func TestCopyRowsFromOnTheSuitesEngine(t *testing.T) {
	ctx := context.Background()
	src := fixedStore(t)
	var ts []tweets.Tweet
	for i := 0; i < 120; i++ {
		id := fmt.Sprint(1000 + i)
		ts = append(ts, tw(id, "", fmt.Sprintf("cust%d", i%40), fmt.Sprintf("@Brand question %d: the router drops", i), i))
		ts = append(ts, tw(fmt.Sprint(5000+i), id, "Brand", fmt.Sprintf("@cust%d please restart it (%d)", i%40, i), i+1))
	}
	if sum := streamImport(t, src, ImportOptions{BrandHandles: []string{"Brand"}}, 50, ts...); sum.Threads != 120 {
		t.Fatalf("import made %d threads", sum.Threads)
	}
	dst := fixedStore(t)
	copied, err := dst.CopyRowsFrom(ctx, src.Path(), ImportedTables(), 20000)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range copied.Tables {
		if n := int64(countRows(t, dst, "SELECT COUNT(*) FROM "+c.Table)); n != c.Rows || n == 0 {
			t.Errorf("%s: %d rows after the copy, reported %d", c.Table, n, c.Rows)
		}
	}
	if a, b := threadShapes(t, src), threadShapes(t, dst); !slices.Equal(a, b) {
		t.Errorf("the copy differs: %d rows against %d", len(b), len(a))
	}
}
