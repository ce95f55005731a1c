package static

import (
	"fmt"
	"math"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// rule is one CSS rule: its selector (with the at-rule it sits in) and
// its declarations.
type rule struct {
	selector string
	decls    map[string]string
}

// parseCSS reads site.css's rules; nested blocks (@media) are flattened,
// their selector prefixed by the at-rule.
func parseCSS(t *testing.T, css string) []rule {
	t.Helper()
	css = regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllString(css, "")
	var out []rule
	var stack []string
	start := 0
	for i := 0; i < len(css); i++ {
		switch css[i] {
		case '{':
			stack = append(stack, strings.TrimSpace(css[start:i]))
			start = i + 1
		case '}':
			if len(stack) == 0 {
				t.Fatalf("site.css: unbalanced } at %d", i)
			}
			inner, body := stack[len(stack)-1], css[start:i]
			sel := strings.Join(stack, " ")
			stack = stack[:len(stack)-1]
			start = i + 1
			if strings.HasPrefix(inner, "@") {
				continue // the end of an at-rule: its rules were read already
			}
			decls := map[string]string{}
			for _, d := range strings.Split(body, ";") {
				if k, v, ok := strings.Cut(d, ":"); ok {
					decls[strings.TrimSpace(k)] = strings.TrimSpace(v)
				}
			}
			out = append(out, rule{selector: sel, decls: decls})
		}
	}
	if len(stack) != 0 {
		t.Fatalf("site.css: %d unclosed blocks", len(stack))
	}
	return out
}

// palettes are the colour custom properties of each scheme: light from
// :root, dark from the two dark selectors of the contract (which must agree).
func palettes(t *testing.T, rules []rule) (light, dark map[string]string) {
	t.Helper()
	const system = `@media (prefers-color-scheme: dark) :root:not([data-theme="light"])`
	const forced = `:root[data-theme="dark"]`
	vars := func(r rule) map[string]string {
		m := map[string]string{}
		for k, v := range r.decls {
			if strings.HasPrefix(k, "--") {
				m[k] = v
			}
		}
		return m
	}
	var sys, frc map[string]string
	for _, r := range rules {
		switch r.selector {
		case ":root":
			light = vars(r)
		case system:
			sys = vars(r)
		case forced:
			frc = vars(r)
		}
	}
	if light == nil || sys == nil || frc == nil {
		t.Fatalf("site.css: want the palettes :root, %s and %s", system, forced)
	}
	if fmt.Sprint(sys) != fmt.Sprint(frc) {
		t.Errorf("site.css: the two dark palettes differ:\n%v\n%v", sys, frc)
	}
	dark = map[string]string{}
	for k, v := range light {
		dark[k] = v
	}
	for k, v := range sys {
		dark[k] = v
	}
	// Every colour the light palette defines has its dark value.
	for k, v := range light {
		if _, ok := parseHex(v); ok {
			if _, ok := sys[k]; !ok {
				t.Errorf("site.css: %s (%s) has no dark value", k, v)
			}
		}
	}
	return light, dark
}

func parseHex(s string) ([3]float64, bool) {
	s = strings.TrimSpace(s)
	if !regexp.MustCompile(`^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`).MatchString(s) {
		return [3]float64{}, false
	}
	s = s[1:]
	if len(s) == 3 {
		s = string([]byte{s[0], s[0], s[1], s[1], s[2], s[2]})
	}
	var c [3]float64
	for i := range c {
		n, _ := strconv.ParseUint(s[2*i:2*i+2], 16, 8)
		c[i] = float64(n) / 255
	}
	return c, true
}

// luminance is WCAG 2's relative luminance.
func luminance(c [3]float64) float64 {
	lin := func(v float64) float64 {
		if v <= 0.04045 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c[0]) + 0.7152*lin(c[1]) + 0.0722*lin(c[2])
}

// contrast is WCAG 2's contrast ratio of two colours.
func contrast(a, b [3]float64) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// resolve turns "var(--x)" or "#hex" into a colour under a palette.
func resolve(v string, pal map[string]string) ([3]float64, bool) {
	for i := 0; i < 5; i++ {
		if m := regexp.MustCompile(`^var\((--[a-z0-9-]+)\)$`).FindStringSubmatch(strings.TrimSpace(v)); m != nil {
			v = pal[m[1]]
			continue
		}
		break
	}
	switch strings.TrimSpace(v) {
	case "#fff", "white":
		v = "#ffffff"
	}
	return parseHex(v)
}

const aa = 4.5 // WCAG 2 AA for normal text

func siteCSS(t *testing.T) []rule {
	t.Helper()
	b, err := os.ReadFile("css/site.css")
	if err != nil {
		t.Fatal(err)
	}
	return parseCSS(t, string(b))
}

// TestPaletteContrast checks, in the light and the dark palette, the text
// and background pairs the stylesheet uses: those named here (text set in
// one rule on a background set in another), and every rule that sets both
// a colour and a background.
func TestPaletteContrast(t *testing.T) {
	rules := siteCSS(t)
	light, dark := palettes(t, rules)
	pairs := [][2]string{
		// Body text, secondary text and links on the page and on cards.
		{"--ink", "--bg"}, {"--ink", "--card"}, {"--muted", "--bg"}, {"--muted", "--card"},
		{"--brand", "--bg"}, {"--brand", "--card"}, {"--brand-dark", "--bg"}, {"--brand-dark", "--card"},
		// Buttons, badges and counts.
		{"--on-brand", "--brand"}, {"--on-brand", "--brand-dark"}, {"--accent-ink", "--accent"},
		{"--on-ok", "--ok"}, {"--on-danger", "--danger"}, {"--ink", "--chip"}, {"--muted", "--chip"},
		// State colours as text, and text on tinted surfaces.
		{"--ok", "--card"}, {"--ok", "--bg"}, {"--danger", "--card"}, {"--danger", "--bg"}, {"--spike", "--card"},
		{"--brand", "--brand-tint"}, {"--brand-dark", "--brand-tint"}, {"--ink", "--brand-tint"},
		{"--ink", "--ok-bg"}, {"--ink", "--danger-bg"}, {"--ink", "--warn-bg"}, {"--brand", "--warn-bg"},
		{"--ink", "--mark"}, {"--ink", "--code-bg"}, {"--muted", "--code-bg"}, {"--ink", "--field"}, {"--muted", "--field"},
	}
	schemes := []struct {
		name string
		pal  map[string]string
	}{{"light", light}, {"dark", dark}}
	for _, s := range schemes {
		for _, p := range pairs {
			fg, ok1 := resolve("var("+p[0]+")", s.pal)
			bg, ok2 := resolve("var("+p[1]+")", s.pal)
			if !ok1 || !ok2 {
				t.Errorf("%s: %s on %s: not a #hex colour", s.name, p[0], p[1])
				continue
			}
			if c := contrast(fg, bg); c < aa {
				t.Errorf("%s: %s on %s: contrast %.2f, below %.1f", s.name, p[0], p[1], c, aa)
			}
		}
		// Input borders and the focus-independent outlines of controls: 3:1 (WCAG 1.4.11).
		for _, bg := range []string{"--field", "--bg", "--card"} {
			a, _ := resolve("var(--field-line)", s.pal)
			b, _ := resolve("var("+bg+")", s.pal)
			if c := contrast(a, b); c < 3 {
				t.Errorf("%s: --field-line on %s: contrast %.2f, below 3", s.name, bg, c)
			}
		}
	}
	checked := 0
	for _, r := range rules {
		if strings.HasPrefix(r.selector, ":root") || strings.Contains(r.selector, "prefers-color-scheme") {
			continue
		}
		fgv, bgv := r.decls["color"], r.decls["background"]
		if bgv == "" {
			bgv = r.decls["background-color"]
		}
		if fgv == "" || bgv == "" || fgv == "inherit" {
			continue
		}
		for _, s := range schemes {
			fg, ok1 := resolve(fgv, s.pal)
			bg, ok2 := resolve(bgv, s.pal)
			if !ok1 || !ok2 {
				continue // transparent, none, a gradient: judged by the pairs above
			}
			checked++
			if c := contrast(fg, bg); c < aa {
				t.Errorf("%s: %s { color: %s; background: %s }: contrast %.2f, below %.1f", s.name, r.selector, fgv, bgv, c, aa)
			}
		}
	}
	if checked < 20 {
		t.Errorf("only %d colour/background rules checked: is the parser reading site.css?", checked)
	}
}

// TestContrastFormula pins the formula to WCAG's published values.
func TestContrastFormula(t *testing.T) {
	black, _ := parseHex("#000")
	white, _ := parseHex("#ffffff")
	grey, _ := parseHex("#767676") // the lightest grey with 4.5:1 on white
	for _, c := range []struct {
		a, b [3]float64
		want float64
	}{{black, white, 21}, {white, white, 1}, {grey, white, 4.54}} {
		if got := contrast(c.a, c.b); math.Abs(got-c.want) > 0.01 {
			t.Errorf("contrast = %.3f, want %.2f", got, c.want)
		}
	}
}

// TestPaletteParserSeesEveryColourRule makes sure the parser does not
// silently skip rules: every hex colour in site.css belongs to a rule it read.
func TestPaletteParserSeesEveryColourRule(t *testing.T) {
	b, err := os.ReadFile("css/site.css")
	if err != nil {
		t.Fatal(err)
	}
	css := regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllString(string(b), "")
	want := map[string]bool{}
	for _, m := range regexp.MustCompile(`#[0-9a-fA-F]{3,6}\b`).FindAllString(css, -1) {
		want[strings.ToLower(m)] = true
	}
	for _, r := range siteCSS(t) {
		for _, v := range r.decls {
			for _, m := range regexp.MustCompile(`#[0-9a-fA-F]{3,6}\b`).FindAllString(v, -1) {
				delete(want, strings.ToLower(m))
			}
		}
	}
	var missed []string
	for k := range want {
		missed = append(missed, k)
	}
	sort.Strings(missed)
	if len(missed) > 0 {
		t.Errorf("colours in site.css outside any rule the parser read: %v", missed)
	}
}
