package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/crowdcare/crowdcare/internal/pgcluster"
	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/insights"
)

// scaletest measures several app servers on one PostgreSQL primary with a
// streaming replica, against one server on SQLite, under a read/write mix,
// kills one server with kill -9 mid-load and checks that nothing
// acknowledged was lost (docs/benchmarks.md, "Several app servers").
func scaletest(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlagSet("scaletest")
	dur := fs.Duration("duration", 20*time.Second, "how long each setup is driven")
	workers := fs.Int("workers", 16, "concurrent clients")
	members := fs.Int("members", 30, "members who answer and vote")
	threads := fs.Int("threads", 40, "threads seeded in each database")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if _, err := pgcluster.BinDir(); err != nil {
		return fmt.Errorf("scaletest needs PostgreSQL's server programs: %w", err)
	}
	work, err := os.MkdirTemp("", "crowdcare-scaletest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	fmt.Fprintln(stdout, "Starting a PostgreSQL primary and a streaming replica on 127.0.0.1…")
	primary, err := pgcluster.StartPrimary(ctx, pgcluster.Options{TCP: true})
	if err != nil {
		return err
	}
	defer primary.Stop()
	replica, err := primary.StartReplica(ctx)
	if err != nil {
		return err
	}
	defer replica.Stop()
	sink, err := newSMTPSink()
	if err != nil {
		return err
	}
	defer sink.Close()

	setups := []scaleSetup{
		{name: "SQLite, 1 server", servers: 1},
		{name: "PostgreSQL + replica, 1 server", servers: 1, postgres: true},
		{name: "PostgreSQL + replica, 2 servers", servers: 2, postgres: true},
		{name: "PostgreSQL + replica, 3 servers, kill -9", servers: 3, postgres: true, kill: true},
	}
	var results []*scaleResult
	for i, s := range setups {
		loc := filepath.Join(work, fmt.Sprintf("setup%d.db", i))
		replicaURL := ""
		if s.postgres {
			name := fmt.Sprintf("scale%d", i)
			if err := primary.CreateDB(ctx, name); err != nil {
				return err
			}
			loc, replicaURL = primary.URL(name), replica.URL(name)
		}
		fmt.Fprintf(stdout, "%s: seeding…\n", s.name)
		filesDir := filepath.Join(work, fmt.Sprintf("files%d", i))
		seed, err := seedScale(ctx, loc, filesDir, *members, *threads)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		sink.Reset()
		r, err := runSetup(ctx, s, loc, replicaURL, filesDir, sink, seed, *workers, *dur, stdout)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		results = append(results, r)
	}
	printScale(stdout, results, *workers, *dur)
	for _, r := range results {
		if len(r.problems) > 0 {
			return errors.New("consistency problems (above)")
		}
	}
	return nil
}

type scaleSetup struct {
	name     string
	servers  int
	postgres bool
	kill     bool
}

// scaleSeed is what the load works on.
type scaleSeed struct {
	threads []string // thread paths
	answers []int64  // seeded answers, to vote on
	members []string // usernames (password scalePassword)
}

const scalePassword = "scaletest password"

// seedScale fills a new database: askers with threads, each with a few
// answers, members to answer and vote, and a posting limit high enough for
// the load.
func seedScale(ctx context.Context, loc, filesDir string, members, threads int) (*scaleSeed, error) {
	store, err := models.Open(ctx, loc, models.Options{FilesDir: filesDir})
	if err != nil {
		return nil, err
	}
	defer store.Close()
	sd := store.NewSeeder()
	defer sd.Close()
	sd.At(time.Now().Add(-time.Hour))
	admin, err := sd.CreateUser(ctx, models.NewUser{Username: "scaleadmin", Email: "admin@scale.invalid", Password: scalePassword, Role: models.RoleAdmin})
	if err != nil {
		return nil, err
	}
	out := &scaleSeed{}
	var users []*models.User
	for i := 0; i < members; i++ {
		u, err := sd.CreateUser(ctx, models.NewUser{Username: fmt.Sprintf("member%d", i), Email: fmt.Sprintf("member%d@scale.invalid", i), Password: scalePassword})
		if err != nil {
			return nil, err
		}
		users = append(users, u)
		out.members = append(out.members, u.Username)
	}
	words := []string{"router", "wifi", "firmware", "billing", "invoice", "password", "modem", "signal"}
	for i := 0; i < threads; i++ {
		asker := users[i%len(users)]
		w := words[i%len(words)]
		t, err := sd.Ask(ctx, asker, models.NewThread{Title: fmt.Sprintf("The %s stops working after the update (%d)", w, i), CategorySlug: "general",
			Body: fmt.Sprintf("Since yesterday's update my %s stops working every evening. Restarting helps for an hour.", w), Tags: w})
		if err != nil {
			return nil, err
		}
		out.threads = append(out.threads, t.URL())
		for k := 1; k <= 3; k++ {
			p, err := sd.Answer(ctx, users[(i+k)%len(users)], t.ID, fmt.Sprintf("Try resetting the %s to factory settings, then update it again (%d).", w, k))
			if err != nil {
				return nil, err
			}
			out.answers = append(out.answers, p.ID)
		}
	}
	if err := sd.SkipEmails(ctx); err != nil {
		return nil, err
	}
	sd.Close()
	set, err := store.SiteSettings(ctx)
	if err != nil {
		return nil, err
	}
	f := models.SiteSettingsForm{BrandName: set.BrandName, BadgeTitle: set.BadgeTitle, SuperuserThreshold: strconv.Itoa(set.SuperuserThreshold),
		PostsPerHour: "100000", StandingDays: "0", StandingReputation: "0"}
	if err := store.SaveSiteSettings(ctx, admin, f); err != nil {
		return nil, fmt.Errorf("raise the posting limit for the load: %w", err)
	}
	return out, nil
}

// scaleResult is what one setup measured.
type scaleResult struct {
	setup            scaleSetup
	elapsed          time.Duration
	ok               int64
	pages            map[string][]time.Duration
	failed, retries  int64
	visible          []time.Duration // write on one server -> seen by a visitor on another
	ryw, rywMiss     int64           // a writer's next page on another server, and how often it lacked the write
	acked            []int64
	killedAt         time.Duration
	leasesMoved      time.Duration // -1: not within the wait
	movedLeases      []string
	emailsReceived   int
	emailDuplicates  int
	consistency      models.Consistency
	problems         []string
	servedAfterKill  int64
	failedAfterKill  int64
	answeredByServer []int64
	failures         map[string]int // page and status (or "error")
}

type scaleServer struct {
	base string
	pid  int
	kill func() error
	stop func()
	dead atomic.Bool
}

func runSetup(ctx context.Context, s scaleSetup, loc, replicaURL, filesDir string, sink *smtpSink, seed *scaleSeed,
	workers int, dur time.Duration, stdout io.Writer) (*scaleResult, error) {
	var servers []*scaleServer
	var logs []string // each server's errors
	defer func() {
		for _, sv := range servers {
			if !sv.dead.Load() {
				sv.kill()
			}
		}
	}()
	for i := 0; i < s.servers; i++ {
		args := []string{"serve", "--addr", "127.0.0.1:0", "--page-rate", "0", "--trust-proxy", "--registrations-per-day", "-1",
			"--smtp-host", "127.0.0.1", "--smtp-port", strconv.Itoa(sink.Port()), "--smtp-tls", "none", "--smtp-from", "Community <community@scale.invalid>"}
		env := []string{"CROWDCARE_LOG_LEVEL=error"}
		args = append(args, "--data-dir", filesDir)
		if s.postgres {
			env = append(env, "CROWDCARE_DATABASE_URL="+loc, "CROWDCARE_DATABASE_REPLICA_URL="+replicaURL)
		} else {
			args = append(args, "--db", loc)
		}
		logFile, err := os.Create(filepath.Join(filepath.Dir(filesDir), fmt.Sprintf("%s.server%d.log", filepath.Base(filesDir), i)))
		if err != nil {
			return nil, err
		}
		defer logFile.Close()
		logs = append(logs, logFile.Name())
		cmd, base, _, err := childLogged(env, logFile, args...)
		if err != nil {
			return nil, err
		}
		sv := &scaleServer{base: base, pid: cmd.Process.Pid}
		sv.kill = func() error {
			err := cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
			return err
		}
		sv.stop = func() {
			cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				cmd.Process.Signal(syscall.SIGKILL)
				<-done
			}
		}
		servers = append(servers, sv)
	}
	// Members log in once; their session works on every server. A page
	// after the login gives them the CSRF token the login replaced.
	jars := make([]http.CookieJar, len(seed.members))
	for i, name := range seed.members {
		jars[i], _ = cookiejar.New(nil)
		base := servers[i%len(servers)].base
		if err := loginAs(base, jars[i], name, scalePassword); err != nil {
			return nil, err
		}
		if _, _, err := fetch(base+"/", jars[i], nil); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(stdout, "%s: driving %d servers for %s with %d clients…\n", s.name, len(servers), dur, workers)
	r := &scaleResult{setup: s, pages: map[string][]time.Duration{}, leasesMoved: -1, answeredByServer: make([]int64, len(servers)), failures: map[string]int{}}
	var mu sync.Mutex
	var votable = slices.Clone(seed.answers)
	record := func(page string, d time.Duration) {
		mu.Lock()
		r.pages[page] = append(r.pages[page], d)
		mu.Unlock()
	}
	tr := &http.Transport{MaxIdleConnsPerHost: workers, DisableCompression: false}
	defer tr.CloseIdleConnections()
	start := time.Now()
	deadline := start.Add(dur)
	var killedAt atomic.Int64 // ns since start; 0: not yet
	// do sends one request to server i, or on a dead server or a
	// connection error to the next one (a retry, as a load balancer's).
	do := func(i int, build func(base string) (*http.Request, error), jar http.CookieJar) (*http.Response, []byte, int, error) {
		c := &http.Client{Transport: tr, Jar: jar, Timeout: 30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		var lastErr error
		for try := 0; try < len(servers)+1; try++ {
			sv := servers[(i+try)%len(servers)]
			if sv.dead.Load() {
				continue
			}
			if try > 0 {
				atomic.AddInt64(&r.retries, 1)
			}
			req, err := build(sv.base)
			if err != nil {
				return nil, nil, 0, err
			}
			res, err := c.Do(req)
			if err != nil {
				lastErr = err
				continue
			}
			b, err := io.ReadAll(res.Body)
			res.Body.Close()
			if err != nil {
				lastErr = err
				continue
			}
			if res.StatusCode == http.StatusServiceUnavailable || res.StatusCode == http.StatusBadGateway {
				lastErr = fmt.Errorf("%s", res.Status)
				continue
			}
			return res, b, (i + try) % len(servers), nil
		}
		if lastErr == nil {
			lastErr = errors.New("no server left")
		}
		return nil, nil, 0, lastErr
	}
	get := func(path, ip string) func(string) (*http.Request, error) {
		return func(base string) (*http.Request, error) {
			req, err := http.NewRequest(http.MethodGet, base+path, nil)
			if err == nil {
				req.Header.Set("X-Forwarded-For", ip)
				req.Header.Set("Accept-Encoding", "gzip, br")
			}
			return req, err
		}
	}
	// plain is get without asking for compression by hand, so the
	// transport unzips the page for a look inside.
	plain := func(path, ip string) func(string) (*http.Request, error) {
		return func(base string) (*http.Request, error) {
			req, err := http.NewRequest(http.MethodGet, base+path, nil)
			if err == nil {
				req.Header.Set("X-Forwarded-For", ip)
			}
			return req, err
		}
	}
	post := func(path, ip string, jar http.CookieJar, form url.Values) func(string) (*http.Request, error) {
		return func(base string) (*http.Request, error) {
			u, _ := url.Parse(base)
			for _, ck := range jar.Cookies(u) {
				if ck.Name == "_csrf" {
					form.Set("_csrf", ck.Value)
				}
			}
			req, err := http.NewRequest(http.MethodPost, base+path, strings.NewReader(form.Encode()))
			if err == nil {
				req.Header.Set("X-Forwarded-For", ip)
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			return req, err
		}
	}
	// follow opens /p/ID on server i and the page it sends to there.
	follow := func(i int, pid int64, ip string, jar http.CookieJar) ([]byte, error) {
		res, _, served, err := do(i, plain(fmt.Sprintf("/p/%d", pid), ip), jar)
		if err != nil {
			return nil, err
		}
		loc := res.Header.Get("Location")
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/") {
			return nil, fmt.Errorf("/p/%d: %s", pid, res.Status)
		}
		_, b, _, err := do(served, plain(strings.SplitN(loc, "#", 2)[0], ip), jar)
		return b, err
	}
	var probing atomic.Bool
	var probes sync.WaitGroup
	var seq atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(w), 42))
			for time.Now().Before(deadline) && ctx.Err() == nil { // Ctrl+C: stop, and clean up
				i := rnd.IntN(len(servers))
				ip := fmt.Sprintf("10.%d.%d.%d", w, rnd.IntN(250), rnd.IntN(250))
				thread := seed.threads[rnd.IntN(len(seed.threads))]
				m := rnd.IntN(len(seed.members))
				jar := jars[m]
				t0 := time.Now()
				var page string
				var res *http.Response
				var body []byte
				var served int
				var err error
				switch x := rnd.IntN(100); {
				case x < 45:
					page = "thread (visitor)"
					res, body, served, err = do(i, get(thread, ip), nil)
				case x < 60:
					page = "search (visitor)"
					res, body, served, err = do(i, get("/search?q="+[]string{"router", "firmware", "billing", "modem"}[rnd.IntN(4)], ip), nil)
				case x < 70:
					page = "home (visitor)"
					res, body, served, err = do(i, get("/", ip), nil)
				case x < 80:
					page = "thread (member)"
					res, body, served, err = do(i, get(thread, "10.200.0."+strconv.Itoa(m)), jar)
				case x < 92:
					page = "answer (member)"
					mark := fmt.Sprintf("scale-%d-%d", w, seq.Add(1))
					id := strings.Split(thread, "/")[2]
					res, body, served, err = do(i, post("/t/"+id+"/answers", "10.200.0."+strconv.Itoa(m), jar,
						// The form's submission key, as the page gives one: a
						// retry on another server after a connection error
						// (the first may have committed) writes nothing twice.
						url.Values{"body": {"Turning the device off for a minute fixed it for me. " + mark}, "_submission": {"scaletest-answer-" + mark}}), jar)
					if err == nil && res.StatusCode == http.StatusSeeOther && strings.HasPrefix(res.Header.Get("Location"), "/p/") {
						pid, _ := strconv.ParseInt(strings.TrimPrefix(res.Header.Get("Location"), "/p/"), 10, 64)
						mu.Lock()
						r.acked = append(r.acked, pid)
						votable = append(votable, pid)
						mu.Unlock()
						atomic.AddInt64(&r.answeredByServer[served], 1)
						record(page, time.Since(t0))
						// The writer's next page, on another server at once:
						// where /p/ID sends them (the thread's page with it).
						other := (served + 1) % len(servers)
						if b, err := follow(other, pid, "10.200.0."+strconv.Itoa(m), jar); err == nil {
							atomic.AddInt64(&r.ryw, 1)
							if !strings.Contains(string(b), mark) {
								atomic.AddInt64(&r.rywMiss, 1)
							}
						}
						// How long until a visitor on another server sees it.
						if len(servers) > 1 && probing.CompareAndSwap(false, true) {
							probes.Add(1)
							go func() {
								defer probes.Done()
								defer probing.Store(false)
								for time.Since(t0) < 10*time.Second {
									b, err := follow((served+2)%len(servers), pid, "10.250.0.1", nil)
									if err == nil && strings.Contains(string(b), mark) {
										mu.Lock()
										r.visible = append(r.visible, time.Since(t0))
										mu.Unlock()
										return
									}
									time.Sleep(5 * time.Millisecond)
								}
							}()
						}
						if k := killedAt.Load(); k > 0 {
							atomic.AddInt64(&r.servedAfterKill, 1)
						}
						atomic.AddInt64(&r.ok, 1)
						continue
					}
				default:
					page = "vote (member)"
					mu.Lock()
					pid := votable[rnd.IntN(len(votable))]
					mu.Unlock()
					form := url.Values{}
					if rnd.IntN(3) == 0 {
						form.Set("undo", "1")
					}
					res, body, served, err = do(i, post(fmt.Sprintf("/p/%d/vote", pid), "10.200.0."+strconv.Itoa(m), jar, form), jar)
				}
				_ = body
				okStatus := err == nil && (res.StatusCode == http.StatusOK || res.StatusCode == http.StatusSeeOther)
				if !okStatus {
					why := "error"
					if err == nil {
						why = strconv.Itoa(res.StatusCode)
					}
					mu.Lock()
					r.failures[page+" "+why]++
					mu.Unlock()
					atomic.AddInt64(&r.failed, 1)
					if killedAt.Load() > 0 {
						atomic.AddInt64(&r.failedAfterKill, 1)
					}
					continue
				}
				record(page, time.Since(t0))
				atomic.AddInt64(&r.ok, 1)
				if killedAt.Load() > 0 {
					atomic.AddInt64(&r.servedAfterKill, 1)
				}
			}
		}(w)
	}
	// kill -9 mid-load: the server that holds the mail lease (else the first).
	var victim *scaleServer
	var victimLeases []string
	if s.kill {
		select {
		case <-time.After(dur / 2):
		case <-ctx.Done():
		}
		victim = servers[0]
		for _, sv := range servers {
			if h, err := scaleHealth(sv.base); err == nil && len(h.Leases) > 0 {
				victim, victimLeases = sv, h.Leases
				break
			}
		}
		killedAt.Store(int64(time.Since(start)))
		victim.dead.Store(true)
		victim.kill()
		r.killedAt = time.Since(start)
		fmt.Fprintf(stdout, "%s: killed (kill -9) the server at %s holding %v at %s\n", s.name, victim.base, victimLeases, r.killedAt.Round(time.Millisecond))
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	probes.Wait()
	if victim != nil {
		// Until another server holds every lease the dead one held.
		killed := start.Add(r.killedAt)
		for time.Since(killed) < 45*time.Second {
			held := map[string]bool{}
			for _, sv := range servers {
				if sv.dead.Load() {
					continue
				}
				if h, err := scaleHealth(sv.base); err == nil {
					for _, l := range h.Leases {
						held[l] = true
					}
				}
			}
			all := true
			for _, l := range victimLeases {
				all = all && held[l]
			}
			if all {
				r.leasesMoved = time.Since(killed)
				r.movedLeases = victimLeases
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	// Stop the servers (SIGTERM: an email being sent is finished or left
	// claimed), then check what the database and the SMTP server hold.
	for _, sv := range servers {
		if !sv.dead.Load() {
			sv.stop()
			sv.dead.Store(true)
		}
	}
	store, err := models.Open(ctx, loc, models.Options{FilesDir: filesDir})
	if err != nil {
		return nil, err
	}
	defer store.Close()
	r.consistency, err = store.CheckConsistency(ctx, r.acked)
	if err != nil {
		return nil, err
	}
	r.emailsReceived, r.emailDuplicates = sink.Counts()
	if n := len(r.consistency.Missing); n > 0 {
		r.problems = append(r.problems, fmt.Sprintf("%d acknowledged answers missing", n))
	}
	if r.consistency.VoteMismatches > 0 {
		r.problems = append(r.problems, fmt.Sprintf("%d posts whose vote count differs from the votes table", r.consistency.VoteMismatches))
	}
	if r.emailDuplicates > 0 {
		r.problems = append(r.problems, fmt.Sprintf("%d emails received twice", r.emailDuplicates))
	}
	// An email is sent, then recorded: one whose server died in between
	// stays claimed (then unconfirmed) and is never sent again.
	em := r.consistency.Emails
	if most := em[models.EmailSent] + em["claimed"] + em[models.EmailUnconfirmed]; r.emailsReceived > most {
		r.problems = append(r.problems, fmt.Sprintf("%d emails received, more than the %d recorded as sent, claimed or unconfirmed", r.emailsReceived, most))
	}
	if victim != nil && (r.leasesMoved < 0 || r.leasesMoved > 30*time.Second) {
		r.problems = append(r.problems, fmt.Sprintf("the dead server's leases %v did not move within 30 s", victimLeases))
	}
	if r.rywMiss > 0 {
		r.problems = append(r.problems, fmt.Sprintf("%d of %d writers' next pages on another server lacked their answer", r.rywMiss, r.ryw))
	}
	// What the servers logged as errors (the 500s), a few lines of each.
	for _, name := range logs {
		b, _ := os.ReadFile(name)
		n := 0
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "level=ERROR") && n < 3 {
				fmt.Fprintf(stdout, "%s: server log: %s\n", s.name, line)
				n++
			}
		}
	}
	for _, p := range r.problems {
		fmt.Fprintf(stdout, "%s: PROBLEM: %s\n", s.name, p)
	}
	return r, nil
}

type scaleHealthReport struct {
	Leases []string `json:"leases"`
}

func scaleHealth(base string) (scaleHealthReport, error) {
	var h scaleHealthReport
	res, body, err := fetch(base+"/healthz", nil, nil)
	if err != nil {
		return h, err
	}
	if res.StatusCode >= 500 {
		return h, errors.New(res.Status)
	}
	return h, json.Unmarshal(body, &h)
}

// pct is the nearest-rank percentile p of d (insights.Percentile, on a
// copy: it sorts).
func pct(d []time.Duration, p int) time.Duration { return insights.Percentile(slices.Clone(d), p) }

func printScale(w io.Writer, rs []*scaleResult, workers int, dur time.Duration) {
	fmt.Fprintf(w, "\nScale test: %d clients, %s per setup; throughput as a ratio to one SQLite server.\n", workers, dur)
	base := float64(rs[0].ok) / rs[0].elapsed.Seconds()
	fmt.Fprintf(w, "%-42s %8s %6s %6s %7s %9s %9s %7s\n", "setup", "req/s", "ratio", "failed", "retries", "visible50", "visible99", "RYW miss")
	for _, r := range rs {
		rps := float64(r.ok) / r.elapsed.Seconds()
		vis50, vis99 := "-", "-"
		if len(r.visible) > 0 {
			vis50, vis99 = pct(r.visible, 50).Round(time.Millisecond).String(), pct(r.visible, 99).Round(time.Millisecond).String()
		}
		fmt.Fprintf(w, "%-42s %8.0f %6.2f %6d %7d %9s %9s %3d/%-3d\n", r.setup.name, rps, rps/base, r.failed, r.retries, vis50, vis99, r.rywMiss, r.ryw)
	}
	var names []string
	for n := range rs[0].pages {
		names = append(names, n)
	}
	slices.Sort(names)
	fmt.Fprintf(w, "\np50 / p99 per page:\n%-22s", "page")
	for _, r := range rs {
		fmt.Fprintf(w, " %21s", shortSetup(r.setup))
	}
	fmt.Fprintln(w)
	for _, n := range names {
		fmt.Fprintf(w, "%-22s", n)
		for _, r := range rs {
			d := r.pages[n]
			fmt.Fprintf(w, " %21s", fmt.Sprintf("%s / %s (%d)", pct(d, 50).Round(100*time.Microsecond), pct(d, 99).Round(time.Millisecond), len(d)))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "\nConsistency:")
	for _, r := range rs {
		c := r.consistency
		fmt.Fprintf(w, "  %-42s %d acknowledged answers, %d missing; vote counts off: %d; emails: %d received (%d twice), states %v\n",
			r.setup.name, len(r.acked), len(c.Missing), c.VoteMismatches, r.emailsReceived, r.emailDuplicates, c.Emails)
		if len(r.failures) > 0 {
			fmt.Fprintf(w, "  %-42s failed requests by page and status: %v\n", "", r.failures)
		}
		if r.setup.kill {
			moved := "not within 45 s"
			if r.leasesMoved >= 0 {
				moved = r.leasesMoved.Round(100 * time.Millisecond).String()
			}
			fmt.Fprintf(w, "  %-42s killed at %s; afterwards %d requests served, %d failed; leases %v moved after %s\n",
				"", r.killedAt.Round(time.Second), r.servedAfterKill, r.failedAfterKill, r.movedLeases, moved)
		}
	}
}

func shortSetup(s scaleSetup) string {
	if !s.postgres {
		return "SQLite x1"
	}
	return fmt.Sprintf("PG x%d", s.servers)
}

// smtpSink is an SMTP server that accepts every message and counts them,
// and those whose recipient and text it has seen before.
type smtpSink struct {
	ln   net.Listener
	mu   sync.Mutex
	seen map[string]int
	n    int
}

func newSMTPSink() (*smtpSink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &smtpSink{ln: ln, seen: map[string]int{}}
	go s.serve()
	return s, nil
}

func (s *smtpSink) Port() int    { return s.ln.Addr().(*net.TCPAddr).Port }
func (s *smtpSink) Close() error { return s.ln.Close() }

func (s *smtpSink) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen, s.n = map[string]int{}, 0
}

// Counts is the messages received, and how many repeated one received before.
func (s *smtpSink) Counts() (received, twice int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.seen {
		twice += n - 1
	}
	return s.n, twice
}

func (s *smtpSink) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		go s.session(c)
	}
}

func (s *smtpSink) session(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Minute))
	r := bufio.NewReader(c)
	say := func(line string) { io.WriteString(c, line+"\r\n") }
	say("220 sink")
	var rcpt string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250 sink")
		case strings.HasPrefix(cmd, "RCPT"):
			rcpt = strings.TrimSpace(line[len("RCPT TO:"):])
			say("250 ok")
		case cmd == "DATA":
			say("354 go on")
			var msg strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" || l == ".\n" {
					break
				}
				msg.WriteString(l)
			}
			// The text, without the header (its Message-ID and Date differ).
			_, text, _ := strings.Cut(msg.String(), "\r\n\r\n")
			s.mu.Lock()
			s.n++
			s.seen[rcpt+"\x00"+text]++
			s.mu.Unlock()
			say("250 ok")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}
