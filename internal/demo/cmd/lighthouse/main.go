// Command lighthouse serves a freshly seeded demo on a free port and
// audits its home page, a thread, a KB article and a search with
// Lighthouse (e2e/node_modules, from npm) in Debian's Chromium
// ($CHROME_PATH): performance, accessibility, best practices and SEO. It
// prints a table and fails when a score is below the minimum (search's
// SEO aside: search results are noindex on purpose). make lighthouse.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/crowdcare/crowdcare/internal/demo/demosite"
)

var categories = []string{"performance", "accessibility", "best-practices", "seo"}

func main() {
	bin := flag.String("lighthouse", "e2e/node_modules/.bin/lighthouse", "the Lighthouse command (npm ci --prefix e2e)")
	preset := flag.String("preset", "", "Lighthouse's --preset: empty for its default (a phone on a slow 4G line), or desktop")
	min := flag.Int("min", 95, "the lowest score accepted")
	flag.Parse()
	ok, err := run(*bin, *preset, *min)
	if err != nil {
		fmt.Fprintln(os.Stderr, "lighthouse:", err)
		os.Exit(1)
	}
	if !ok {
		os.Exit(1)
	}
}

// report is the part of Lighthouse's JSON report read here.
type report struct {
	Categories map[string]struct {
		Score     *float64 `json:"score"`
		AuditRefs []struct {
			ID     string  `json:"id"`
			Weight float64 `json:"weight"`
		} `json:"auditRefs"`
	} `json:"categories"`
	Audits map[string]struct {
		Title string   `json:"title"`
		Score *float64 `json:"score"`
	} `json:"audits"`
	RuntimeError *struct {
		Message string `json:"message"`
	} `json:"runtimeError"`
}

func run(bin, preset string, min int) (bool, error) {
	chrome := os.Getenv("CHROME_PATH")
	if chrome == "" {
		return false, fmt.Errorf("set CHROME_PATH to Chromium (make lighthouse does: $(command -v chromium))")
	}
	if _, err := os.Stat(bin); err != nil {
		return false, fmt.Errorf("%s: %w (npm ci --prefix e2e installs Lighthouse)", bin, err)
	}
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "crowdcare-lighthouse-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(dir)
	site, err := demosite.Start(ctx, dir)
	if err != nil {
		return false, err
	}
	defer site.Close()
	all, err := site.Pages(ctx)
	if err != nil {
		return false, err
	}
	var pages []demosite.Page
	for _, p := range all {
		if p.As == "" { // visitors' pages: what search engines and newcomers see
			pages = append(pages, p)
		}
	}
	fmt.Printf("Lighthouse on the demo at %s (%s)\n\n", site.URL, map[bool]string{true: "mobile, its default", false: preset}[preset == ""])
	fmt.Printf("| %-8s | %-40s | %11s | %13s | %14s | %3s |\n", "page", "path", "performance", "accessibility", "best practices", "SEO")
	fmt.Printf("|%s|%s|%s|%s|%s|%s|\n", strings.Repeat("-", 10), strings.Repeat("-", 42), strings.Repeat("-", 13), strings.Repeat("-", 15), strings.Repeat("-", 16), strings.Repeat("-", 5))
	ok := true
	var failures, notes []string
	for _, p := range pages {
		out := filepath.Join(dir, p.Name+".json")
		args := []string{site.URL + p.Path, "--output=json", "--output-path=" + out, "--quiet",
			"--only-categories=" + strings.Join(categories, ","),
			"--chrome-flags=--headless=new --no-sandbox --disable-gpu"}
		if preset != "" {
			args = append(args, "--preset="+preset)
		}
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = append(os.Environ(), "CHROME_PATH="+chrome)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return false, fmt.Errorf("lighthouse %s: %w", p.Path, err)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			return false, err
		}
		var r report
		if err := json.Unmarshal(b, &r); err != nil {
			return false, fmt.Errorf("%s: %w", out, err)
		}
		if r.RuntimeError != nil && r.RuntimeError.Message != "" {
			return false, fmt.Errorf("lighthouse %s: %s", p.Path, r.RuntimeError.Message)
		}
		scores := make([]string, len(categories))
		for i, c := range categories {
			s := r.Categories[c].Score
			if s == nil {
				return false, fmt.Errorf("lighthouse %s: no %s score", p.Path, c)
			}
			n := int(math.Round(*s * 100))
			scores[i] = fmt.Sprint(n)
			if n < min && !(p.Name == "search" && c == "seo") {
				ok = false
				scores[i] += " ✗"
				failures = append(failures, fmt.Sprintf("%s %s %d", p.Name, c, n))
			}
			if n < 100 {
				notes = append(notes, fmt.Sprintf("%s %s %d: %s", p.Name, c, n, lostPoints(r, c)))
			}
		}
		fmt.Printf("| %-8s | %-40s | %11s | %13s | %14s | %3s |\n", p.Name, trim(p.Path, 40), scores[0], scores[1], scores[2], scores[3])
	}
	fmt.Println()
	if len(notes) > 0 {
		fmt.Println("Points lost (the audits that did not pass):")
		for _, n := range notes {
			fmt.Println("  " + n)
		}
		fmt.Println()
	}
	if ok {
		fmt.Printf("Every score is at least %d (search's SEO aside: its results are noindex on purpose).\n", min)
	} else {
		fmt.Printf("Below %d:\n", min)
		for _, f := range failures {
			fmt.Println("  " + f)
		}
	}
	return ok, nil
}

// lostPoints names a category's weighted audits that did not pass.
func lostPoints(r report, category string) string {
	var out []string
	for _, ref := range r.Categories[category].AuditRefs {
		if a, ok := r.Audits[ref.ID]; ok && ref.Weight > 0 && a.Score != nil && *a.Score < 1 {
			out = append(out, fmt.Sprintf("%s (%s)", ref.ID, a.Title))
		}
	}
	return strings.Join(out, "; ")
}

func trim(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}
