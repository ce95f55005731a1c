package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/crowdcare/crowdcare/internal/bench"
	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/tweets"
)

// benchImport generates a customer-support CSV of n records (or an archive of
// n tweets) and times its import into a fresh database, reporting records
// per second and the process's peak memory.
func benchImport(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlagSet("bench import")
	n := fs.Int("records", 1000000, "records to generate")
	kind := fs.String("format", "csv", "csv (customer-support layout) or archive (tweets.js)")
	detect := fs.Bool("detect-language", true, "detect languages (the CSV has none)")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the import to this file")
	triage := fs.Bool("triage", false, "send the items to the inbox instead of making threads (as live listening does)")
	floor := fs.Bool("floor", false, "then copy the stored rows into an empty database, table by table: the least work the engine does for them")
	endToEnd := fs.Bool("end-to-end", false, "then time crowdcare import tweets on the same file, in a process of its own, language detection included")
	server := fs.String("db", "", "a PostgreSQL server as a postgres:// URL of a database to connect to: each run imports into a new database made there and dropped after (empty: SQLite files in a temporary directory)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *server != "" && !db.IsPostgresURL(*server) {
		return usageError("bench import --db takes a postgres:// URL (without it the run uses SQLite files of its own)")
	}
	limitImportMemory()
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	dir, err := os.MkdirTemp("", "crowdcare-bench-import-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "input")
	start := time.Now()
	if *kind == "archive" {
		err = writeArchive(path, *n)
	} else {
		err = writeSupportCSV(path, *n)
	}
	if err != nil {
		return err
	}
	info, _ := os.Stat(path)
	fmt.Fprintf(stdout, "Generated %d %s records (%.0f MB) in %s.\n", *n, *kind, float64(info.Size())/1e6, time.Since(start).Round(time.Millisecond))
	where, err := newBenchDatabase(ctx, *server, dir, "bench")
	if err != nil {
		return err
	}
	defer where.drop()
	if *server != "" {
		fmt.Fprintf(stdout, "Importing into %s (made for this run, dropped after).\n", db.Redact(where.location))
	}
	store, err := models.Open(ctx, where.location, models.Options{})
	if err != nil {
		return err
	}
	defer store.Close()
	opts := models.ImportOptions{BrandHandles: []string{"ExampleCare"}, Source: "bench", Triage: *triage}
	im, err := store.NewImporter(ctx, opts)
	if err != nil {
		return err
	}
	start = time.Now()
	res, err := tweets.ReadFile(path, func(t tweets.Tweet) error { return im.Add(ctx, t) })
	if err != nil {
		im.Abandon()
		return err
	}
	readDone := time.Since(start)
	sum, err := im.Finish(ctx)
	if err != nil {
		return err
	}
	total := time.Since(start)
	fmt.Fprintf(stdout, "Read %d records in %s: %.0f records/s (format %s, %d skipped).\n",
		res.Read, readDone.Round(time.Millisecond), float64(res.Read)/readDone.Seconds(), res.Format, len(res.Skipped))
	what := "Whole import with threads"
	if *triage {
		what = "Whole import to the inbox"
	}
	fmt.Fprintf(stdout, "%s (%d threads, %d answers, %d filtered, %d waiting): %s, %.0f records/s.\n",
		what, sum.Threads, sum.Answers, sum.FilteredTotal(), sum.Inbox, total.Round(time.Millisecond), float64(res.Read)/total.Seconds())
	if *detect {
		start := time.Now()
		n, err := detectAll(ctx, store)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Language detection afterwards (as crowdcare import tweets does, on both cores): %d posts in %s, %.0f posts/s.\n",
			n, time.Since(start).Round(time.Millisecond), float64(n)/time.Since(start).Seconds())
	}
	fmt.Fprintf(stdout, "Peak RSS: %s\n", peakRSSOf(os.Getpid()))
	// After the peak is read: the copy is not the import's memory.
	pprof.StopCPUProfile() // the profile is the import's
	if *floor {
		to, err := newBenchDatabase(ctx, *server, dir, "floor")
		if err != nil {
			return err
		}
		defer to.drop()
		took, err := copyFloor(ctx, store, to.location, res.Read, stdout)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Whole import against the floor, same run: %.0f%% (%.0f against %.0f records/s; %s against %s).\n",
			100*took.Seconds()/total.Seconds(), float64(res.Read)/total.Seconds(), float64(res.Read)/took.Seconds(),
			total.Round(time.Millisecond), took.Round(time.Millisecond))
		if store.Engine() == db.SQLite {
			if err := boundFloor(ctx, store, dir, res.Read, took, total, stdout); err != nil {
				return err
			}
		}
	}
	if *endToEnd {
		to, err := newBenchDatabase(ctx, *server, dir, "cli")
		if err != nil {
			return err
		}
		defer to.drop()
		return timeImportCommand(ctx, path, to.location, res.Read, *triage, stdout)
	}
	return nil
}

// benchDatabase is a database a benchmark run makes for itself.
type benchDatabase struct {
	location string
	drop     func() error
}

// newBenchDatabase is a new database for a run: a file in dir, or with
// server (a PostgreSQL URL) a new database on that server, which drop
// removes again.
func newBenchDatabase(ctx context.Context, server, dir, name string) (*benchDatabase, error) {
	if server == "" {
		return &benchDatabase{location: filepath.Join(dir, name+".db"), drop: func() error { return nil }}, nil
	}
	admin, err := sql.Open("pgx", server)
	if err != nil {
		return nil, err
	}
	dbname := fmt.Sprintf("crowdcare_bench_%s_%d_%d", name, os.Getpid(), time.Now().UnixNano()%1e6)
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+dbname); err != nil {
		admin.Close()
		return nil, fmt.Errorf("make a database for the run on %s: %w", db.Redact(server), err)
	}
	u, err := url.Parse(server)
	if err != nil {
		admin.Close()
		return nil, err
	}
	u.Path = "/" + dbname
	return &benchDatabase{location: u.String(), drop: func() error {
		defer admin.Close()
		_, err := admin.ExecContext(context.WithoutCancel(ctx), `DROP DATABASE IF EXISTS `+dbname+` WITH (FORCE)`)
		return err
	}}, nil
}

// timeImportCommand runs crowdcare import tweets on the file of records,
// into a fresh database, as a process of its own, and reports its time and
// peak memory.
func timeImportCommand(ctx context.Context, path, db string, records int, triage bool, stdout io.Writer) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	args := []string{"import", "tweets", "--db", db, "--brand-handle", "ExampleCare"}
	if triage {
		args = append(args, "--triage")
	}
	cmd := exec.CommandContext(ctx, self, append(args, path)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	// VmHWM is a high-water mark: its last reading before the process
	// ends is its peak, give or take the last 100 ms.
	done, peak := make(chan struct{}), make(chan string, 1)
	go func() {
		last := "unknown"
		for {
			if r := peakRSSOf(cmd.Process.Pid); r != "unknown" {
				last = r
			}
			select {
			case <-done:
				peak <- last
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	err = cmd.Wait()
	took := time.Since(start)
	close(done)
	if err != nil {
		return fmt.Errorf("crowdcare import tweets: %w\n%s", err, out.String())
	}
	fmt.Fprintf(stdout, "crowdcare %s FILE, end to end in its own process (reading, threads, language detection): %s, %.0f records/s; peak RSS %s.\n",
		strings.Join(args[:2], " "), took.Round(time.Millisecond), float64(records)/took.Seconds(), <-peak)
	return nil
}

func customerLines() []string {
	return []string{
		"my broadband keeps dropping every evening since the update", "been on hold for an hour, is anyone there?",
		"why is my bill higher this month than last?", "the router lights are flashing orange again",
		"no internet since 8am, is there an outage in Leeds?", "the TV app keeps buffering on every channel",
		"my new SIM says not provisioned", "can't log in to my account, password reset email never arrives",
		"engineer didn't turn up today, again", "speed test shows 3 Mbps on a 500 plan", "still waiting for my refund",
		"the wifi drops whenever the microwave is on", "thanks, that fixed it!", "tried restarting twice, still nothing 😩",
	}
}

func brandLines() []string {
	return []string{
		"Sorry to hear that! Could you DM us your account number so we can take a look?",
		"Thanks for your patience. Please restart the Hub by holding the power button for 10 seconds.",
		"We're aware of an outage in your area and engineers are working on it. ETA 2pm.",
		"Let's get this sorted: please send us a DM with your postcode.", "Glad to hear it's working again! ^JS",
	}
}

// writeSupportCSV writes conversations in the customer-support layout:
// a customer's question, the brand's reply, sometimes a follow-up.
func writeSupportCSV(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw)
	w.Write([]string{"tweet_id", "author_id", "inbound", "created_at", "text", "response_tweet_id", "in_response_to_tweet_id"})
	r := rand.New(rand.NewPCG(1, 2))
	cust, brand := customerLines(), brandLines()
	t0 := time.Date(2017, 10, 1, 0, 0, 0, 0, time.UTC)
	id := 0
	for id < n {
		customer := strconv.Itoa(100000 + r.IntN(n/3+1))
		at := t0.Add(time.Duration(id) * 30 * time.Second)
		size := 1 + r.IntN(4)
		parent := ""
		for k := 0; k < size && id < n; k++ {
			id++
			author, inbound, text := customer, "True", "@ExampleCare "+cust[r.IntN(len(cust))]
			if k%2 == 1 {
				author, inbound, text = "ExampleCare", "False", "@"+customer+" "+brand[r.IntN(len(brand))]
			}
			w.Write([]string{strconv.Itoa(id), author, inbound, at.Add(time.Duration(k) * 7 * time.Minute).Format(time.RubyDate), text, "", parent})
			parent = strconv.Itoa(id)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// writeArchive writes an X archive tweets.js of n tweets.
func writeArchive(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprint(bw, "window.YTD.tweets.part0 = [")
	cust := customerLines()
	r := rand.New(rand.NewPCG(3, 4))
	t0 := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 1; i <= n; i++ {
		if i > 1 {
			fmt.Fprint(bw, ",")
		}
		reply := ""
		if i > 1 && r.IntN(3) == 0 {
			reply = fmt.Sprintf(`, "in_reply_to_status_id_str" : "%d", "in_reply_to_screen_name" : "benchowner"`, 1000000000000000000+i-1)
		}
		// Each text is different: one author repeating a line would be filtered as spam.
		fmt.Fprintf(bw, `{"tweet" : {"id_str" : "%d", "id" : "%d", "full_text" : "@ExampleCare %s (day %d, try %d)", "created_at" : "%s", "lang" : "en", "entities" : {"urls" : [], "hashtags" : [], "user_mentions" : []}%s}}`,
			1000000000000000000+i, 1000000000000000000+i, cust[r.IntN(len(cust))], i/100, i%100, t0.Add(time.Duration(i)*time.Minute).Format(time.RubyDate), reply)
	}
	fmt.Fprint(bw, "]")
	return bw.Flush()
}

// boundFloor writes what the import stored into another empty database
// with every value bound from Go, as the import binds them (SQLite), and
// reports it against the floor (took) and the import (total): the part of
// the floor's pace that binding rows from Go leaves to an import.
func boundFloor(ctx context.Context, store *models.Store, dir string, records int, took, total time.Duration, stdout io.Writer) error {
	copied, err := copyInto(ctx, store, filepath.Join(dir, "bound.db"), bench.CopyImportRowsBound)
	if err != nil {
		return err
	}
	bound, parts := copiedTimes(copied, false)
	fmt.Fprintf(stdout, "The same rows written from Go, each value bound as the import binds it (%d rows a statement, %d a transaction; reading them not counted): %s, %.0f records/s (%s).\n",
		models.ImportBulkRows, bench.FloorChunk, bound.Round(time.Millisecond), float64(records)/bound.Seconds(), parts)
	fmt.Fprintf(stdout, "The rows bound from Go with nothing else to do go at %.0f%% of the floor's pace; the whole import at %.0f%% of theirs.\n",
		100*took.Seconds()/bound.Seconds(), 100*bound.Seconds()/total.Seconds())
	return nil
}

// copyFloor copies what the import stored into an empty database and reports
// how long the engine alone took, per table and per input record.
func copyFloor(ctx context.Context, store *models.Store, path string, records int, stdout io.Writer) (time.Duration, error) {
	copied, err := copyInto(ctx, store, path, bench.CopyImportRows)
	if err != nil {
		return 0, err
	}
	total, parts := copiedTimes(copied, true)
	how := fmt.Sprintf("writer cache %d MB, checkpoint every %d pages", copied.CacheKiB>>10, copied.CheckpointPages)
	if store.Engine() == db.Postgres {
		how = "COPY out of the imported database into COPY in, one transaction"
	}
	fmt.Fprintf(stdout, "The same rows copied into an empty database, table by table: %s, %.0f records/s (%s; %s).\n",
		total.Round(time.Millisecond), float64(records)/total.Seconds(), parts, how)
	return total, nil
}

// copyInto opens the empty database at path and copies the import's rows
// from store into it with copyRows.
func copyInto(ctx context.Context, store *models.Store, path string,
	copyRows func(context.Context, *models.Store, string) (models.RowsCopied, error)) (models.RowsCopied, error) {
	to, err := models.Open(ctx, path, models.Options{})
	if err != nil {
		return models.RowsCopied{}, err
	}
	defer to.Close()
	return copyRows(ctx, to, store.Path())
}

// copiedTimes is a copy's total time and its tables' times (with their
// rows when rows is set), as the report lists them.
func copiedTimes(copied models.RowsCopied, rows bool) (time.Duration, string) {
	var total time.Duration
	var parts []string
	for _, t := range copied.Tables {
		total += t.Took
		if rows {
			parts = append(parts, fmt.Sprintf("%s %d rows %s", t.Table, t.Rows, t.Took.Round(time.Millisecond)))
		} else {
			parts = append(parts, fmt.Sprintf("%s %s", t.Table, t.Took.Round(time.Millisecond)))
		}
	}
	return total, strings.Join(parts, ", ")
}
