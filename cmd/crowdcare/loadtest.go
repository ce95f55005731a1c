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
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/crowdcare/crowdcare/models"
)

// helloServer is the ceiling: a bare net/http handler, measured the same way.
func helloServer(ctx context.Context, args []string, stdout io.Writer) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Crowdcare is serving at http://%s (hello)\n", ln.Addr())
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "hello\n")
	})}
	go func() { <-ctx.Done(); srv.Close() }()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

var servingURL = regexp.MustCompile(`serving at (http://\S+)`)

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// child starts this binary with args and waits for its "serving at" line.
func child(args ...string) (*exec.Cmd, string, time.Duration, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, "", 0, err
	}
	cmd := exec.Command(self, args...)
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

type loadResult struct {
	name           string
	requests, errs int
	p50, p99       time.Duration
	rps            float64
}

// drive sends GETs from conns workers for d and measures them.
func drive(name, target string, conns int, d time.Duration, jar http.CookieJar) loadResult {
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var mu sync.Mutex
	var lat []time.Duration
	errs := 0
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			bad := 0
			for time.Now().Before(deadline) {
				t0 := time.Now()
				res, err := client.Get(target)
				if err == nil {
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
				if err != nil || res.StatusCode != http.StatusOK {
					bad++
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			errs += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.Sort(lat)
	r := loadResult{name: name, requests: len(lat), errs: errs, rps: float64(len(lat)) / d.Seconds()}
	if len(lat) > 0 {
		r.p50, r.p99 = lat[len(lat)/2], lat[len(lat)*99/100]
	}
	return r
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

// loadtest drives the real server on a (large) database and reports each
// page's throughput as a ratio to the hello ceiling.
func loadtest(ctx context.Context, args []string, stdout io.Writer) error {
	fs, db := newFlags("loadtest")
	conns := fs.Int("conns", 50, "concurrent connections")
	dur := fs.Duration("duration", 10*time.Second, "how long each page is driven")
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
	if _, err := store.UserByUsername(ctx, "loadtester"); errors.Is(err, models.ErrNotFound) {
		if _, err := store.CreateUser(ctx, models.NewUser{Username: "loadtester", Email: "loadtester@bench.invalid", Password: "loadtest password"}); err != nil {
			return err
		}
	}
	store.Close()

	hello, helloURL, _, err := child("loadtest-hello")
	if err != nil {
		return err
	}
	defer hello.Process.Kill()
	// One address drives every page, members' too: the per-address page limit is off.
	srv, base, startup, err := child("serve", "--addr", "127.0.0.1:0", "--db", *db, "--page-rate", "0")
	if err != nil {
		return err
	}
	defer srv.Process.Kill()
	jar, _ := cookiejar.New(nil)
	if err := loginForLoad(base, jar); err != nil {
		return err
	}
	// An attachment, as the composer uploads one: a photo with a thumbnail.
	imageURL, err := uploadForLoad(base, jar)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Server ready in %s; %d connections, %s per page.\n", startup.Round(time.Millisecond), *conns, *dur)
	type page struct {
		name, path string
		jar        http.CookieJar
	}
	pages := []page{{"home (visitor)", "/", nil}, {"thread, 30 answers (visitor)", threadURL, nil},
		{"thread, 30 answers (member)", threadURL, jar}, {"category (visitor)", categoryURL, nil},
		{"search \"router\" (visitor)", "/search?q=router", nil}, {"KB article (visitor)", articleURL, nil},
		{"image 1600×1200 (member)", imageURL, jar}}
	ceiling := drive("hello (bare net/http)", helloURL+"/", *conns, *dur, nil)
	results := []loadResult{ceiling}
	for _, p := range pages {
		if p.path == "" {
			continue
		}
		results = append(results, drive(p.name, base+p.path, *conns, *dur, p.jar))
	}
	fmt.Fprintf(stdout, "%-32s %9s %8s %9s %9s %7s\n", "page", "req/s", "ratio", "p50", "p99", "errors")
	for _, r := range results {
		fmt.Fprintf(stdout, "%-32s %9.0f %7.1f%% %9s %9s %7d\n", r.name, r.rps, 100*r.rps/ceiling.rps,
			r.p50.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond), r.errs)
	}
	fmt.Fprintf(stdout, "Server peak RSS: %s\n", peakRSSOf(srv.Process.Pid))
	return nil
}

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
