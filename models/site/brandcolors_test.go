package site

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/crowdcare/crowdcare/models/invalid"
)

func TestContrastMatchesWCAG(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want float64
	}{
		{"#000000", "#ffffff", 21}, {"#ffffff", "#ffffff", 1}, {"#777777", "#ffffff", 4.48}, {"#0b5cab", "#ffffff", 6.7},
	} {
		a, _ := ParseColor(c.a)
		b, _ := ParseColor(c.b)
		if got := Contrast(a, b); math.Abs(got-c.want) > 0.05 {
			t.Errorf("contrast %s on %s = %.2f, want %.2f", c.a, c.b, got, c.want)
		}
	}
	for _, bad := range []string{"", "#fff", "0b5cab", "#0b5cag", "#0b5cab ", "red", "#0B5CAB0"} {
		if _, ok := ParseColor(bad); ok {
			t.Errorf("%q parsed as a colour", bad)
		}
	}
}

// Every colour DerivePalette takes gives pairs that meet AA in both
// schemes; every one it refuses is refused with the failing pair's ratio.
func TestDerivedPalettesMeetAA(t *testing.T) {
	taken, refused := 0, 0
	for r := 0; r < 256; r += 17 {
		for g := 0; g < 256; g += 17 {
			for b := 0; b < 256; b += 17 {
				c := Color{uint8(r), uint8(g), uint8(b)}
				p, err := DerivePalette(c.Hex(), c.Hex())
				var ve *invalid.Error
				if err != nil {
					if !errors.As(err, &ve) {
						t.Fatalf("%s: %v", c.Hex(), err)
					}
					for field, msg := range ve.Fields {
						if !strings.Contains(msg, ":1") || !strings.Contains(msg, c.Hex()) {
							t.Errorf("%s refused on %s without the pair and ratio: %s", c.Hex(), field, msg)
						}
					}
					refused++
					if ve.Fields["primary_color"] == "" {
						checkPrimary(t, c, p)
					}
					if ve.Fields["accent_color"] == "" {
						checkAccent(t, c, p)
					}
					continue
				}
				taken++
				checkPrimary(t, c, p)
				checkAccent(t, c, p)
			}
		}
	}
	if taken == 0 || refused == 0 {
		t.Errorf("taken %d, refused %d: the check does nothing", taken, refused)
	}
}

func checkPrimary(t *testing.T, c Color, p BrandPalette) {
	t.Helper()
	aa := func(what string, a, b Color) {
		if r := Contrast(a, b); r < MinContrast {
			t.Errorf("primary %s: %s %s on %s is %.2f:1", c.Hex(), what, a.Hex(), b.Hex(), r)
		}
	}
	for _, bg := range LightBackgrounds {
		aa("link", p.Brand, bg)
		aa("hover link", p.BrandDark, bg)
	}
	aa("hover on tint", p.BrandDark, lightTint)
	aa("on-brand", p.OnBrand, p.Brand)
	aa("on-brand (hover)", p.OnBrand, p.BrandDark)
	for _, bg := range DarkBackgrounds {
		aa("dark link", p.DarkBrand, bg)
		aa("dark hover link", p.DarkBrandDark, bg)
	}
	aa("dark on-brand", p.DarkOnBrand, p.DarkBrand)
	aa("dark on-brand (hover)", p.DarkOnBrand, p.DarkBrandDark)
}

func checkAccent(t *testing.T, c Color, p BrandPalette) {
	t.Helper()
	if r := Contrast(p.AccentInk, p.Accent); r < MinContrast {
		t.Errorf("accent %s: ink %s is %.2f:1", c.Hex(), p.AccentInk.Hex(), r)
	}
}

func TestLowContrastPrimaryIsRefusedWithAShadeThatPasses(t *testing.T) {
	_, err := DerivePalette("#3399ff", "")
	var ve *invalid.Error
	if !errors.As(err, &ve) {
		t.Fatalf("#3399ff: %v", err)
	}
	msg := ve.Fields["primary_color"]
	if !strings.Contains(msg, "#3399ff as link text on the light background #ffffff has a contrast of 2.") ||
		!strings.Contains(msg, "4.5:1") {
		t.Fatalf("message: %s", msg)
	}
	// The shade it suggests is taken.
	i := strings.Index(msg, "such as #")
	if i < 0 {
		t.Fatalf("no suggestion: %s", msg)
	}
	suggestion := msg[i+len("such as ") : i+len("such as ")+7]
	if _, err := DerivePalette(suggestion, ""); err != nil {
		t.Errorf("suggested %s is refused: %v", suggestion, err)
	}
	// A mid-grey accent reads neither with dark text nor with white.
	if _, err := DerivePalette("", "#7f7f7f"); err == nil || !strings.Contains(err.Error(), "accent_color") {
		t.Errorf("mid-grey accent: %v", err)
	}
	// The default colours are taken; a dark primary gets a lighter dark-scheme shade.
	p, err := DerivePalette("#0b5cab", "#ffd23f")
	if err != nil {
		t.Fatal(err)
	}
	if p.DarkBrand.luminance() <= p.Brand.luminance() || p.AccentInk != inkColor || p.OnBrand != whiteColor {
		t.Errorf("default palette: %+v", p)
	}
}

// TestBrandBackgroundsMatchSiteCSS ties the backgrounds brand colours are
// judged against to the stylesheet: each scheme's page, card, tint, ok and
// warn surfaces, as site.css defines them. A surface restyled there without
// changing the lists would let a brand colour through that fails AA on it.
func TestBrandBackgroundsMatchSiteCSS(t *testing.T) {
	css, err := os.ReadFile(filepath.Join("..", "..", "static", "css", "site.css"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(css)
	darkAt := strings.Index(text, `:root[data-theme="dark"]`)
	if darkAt < 0 {
		t.Fatal("site.css has no dark palette")
	}
	names := []string{"--card", "--bg", "--brand-tint", "--ok-bg", "--warn-bg"}
	for _, scheme := range []struct {
		name string
		css  string
		list []Color
	}{{"light", text[:darkAt], LightBackgrounds}, {"dark", text[darkAt:], DarkBackgrounds}} {
		for _, name := range names {
			m := regexp.MustCompile(regexp.QuoteMeta(name) + `:\s*(#[0-9a-fA-F]{6})`).FindStringSubmatch(scheme.css)
			if m == nil {
				t.Fatalf("%s palette has no %s", scheme.name, name)
			}
			c, _ := ParseColor(m[1])
			found := false
			for _, bg := range scheme.list {
				found = found || bg == c
			}
			if !found {
				t.Errorf("%s %s is %s, not among the backgrounds brand colours are judged against", scheme.name, name, m[1])
			}
		}
	}
}
