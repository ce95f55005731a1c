package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/crowdcare/crowdcare/language"
	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/insights"
)

// helloServer is the ceiling: a bare net/http handler, measured the same
// way. With --replay it answers each path listed in that file with the
// status, headers and bytes recorded there (what the real server sent for
// the page: the same bytes in the same encoding, or its 304), from memory;
// any other path gets "hello".
func helloServer(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlagSet("loadtest-hello")
	file := fs.String("replay", "", "JSON file of responses to replay")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	replays := map[string]replay{}
	if *file != "" {
		b, err := os.ReadFile(*file)
		if err != nil {
			return err
		}
		var list []replay
		if err := json.Unmarshal(b, &list); err != nil {
			return fmt.Errorf("%s: %w", *file, err)
		}
		for _, r := range list {
			replays[r.Path] = r
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Crowdcare is serving at http://%s (hello)\n", ln.Addr())
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rp, ok := replays[r.URL.Path]
		if !ok {
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, "hello\n")
			return
		}
		h := w.Header()
		for k, v := range rp.Header {
			h[k] = v
		}
		w.WriteHeader(rp.Status)
		w.Write(rp.Body)
	})}
	go func() { <-ctx.Done(); srv.Close() }()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// replay is one response the bare server sends as the real one sent it.
type replay struct {
	Path   string
	Status int
	Header http.Header
	Body   []byte
}

var servingURL = regexp.MustCompile(`serving at (http://\S+)`)

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// child starts this binary with args and waits for its "serving at" line.
func child(args ...string) (*exec.Cmd, string, time.Duration, error) {
	return childEnv(nil, args...)
}

// childEnv is child with env added to the environment.
func childEnv(env []string, args ...string) (*exec.Cmd, string, time.Duration, error) {
	return childLogged(env, nil, args...)
}

// childLogged is childEnv with the child's standard error going to stderr.
func childLogged(env []string, stderr io.Writer, args ...string) (*exec.Cmd, string, time.Duration, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, "", 0, err
	}
	cmd := exec.Command(self, args...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", 0, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, "", 0, err
	}
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if m := servingURL.FindStringSubmatch(lines.Text()); m != nil {
			go io.Copy(io.Discard, out)
			base := m[1]
			// Time to the first answered request, as a user would see it.
			for time.Since(start) < 30*time.Second {
				if res, err := http.Get(base + "/healthz"); err == nil {
					res.Body.Close()
					return cmd, base, time.Since(start), nil
				}
				time.Sleep(2 * time.Millisecond)
			}
		}
	}
	cmd.Process.Kill()
	return nil, "", 0, fmt.Errorf("%v did not start", args)
}

// loadRun is what one drive measured.
type loadRun struct {
	lat     []time.Duration // of the answers with the wanted status
	errs    int
	elapsed time.Duration
	cpu     time.Duration // CPU time the serving process used meanwhile; <0: unknown
}

type loadResult struct {
	requests, errs int
	p50, p99       time.Duration
	rps            float64
	cpuPerReq      time.Duration // <0: unknown
}

// summarize puts the runs of one page together.
func summarize(runs []loadRun) loadResult {
	var lat []time.Duration
	var r loadResult
	var elapsed, cpu time.Duration
	for _, run := range runs {
		lat = append(lat, run.lat...)
		r.errs += run.errs
		elapsed += run.elapsed
		if cpu >= 0 && run.cpu >= 0 {
			cpu += run.cpu
		} else {
			cpu = -1
		}
	}
	r.requests = len(lat)
	if elapsed > 0 {
		r.rps = float64(len(lat)) / elapsed.Seconds()
	}
	r.p50, r.p99 = insights.Percentile(lat, 50), insights.Percentile(lat, 99)
	r.cpuPerReq = -1
	if cpu >= 0 && len(lat) > 0 {
		r.cpuPerReq = cpu / time.Duration(len(lat))
	}
	return r
}

// cpuTime is the CPU time (user and system) process pid has used so far,
// from /proc; ok is false where that cannot be read.
func cpuTime(pid int) (time.Duration, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// The fields after the command name, which is in parentheses: utime and
	// stime are the 12th and 13th, in clock ticks (100 a second on Linux).
	_, rest, ok := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(u+s) * 10 * time.Millisecond, true
}

// drive sends GETs with hdr from conns workers for d and measures them (and
// the CPU time process pid used); any status but want is an error, but for
// a 304 wanted with If-None-Match: a 200 then means the page changed (its
// relative times move on: "16 minutes ago"), and the worker revalidates the
// new copy from then on, as a browser would; that 200 is not measured.
func drive(target string, conns int, d time.Duration, jar http.CookieJar, hdr http.Header, want, pid int) loadRun {
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var mu sync.Mutex
	run := loadRun{cpu: -1}
	cpu0, cpuOK := cpuTime(pid)
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			bad := 0
			inm := hdr.Get("If-None-Match")
			for time.Now().Before(deadline) {
				req, err := http.NewRequest(http.MethodGet, target, nil)
				if err != nil {
					bad++
					break
				}
				for k, v := range hdr {
					req.Header[k] = v
				}
				if inm != "" {
					req.Header.Set("If-None-Match", inm)
				}
				t0 := time.Now()
				res, err := client.Do(req)
				if err == nil {
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
				if err == nil && want == http.StatusNotModified && inm != "" && res.StatusCode == http.StatusOK && res.Header.Get("ETag") != "" {
					inm = res.Header.Get("ETag")
					continue
				}
				if err != nil || res.StatusCode != want {
					bad++
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			run.lat = append(run.lat, mine...)
			run.errs += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	run.elapsed = time.Since(start)
	if cpu1, ok := cpuTime(pid); ok && cpuOK {
		run.cpu = cpu1 - cpu0
	}
	return run
}

// fetch sends one GET as drive does and returns the response with its body
// as it came over the wire.
func fetch(target string, jar http.CookieJar, hdr http.Header) (*http.Response, []byte, error) {
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}, Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	defer client.CloseIdleConnections()
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		return nil, nil, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	res, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res, b, err
}

func peakRSSOf(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:"))
		}
	}
	return "unknown"
}

// loadRow is one page driven in one way: with an Accept-Encoding, and
// revalidating (If-None-Match with the page's ETag) or not.
type loadRow struct {
	name, path string
	jar        http.CookieJar
	accept     string // Accept-Encoding; "" sends none
	revalidate bool
	hdr        http.Header
	want       int // the status every answer must have
	size       int // bytes of the body on the wire
}

// currentETag sets the row's If-None-Match to the ETag the page has now.
func (r *loadRow) currentETag(base string) error {
	hdr := r.hdr.Clone()
	hdr.Del("If-None-Match")
	res, _, err := fetch(base+r.path, r.jar, hdr)
	if err != nil {
		return err
	}
	etag := res.Header.Get("ETag")
	if etag == "" {
		return fmt.Errorf("%s: no ETag to revalidate with", r.path)
	}
	r.hdr.Set("If-None-Match", etag)
	return nil
}

// loadtest drives the real server on a (large) database and, for each page
// and encoding, a bare net/http server that replays what the real server
// sent for it (the same bytes, in the same encoding), and reports each
// page's throughput as a ratio to that ceiling. The ceiling and the page are
// driven one after the other, so a noisy machine moves both alike.
func loadtest(ctx context.Context, args []string, stdout io.Writer) error {
	fs, db := newFlags("loadtest")
	conns := fs.Int("conns", 50, "concurrent connections")
	dur := fs.Duration("duration", 10*time.Second, "how long each page (and its ceiling) is driven")
	rounds := fs.Int("rounds", 5, "slices each page's time is cut into, alternating with its ceiling's, so a drifting load weighs on both alike")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	store, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	var threadURL, articleURL, categoryURL string
	list, err := store.Threads(ctx, models.ThreadQuery{})
	if err != nil {
		return err
	}
	for p := 1; p <= 50 && threadURL == ""; p++ {
		l, _ := store.Threads(ctx, models.ThreadQuery{Page: p, Sort: models.SortActive})
		for _, t := range l.Threads {
			if t.AnswerCount >= 30 {
				threadURL = t.URL()
				break
			}
		}
	}
	if threadURL == "" && len(list.Threads) > 0 {
		threadURL = list.Threads[0].URL()
	}
	if arts, err := store.Articles(ctx, models.ArticleQuery{PerPage: 1}); err == nil && len(arts.Articles) > 0 {
		articleURL = arts.Articles[0].URL()
	}
	cats, _ := store.Categories(ctx, nil)
	if len(cats) > 0 {
		categoryURL = cats[0].URL()
	}
	// The server detects the language of posts not looked at yet in the
	// background (a new corpus: 100,000 questions, minutes of CPU); done
	// first, so it does not share the CPU with the pages measured.
	det := language.New()
	for {
		n, err := store.DetectLanguages(ctx, det, 2000)
		if err == nil {
			var m int
			m, err = store.DetectThreadLanguages(ctx, det, 2000)
			n += m
		}
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
		fmt.Fprintf(stdout, "Detected the language of %d more posts before the run.\n", n)
	}
	if _, err := store.UserByUsername(ctx, "loadtester"); errors.Is(err, models.ErrNotFound) {
		if _, err := store.CreateUser(ctx, models.NewUser{Username: "loadtester", Email: "loadtester@bench.invalid", Password: "loadtest password"}); err != nil {
			return err
		}
	}
	store.Close()

	// One address drives every page, members' too: the per-address page
	// limit is off. A PostgreSQL URL goes in the environment, where other
	// users cannot read its password (they can a command line), and the
	// files kept with it (the attachment uploaded below) in a temporary
	// directory.
	serveArgs := []string{"serve", "--addr", "127.0.0.1:0", "--db", *db, "--page-rate", "0"}
	var serveEnv []string
	if onPostgres(*db) {
		dataDir, err := os.MkdirTemp("", "crowdcare-loadtest-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dataDir)
		serveArgs = []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir, "--page-rate", "0"}
		serveEnv = []string{"CROWDCARE_DATABASE_URL=" + *db}
	}
	srv, base, startup, err := childEnv(serveEnv, serveArgs...)
	if err != nil {
		return err
	}
	defer srv.Process.Kill()
	jar, _ := cookiejar.New(nil)
	if err := loginForLoad(base, jar); err != nil {
		return err
	}
	_, home, err := fetch(base+"/", nil, nil)
	if err != nil {
		return err
	}
	cssURL := ""
	if m := stylesheetLink.FindSubmatch(home); m != nil {
		cssURL = string(m[1])
	}
	// An attachment, as the composer uploads one: a photo with a thumbnail.
	imageURL, err := uploadForLoad(base, jar)
	if err != nil {
		return err
	}
	const br = "gzip, deflate, br" // as a browser asks
	var rows []*loadRow
	add := func(name, path string, jar http.CookieJar, accept string, revalidate bool) {
		if path != "" {
			rows = append(rows, &loadRow{name: name, path: path, jar: jar, accept: accept, revalidate: revalidate})
		}
	}
	for _, p := range []struct{ name, path string }{{"home", "/"}, {"category", categoryURL},
		{"thread, 30 answers", threadURL}, {"KB article", articleURL}} {
		add(p.name+" (visitor)", p.path, nil, "", false)
		add(p.name+" (visitor)", p.path, nil, br, false)
	}
	add("thread, 30 answers (visitor) 304", threadURL, nil, br, true)
	add("thread, 30 answers (member)", threadURL, jar, "", false)
	add("thread, 30 answers (member)", threadURL, jar, br, false)
	add("search \"router\" (visitor)", "/search?q=router", nil, br, false)
	add("stylesheet", cssURL, nil, br, false)
	add("image 1600×1200 (member)", imageURL, jar, br, false)

	// What the real server sends for each row, for the bare one to replay.
	var replays []replay
	for i, r := range rows {
		r.hdr = http.Header{}
		if r.accept != "" {
			r.hdr.Set("Accept-Encoding", r.accept)
		}
		res, body, err := fetch(base+r.path, r.jar, r.hdr)
		if err != nil {
			return err
		}
		if r.revalidate {
			if err := r.currentETag(base); err != nil {
				return err
			}
			if res, body, err = fetch(base+r.path, r.jar, r.hdr); err != nil {
				return err
			}
		}
		r.want, r.size = res.StatusCode, len(body)
		h := res.Header.Clone()
		for _, k := range []string{"Date", "Set-Cookie", "X-Request-Id"} {
			h.Del(k)
		}
		replays = append(replays, replay{Path: fmt.Sprintf("/r%d", i), Status: res.StatusCode, Header: h, Body: body})
	}
	file, err := os.CreateTemp("", "crowdcare-replay-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(file.Name())
	if err := json.NewEncoder(file).Encode(replays); err != nil {
		file.Close()
		return err
	}
	if err := file.Close(); err != nil {
		return err
	}
	hello, helloURL, _, err := child("loadtest-hello", "--replay", file.Name())
	if err != nil {
		return err
	}
	defer hello.Process.Kill()

	*rounds = max(1, *rounds)
	fmt.Fprintf(stdout, "Server ready in %s; %d connections, %s per page and per ceiling, in %d alternating slices.\n",
		startup.Round(time.Millisecond), *conns, *dur, *rounds)
	fmt.Fprintf(stdout, "%-34s %-8s %6s %4s %7s %7s %6s %8s %8s %8s %6s %8s %8s\n", "page", "encoding", "bytes", "code",
		"req/s", "ceiling", "ratio", "p50", "p99", "ceil p99", "errors", "CPU/req", "ceiling")
	cpuText := func(d time.Duration) string {
		if d < 0 {
			return "?"
		}
		return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
	}
	for i, r := range rows {
		var ceilingRuns, runs []loadRun
		slice := *dur / time.Duration(*rounds)
		for k := 0; k < *rounds; k++ {
			ceilingRuns = append(ceilingRuns, drive(helloURL+replays[i].Path, *conns, slice, nil, r.hdr, r.want, hello.Process.Pid))
			if r.revalidate {
				// The page's relative times ("16 minutes ago") move on now and
				// then, and with them its ETag: revalidate the copy it has now.
				if err := r.currentETag(base); err != nil {
					return err
				}
			}
			runs = append(runs, drive(base+r.path, *conns, slice, r.jar, r.hdr, r.want, srv.Process.Pid))
		}
		ceiling, got := summarize(ceilingRuns), summarize(runs)
		enc := replays[i].Header.Get("Content-Encoding")
		if enc == "" {
			enc = "identity"
		}
		fmt.Fprintf(stdout, "%-34s %-8s %6d %4d %7.0f %7.0f %5.1f%% %8s %8s %8s %6d %8s %8s\n", r.name, enc, r.size, r.want, got.rps, ceiling.rps,
			100*got.rps/ceiling.rps, got.p50.Round(10*time.Microsecond), got.p99.Round(10*time.Microsecond), ceiling.p99.Round(10*time.Microsecond),
			got.errs+ceiling.errs, cpuText(got.cpuPerReq), cpuText(ceiling.cpuPerReq))
	}
	fmt.Fprintf(stdout, "Server peak RSS: %s\n", peakRSSOf(srv.Process.Pid))
	fmt.Fprintln(stdout, "Transfer sizes:")
	for _, p := range []struct{ name, path string }{{"thread, 30 answers", threadURL}, {"stylesheet", cssURL}} {
		if p.path == "" {
			continue
		}
		sizes := map[string]int{}
		for _, accept := range []string{"", "gzip", "br"} {
			hdr := http.Header{}
			if accept != "" {
				hdr.Set("Accept-Encoding", accept)
			}
			_, body, err := fetch(base+p.path, nil, hdr)
			if err != nil {
				return err
			}
			sizes[accept] = len(body)
		}
		raw := float64(sizes[""])
		fmt.Fprintf(stdout, "  %-20s raw %d B, gzip %d B (%.1f%%), Brotli %d B (%.1f%%)\n", p.name, sizes[""],
			sizes["gzip"], 100*float64(sizes["gzip"])/raw, sizes["br"], 100*float64(sizes["br"])/raw)
	}
	return nil
}

var stylesheetLink = regexp.MustCompile(`href="(/static/[^"]+\.css)"`)

func loginForLoad(base string, jar http.CookieJar) error {
	return loginAs(base, jar, "loadtester", "loadtest password")
}

// loginAs logs in through the form, as a browser would.
func loginAs(base string, jar http.CookieJar, username, password string) error {
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(base + "/login")
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfField.FindSubmatch(body)
	if m == nil {
		return errors.New("no CSRF token on /login")
	}
	res, err = c.PostForm(base+"/login", url.Values{"_csrf": {string(m[1])}, "username": {username}, "password": {password}})
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("log in as %s: %s", username, res.Status)
	}
	return nil
}

// uploadForLoad uploads a 1600 × 1200 photo as the load tester, through
// POST /uploads as the composer does, and returns its address.
func uploadForLoad(base string, jar http.CookieJar) (string, error) {
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(base + "/ask")
	if err != nil {
		return "", err
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfField.FindSubmatch(page)
	if m == nil {
		return "", errors.New("no CSRF token on /ask")
	}
	img := image.NewRGBA(image.Rect(0, 0, 1600, 1200))
	for y := 0; y < 1200; y++ {
		for x := 0; x < 1600; x++ {
			i := img.PixOffset(x, y)
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = uint8(x), uint8(y), uint8((x*y)>>8), 255
		}
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("_csrf", string(m[1]))
	fw, err := w.CreateFormFile("file", "loadtest.jpg")
	if err != nil {
		return "", err
	}
	if err := jpeg.Encode(fw, img, &jpeg.Options{Quality: 90}); err != nil {
		return "", err
	}
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, base+"/uploads", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	res, err = c.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var out struct{ URL, Error string }
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || out.URL == "" {
		return "", fmt.Errorf("upload for the load test: %s %s %v", res.Status, out.Error, err)
	}
	return out.URL, nil
}
