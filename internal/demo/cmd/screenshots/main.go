// Command screenshots serves a freshly seeded demo and photographs its
// showcase pages at desktop and phone size into a folder (make
// screenshots: docs/img, for the README).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"

	"github.com/crowdcare/crowdcare/internal/demo/demosite"
	"github.com/crowdcare/crowdcare/internal/demo/shots"
)

func main() {
	out := flag.String("out", "docs/img", "folder for the PNG files")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "screenshots:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	chrome, err := exec.LookPath("chromium")
	if err != nil {
		return fmt.Errorf("Chromium is needed: apt-get install -y chromium")
	}
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "crowdcare-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	site, err := demosite.Start(ctx, dir)
	if err != nil {
		return err
	}
	defer site.Close()
	pages, err := site.Pages(ctx)
	if err != nil {
		return err
	}
	files, err := shots.Take(ctx, chrome, site.URL, pages, out)
	for _, f := range files {
		fmt.Println("wrote", f)
	}
	return err
}
