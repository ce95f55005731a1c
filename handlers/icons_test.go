package handlers

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/static"
	"github.com/crowdcare/crowdcare/templates"
)

// pictograph reports whether r is an emoji or a dingbat: a character a
// page must draw as an inline SVG icon, because where no emoji or symbol
// font is installed it shows as an empty box. Typography (· … “ ” – — ›)
// and mathematics (≥ ×) are fine.
func pictograph(r rune) bool {
	switch {
	case r >= 0x2190 && r <= 0x21FF, // arrows ← →
		r >= 0x2300 && r <= 0x23FF,   // technical symbols ⌘ ⏰
		r >= 0x2460 && r <= 0x24FF,   // enclosed alphanumerics ⓘ
		r >= 0x25A0 && r <= 0x25FF,   // geometric shapes ▲ ●
		r >= 0x2600 && r <= 0x27BF,   // symbols and dingbats ★ ⚑ ✓ ✔ ✗
		r >= 0x2B00 && r <= 0x2BFF,   // more arrows and shapes ⭐
		r >= 0x1F000 && r <= 0x1FAFF, // emoji 📘 👍
		r == 0xFE0F:                  // emoji presentation selector
		return true
	}
	return false
}

// No template, and no text the web layer or the models put on a page,
// uses emoji or dingbats.
func TestPagesUseNoEmoji(t *testing.T) {
	check := func(name string, b []byte) {
		for i, line := range strings.Split(string(b), "\n") {
			for _, r := range line {
				if pictograph(r) {
					t.Errorf("%s:%d: %q (U+%04X): draw it with {{template \"icon\" …}}", name, i+1, string(r), r)
				}
			}
		}
	}
	err := fs.WalkDir(templates.Files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templates.Files, path)
		check("templates/"+path, b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	for _, dir := range []string{".", "../models", "../mailer"} {
		names, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			b, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			check(name, b)
			files++
		}
	}
	if files < 50 {
		t.Fatalf("only %d Go files read", files)
	}
	if !pictograph('✓') || !pictograph('📘') || pictograph('…') || pictograph('≥') {
		t.Fatal("pictograph misjudges its examples")
	}
}

// Every icon a template names draws something: an unknown name would be
// an empty <svg>.
func TestIconsAreKnown(t *testing.T) {
	assets, err := static.Load()
	if err != nil {
		t.Fatal(err)
	}
	v, err := loadViews(assets, func(models.Role) string { return "" }, avatars{key: []byte("test")}.of)
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	call := regexp.MustCompile(`\{\{-?\s*template "icon" "([a-z-]+)"`)
	err = fs.WalkDir(templates.Files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templates.Files, path)
		for _, m := range call.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(used) < 10 {
		t.Fatalf("only %d icons found in the templates", len(used))
	}
	h := &Handler{views: v}
	for name := range used {
		html, err := h.fragment("thread", "icon", name)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(html), `aria-hidden="true"`) || !regexp.MustCompile(`<(path|line|circle|polyline|polygon|rect)`).MatchString(string(html)) {
			t.Errorf("icon %q draws nothing: %s", name, html)
		}
	}
	if html, _ := h.fragment("thread", "icon", "no-such-icon"); regexp.MustCompile(`<(path|line|circle)`).MatchString(string(html)) {
		t.Error("an unknown icon draws something: the check above proves nothing")
	}
}
