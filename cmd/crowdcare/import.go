package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/crowdcare/crowdcare/handlers"
	"github.com/crowdcare/crowdcare/imports"
	"github.com/crowdcare/crowdcare/language"
	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/tweets"
)

// listFlag collects a repeatable flag (--brand-handle a --brand-handle b, or a,b).
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

// importMemoryLimit is the Go heap's soft limit during a command-line import
// (unless GOMEMLIMIT says otherwise). A million-record import keeps ~55 MB
// live (the batches in flight, the queue of conversations); with
// Go's default pacing the garbage between collections took peak RSS to
// 166-176 MB, with the limit 123-131 MB at the same speed.
const importMemoryLimit = 96 << 20

func limitImportMemory() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(importMemoryLimit)
	}
}

func importCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "tweets" {
		return usageError("import takes: tweets FILE...")
	}
	limitImportMemory()
	fs, db := newFlags("import tweets")
	category := fs.String("category", "general", "category for the new threads (slug)")
	dryRun := fs.Bool("dry-run", false, "print what would happen, change nothing")
	triage := fs.Bool("triage", false, "send the items to the triage inbox instead of making threads")
	var brands listFlag
	fs.Var(&brands, "brand-handle", "the brand's account on X (repeat or comma-separate)")
	return withStore(ctx, fs, db, args[1:], func(store *models.Store, files []string) error {
		if len(files) == 0 {
			return usageError("import tweets needs at least one FILE")
		}
		if !*dryRun {
			// Refused before it starts when the disk cannot hold it: a full
			// disk stops every write of the site, not only the import's.
			need, err := models.ImportSpace(files...)
			if err != nil {
				return err
			}
			if err := store.CheckImportSpace(need); err != nil {
				return fmt.Errorf("%w; nothing was imported. Free some space on the disk of %s and run the import again", err, dbName(*db))
			}
		}
		var job int64
		if !*dryRun {
			var err error
			holder := models.JobHolder(os.Getpid())
			if job, err = startJob(ctx, store, stdout, files, *triage, holder); err != nil {
				return err
			}
			// The app servers take a job whose heartbeat stops for dead.
			beatCtx, stopBeat := context.WithCancel(ctx)
			defer stopBeat()
			go imports.Heartbeat(beatCtx, store, job, holder, models.ImportHeartbeatEvery, slog.Default(), func() {
				fmt.Fprintf(os.Stderr, "import job %d was marked interrupted by another process (this one's heartbeat was late); "+
					"the import goes on, and running it again afterwards finishes what it leaves waiting\n", job)
			})
		}
		im, err := store.NewImporter(ctx, models.ImportOptions{BrandHandles: brands, Category: *category, Triage: *triage,
			DryRun: *dryRun, Source: "cli", Operator: operator(), Files: files, Job: job})
		if err != nil {
			endJob(store, job, nil, err)
			return err
		}
		defer im.Abandon() // after Finish it does nothing
		var unknown, unread []string
		for _, f := range files {
			res, err := tweets.ReadFile(f, func(t tweets.Tweet) error { return im.Add(ctx, t) })
			if errors.Is(err, tweets.ErrUnknownFormat) && res == nil {
				fmt.Fprintf(stdout, "%s: %v; nothing imported from it\n", f, err)
				unknown = append(unknown, f)
				continue
			}
			if err != nil {
				sum := im.Abandon()
				printPartial(stdout, f, sum)
				if ctx.Err() != nil {
					endJob(store, job, sum, ctx.Err())
					fmt.Fprintln(stdout, "The import was stopped. Run it again with the same files: it adds what was not stored and finishes what waits.")
				} else {
					endJob(store, job, sum, err)
				}
				return fmt.Errorf("%s: %w", f, err)
			}
			im.Skip(f, res.Skipped)
			unread = append(unread, printRead(stdout, f, res)...)
		}
		sum, err := im.Finish(ctx)
		endJob(store, job, sum, err)
		if err != nil {
			printPartial(stdout, "The import", sum)
			return err
		}
		printSummary(stdout, sum)
		if !*dryRun {
			n, err := detectAll(ctx, store)
			if err != nil {
				return err
			}
			if n > 0 {
				fmt.Fprintf(stdout, "Detected the language of %d posts whose source did not give one.\n", n)
			}
		}
		var problems []string
		if len(unknown) > 0 {
			problems = append(problems, fmt.Sprintf("%s in no known format: %s", handlers.Plural(len(unknown), "file", "files"), strings.Join(unknown, ", ")))
		}
		if len(unread) > 0 {
			problems = append(problems, fmt.Sprintf("%s of which every record was skipped: %s", handlers.Plural(len(unread), "file", "files"), strings.Join(unread, ", ")))
		}
		if len(problems) > 0 {
			return errors.New(strings.Join(problems, "; "))
		}
		return nil
	})
}

// startJob records a command-line import as a job, after marking interrupted
// the jobs whose process died (saying so: this run finishes what they left
// waiting).
func startJob(ctx context.Context, store *models.Store, stdout io.Writer, files []string, triage bool, holder string) (int64, error) {
	gone, err := store.RecoverImportJobs(ctx, holder, models.ImportJobTTL)
	if err != nil {
		return 0, err
	}
	for _, j := range gone {
		fmt.Fprintf(stdout, "An earlier import was interrupted: job %d (%s, %s, started %s) stored %d items before its process ended. "+
			"This run finishes converting what it left waiting.\n", j.ID, j.Source, j.Filename, j.CreatedAt.Format(time.DateTime), j.Stored)
	}
	return store.StartImportJob(ctx, operator(), strings.Join(files, ", "), triage, holder)
}

// endJob records how the import's job ended: stopped by a signal it is
// interrupted, as if its process had died.
func endJob(store *models.Store, job int64, sum *models.ImportSummary, failure error) {
	if job == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Best effort: a job left running is marked interrupted by the next run.
	if errors.Is(failure, context.Canceled) {
		_ = store.InterruptImportJob(ctx, job)
		return
	}
	_ = store.FinishImportJob(ctx, job, sum, failure)
}

// printRead says what was read from a file (each file read from a ZIP on
// a line of its own) and returns the files whose every record was skipped:
// a file in the wrong shape, which makes the command fail.
func printRead(w io.Writer, f string, res *tweets.Result) (unread []string) {
	line := func(indent, name string, format tweets.Format, gzip bool, p tweets.Part) {
		what := string(format)
		if gzip {
			what += " (gzip)"
		}
		fmt.Fprintf(w, "%s%s: %s, %s read, %s skipped", indent, name, what, handlers.Plural(p.Read, "tweet", "tweets"), handlers.Plural(p.Skipped, "record", "records"))
		if a := p.Account; a != nil {
			fmt.Fprintf(w, ", by @%s", a.Handle)
		}
		fmt.Fprintln(w)
	}
	if res.Format == tweets.FormatZIP {
		fmt.Fprintf(w, "%s: a ZIP, %s read from %s in it, %s skipped\n", f, handlers.Plural(res.Read, "tweet", "tweets"),
			handlers.Plural(len(res.Parts), "file", "files"), handlers.Plural(len(res.Skipped), "record", "records"))
		for _, p := range res.Parts {
			if p.Format == "" {
				fmt.Fprintf(w, "  %s: in no known format, nothing read from it\n", p.Name)
			} else {
				line("  ", p.Name, p.Format, false, p)
			}
			if p.NothingRead() {
				unread = append(unread, f+":"+p.Name)
			}
		}
	} else {
		for _, p := range res.Parts {
			line("", f, p.Format, res.Gzip, p)
			if p.NothingRead() {
				unread = append(unread, f)
			}
		}
	}
	for _, e := range res.APIErrors {
		fmt.Fprintf(w, "  API error in the file: %s\n", e)
	}
	return unread
}

// printPartial says what an import that failed part-way stored before: that
// stays, and importing again adds what was not stored.
func printPartial(w io.Writer, what string, s *models.ImportSummary) {
	if s == nil || s.DryRun || s.Imported == 0 {
		return
	}
	fmt.Fprintf(w, "%s failed part-way. Stored before it did (importing again adds what was not; what waits is in the triage inbox):\n", what)
	printSummary(w, s)
}

func printSummary(w io.Writer, s *models.ImportSummary) {
	verb := "Imported"
	if s.DryRun {
		verb = "Dry run: would import"
	}
	fmt.Fprintf(w, "%s %d new items (%d read, %d duplicates already imported).\n", verb, s.Imported, s.Read, s.Duplicates)
	fmt.Fprintf(w, "Threads created: %d; answers added: %d; waiting in the triage inbox: %d.\n", s.Threads, s.Answers, s.Inbox)
	if s.Merged > 0 {
		fmt.Fprintf(w, "Earlier threads merged into their conversation's: %d.\n", s.Merged)
	}
	fmt.Fprintf(w, "Filtered: %d", s.FilteredTotal())
	for _, r := range s.FilterReasons() {
		fmt.Fprintf(w, "; %s %d", r, s.Filtered[r])
	}
	fmt.Fprintln(w, ".")
	fmt.Fprintf(w, "Skipped records: %d\n", len(s.Skipped))
	for i, sk := range s.Skipped {
		if i == 50 {
			fmt.Fprintf(w, "  … and %d more\n", len(s.Skipped)-50)
			break
		}
		fmt.Fprintf(w, "  %s\n", sk)
	}
}

// detectAll names the languages still missing.
func detectAll(ctx context.Context, store *models.Store) (int, error) {
	return store.DetectAllLanguages(ctx, language.New())
}
