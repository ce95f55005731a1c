package e2e

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/crowdcare/crowdcare/internal/demo/demosite"
	"github.com/crowdcare/crowdcare/internal/demo/shots"
)

// TestScreenshots takes the README's screenshots (what make screenshots
// writes to docs/img) of a freshly seeded demo into a temporary folder:
// each page at each size is a PNG of exactly that size, and not a blank
// screen.
func TestScreenshots(t *testing.T) {
	chrome := chromium(t)
	ctx := context.Background()
	site, err := demosite.Start(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	pages, err := site.Pages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files, err := shots.Take(ctx, chrome, site.URL, pages, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(pages)*len(shots.Sizes) {
		t.Fatalf("%d files for %d pages at %d sizes", len(files), len(pages), len(shots.Sizes))
	}
	for _, p := range pages {
		for _, size := range shots.Sizes {
			name := filepath.Join(dir, p.Name+"-"+size.Name+".png")
			b, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("%s: not a PNG: %v", name, err)
			}
			if got := img.Bounds().Size(); got.X != size.Width || got.Y != size.Height {
				t.Errorf("%s is %v, want %dx%d", name, got, size.Width, size.Height)
			}
			// A page, not a blank or error screen: many different colours.
			colours := map[uint32]bool{}
			for y := 0; y < size.Height; y += 7 {
				for x := 0; x < size.Width; x += 7 {
					r, g, b, _ := img.At(x, y).RGBA()
					colours[r>>8<<16|g>>8<<8|b>>8] = true
				}
			}
			if len(colours) < 20 {
				t.Errorf("%s: only %d colours: a blank page?", name, len(colours))
			}
		}
	}
}
