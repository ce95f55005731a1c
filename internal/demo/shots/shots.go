// Package shots photographs the demo's pages in headless Chromium, at a
// desktop and a phone size: `make screenshots` writes them to docs/img for
// the README, and a browser test takes the same ones.
package shots

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/crowdcare/crowdcare/internal/demo"
	"github.com/crowdcare/crowdcare/internal/demo/demosite"
)

// Size is a screen.
type Size struct {
	Name          string
	Width, Height int
	Mobile        bool
}

// Sizes are a common laptop screen and a common phone, in CSS pixels
// (photographed at one device pixel per CSS pixel).
var Sizes = []Size{{"desktop", 1366, 900, false}, {"phone", 390, 844, true}}

// Take opens every page at every size in the Chromium at chrome (logging
// in first as the page's account) and writes what the screen shows to
// dir/NAME-SIZE.png. It returns the files written.
func Take(ctx context.Context, chrome, baseURL string, pages []demosite.Page, dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var files []string
	for _, size := range Sizes {
		// One browser per account, so each has its own cookies.
		byAccount := map[string][]demosite.Page{}
		var order []string
		for _, p := range pages {
			if _, ok := byAccount[p.As]; !ok {
				order = append(order, p.As)
			}
			byAccount[p.As] = append(byAccount[p.As], p)
		}
		for _, who := range order {
			got, err := takeAs(ctx, chrome, baseURL, who, size, byAccount[who], dir)
			files = append(files, got...)
			if err != nil {
				return files, err
			}
		}
	}
	return files, nil
}

func takeAs(ctx context.Context, chrome, baseURL, who string, size Size, pages []demosite.Page, dir string) ([]string, error) {
	profile, err := os.MkdirTemp("", "crowdcare-shots-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(profile)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chrome), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("hide-scrollbars", true), chromedp.WindowSize(size.Width, size.Height), chromedp.UserDataDir(profile))
	defer cancelAlloc()
	tab, cancel := chromedp.NewContext(alloc)
	defer cancel()
	tab, cancelTimeout := context.WithTimeout(tab, 2*time.Minute)
	defer cancelTimeout()
	viewport := []chromedp.EmulateViewportOption{chromedp.EmulateScale(1)}
	if size.Mobile {
		viewport = append(viewport, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
	}
	if err := chromedp.Do(tab, chromedp.EmulateViewport(int64(size.Width), int64(size.Height), viewport...)); err != nil {
		return nil, fmt.Errorf("start Chromium: %w", err)
	}
	if who != "" {
		if err := chromedp.Do(tab, chromedp.Navigate(baseURL+"/login"),
			chromedp.SendKeys(chromedp.CSS("#f-username"), who),
			chromedp.SendKeys(chromedp.CSS("#f-password"), demo.Password),
			chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`a[href="/u/`+who+`"]`))); err != nil {
			return nil, fmt.Errorf("log in as %s: %w", who, err)
		}
	}
	var files []string
	for _, p := range pages {
		if err := chromedp.Do(tab, chromedp.Navigate(baseURL+p.Path)); err != nil {
			return files, fmt.Errorf("open %s: %w", p.Path, err)
		}
		png, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
		if err != nil {
			return files, fmt.Errorf("photograph %s: %w", p.Path, err)
		}
		name := filepath.Join(dir, p.Name+"-"+size.Name+".png")
		if err := os.WriteFile(name, png, 0o644); err != nil {
			return files, err
		}
		files = append(files, name)
	}
	return files, nil
}
