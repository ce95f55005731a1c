package site

import (
	"fmt"
	"math"
	"regexp"
	"strings"
)

// Brand colours: an admin picks a primary and an accent colour; the site
// uses them through CSS custom properties (--brand for links and primary
// buttons, --brand-dark on hover, --on-brand for text on --brand, --accent
// and --accent-ink for text on it), in a light and a dark scheme. A colour
// is taken only if every text it carries, and every text on it, meets WCAG
// AA (4.5:1); the dark scheme's variant is derived from it.

// Color is an sRGB colour.
type Color struct{ R, G, B uint8 }

var hexColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// ParseColor reads "#rrggbb".
func ParseColor(s string) (Color, bool) {
	if !hexColor.MatchString(s) {
		return Color{}, false
	}
	var c Color
	if _, err := fmt.Sscanf(strings.ToLower(s[1:]), "%02x%02x%02x", &c.R, &c.G, &c.B); err != nil {
		return Color{}, false
	}
	return c, true
}

// Hex is the colour as "#rrggbb".
func (c Color) Hex() string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// luminance is WCAG 2's relative luminance.
func (c Color) luminance() float64 {
	ch := func(v uint8) float64 {
		s := float64(v) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(c.R) + 0.7152*ch(c.G) + 0.0722*ch(c.B)
}

// Contrast is WCAG 2's contrast ratio of two colours, from 1 to 21.
func Contrast(a, b Color) float64 {
	la, lb := a.luminance(), b.luminance()
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// MinContrast is WCAG AA's ratio for normal text.
const MinContrast = 4.5

// The backgrounds brand colours are judged against (the shared contract
// between the branches that style the site): in each scheme the page, the
// card, and the surfaces links and --brand text sit on — the tint of tags,
// pressed toggles and hovers, the flash (ok) and the notice and incident
// banner (warn). TestBrandBackgroundsMatchSiteCSS keeps them equal to
// site.css's palettes.
var (
	LightBackgrounds = []Color{{0xff, 0xff, 0xff}, {0xf6, 0xf8, 0xfa}, {0xea, 0xf2, 0xfb}, {0xe6, 0xf4, 0xea}, {0xff, 0xf6, 0xd6}}
	DarkBackgrounds  = []Color{{0x0f, 0x14, 0x19}, {0x16, 0x1c, 0x24}, {0x1c, 0x2a, 0x3a}, {0x12, 0x26, 0x1b}, {0x2b, 0x24, 0x10}}
	lightTint        = Color{0xea, 0xf2, 0xfb}
	// Text colours for on-brand and accent text: the site's ink, white, and
	// the dark scheme's page colour.
	inkColor   = Color{0x1c, 0x24, 0x30}
	whiteColor = Color{0xff, 0xff, 0xff}
)

// BrandPalette is what the brand colours come to in each scheme.
type BrandPalette struct {
	// HasPrimary: a primary colour is set; the Brand fields are valid.
	HasPrimary bool
	// Light scheme: --brand, --brand-dark, --on-brand.
	Brand, BrandDark, OnBrand Color
	// Dark scheme, derived: a lighter shade readable on the dark backgrounds.
	DarkBrand, DarkBrandDark, DarkOnBrand Color
	// HasAccent: an accent colour is set; --accent and --accent-ink (the
	// same in both schemes: the ink is chosen for the accent itself).
	HasAccent         bool
	Accent, AccentInk Color
}

// DerivePalette checks the admin's colours ("" for the site's default) and
// derives the rest. A refusal is a *invalid.Error on primary_color or
// accent_color saying which pair fails, its ratio, and a shade that passes.
func DerivePalette(primary, accent string) (BrandPalette, error) {
	var p BrandPalette
	v := validator{}
	if primary != "" {
		c, ok := ParseColor(primary)
		v.Check(ok, "primary_color", "Give the colour as #rrggbb, e.g. #0b5cab.")
		if ok {
			p.HasPrimary = true
			if msg := p.derivePrimary(c); msg != "" {
				v.Check(false, "primary_color", msg)
			}
		}
	}
	if accent != "" {
		c, ok := ParseColor(accent)
		v.Check(ok, "accent_color", "Give the colour as #rrggbb, e.g. #ffd23f.")
		if ok {
			p.HasAccent = true
			if msg := p.deriveAccent(c); msg != "" {
				v.Check(false, "accent_color", msg)
			}
		}
	}
	return p, v.Err()
}

// derivePrimary fills the Brand fields from c, or says why c is refused.
func (p *BrandPalette) derivePrimary(c Color) string {
	for _, bg := range LightBackgrounds {
		if r := Contrast(c, bg); r < MinContrast {
			return fmt.Sprintf("%s as link text on the light background %s has a contrast of %s; WCAG AA needs 4.5:1. "+
				"A darker shade such as %s passes.", c.Hex(), bg.Hex(), ratio(r), darkenUntil(c, LightBackgrounds).Hex())
		}
	}
	p.Brand = c
	p.OnBrand = best(c, whiteColor, inkColor)
	if r := Contrast(p.OnBrand, c); r < MinContrast {
		return fmt.Sprintf("Text on %s (buttons, the header) has at most a contrast of %s; WCAG AA needs 4.5:1.", c.Hex(), ratio(r))
	}
	// Hover: a darker shade, still readable as text on the light tint and
	// under the on-brand text.
	p.BrandDark = darkenUntil(shade(c, -0.08), []Color{lightTint, p.OnBrand})
	// Dark scheme: the same hue made lighter until it reads on the dark
	// backgrounds; text on it is whichever of white and near-black reads best.
	p.DarkBrand = lightenUntil(c, DarkBackgrounds)
	for _, bg := range DarkBackgrounds {
		if r := Contrast(p.DarkBrand, bg); r < MinContrast {
			return fmt.Sprintf("No lighter shade of %s reaches 4.5:1 on the dark background %s (best %s).", c.Hex(), bg.Hex(), ratio(r))
		}
	}
	p.DarkOnBrand = best(p.DarkBrand, whiteColor, DarkBackgrounds[0])
	if r := Contrast(p.DarkOnBrand, p.DarkBrand); r < MinContrast {
		return fmt.Sprintf("Text on %s, the dark scheme's shade of %s, has at most a contrast of %s; WCAG AA needs 4.5:1.",
			p.DarkBrand.Hex(), c.Hex(), ratio(r))
	}
	// Hover: a nearby shade that still reads as text on the dark
	// backgrounds and under the on-brand text, or the same colour.
	p.DarkBrandDark = p.DarkBrand
	for _, d := range []float64{0.08, -0.08, 0.04, -0.04} {
		if h := shade(p.DarkBrand, d); passes(h, DarkBackgrounds) && Contrast(p.DarkOnBrand, h) >= MinContrast {
			p.DarkBrandDark = h
			break
		}
	}
	return ""
}

// deriveAccent fills the Accent fields from c, or says why c is refused.
func (p *BrandPalette) deriveAccent(c Color) string {
	p.Accent = c
	p.AccentInk = best(c, inkColor, whiteColor)
	if r := Contrast(p.AccentInk, c); r < MinContrast {
		return fmt.Sprintf("Text on %s (the accent buttons and counts) has at most a contrast of %s with dark text and %s with white; "+
			"WCAG AA needs 4.5:1. Choose a lighter or a darker accent, e.g. %s.",
			c.Hex(), ratio(Contrast(inkColor, c)), ratio(Contrast(whiteColor, c)), lightenUntil(c, []Color{inkColor}).Hex())
	}
	return ""
}

// best is whichever of the text colours reads best on bg.
func best(bg Color, texts ...Color) Color {
	out := texts[0]
	for _, t := range texts[1:] {
		if Contrast(t, bg) > Contrast(out, bg) {
			out = t
		}
	}
	return out
}

func ratio(r float64) string {
	// Rounded down, so a ratio shown as 4.5:1 really passes.
	return fmt.Sprintf("%.2f:1", math.Floor(r*100)/100)
}

// darkenUntil lowers c's lightness, keeping its hue, until it reaches
// MinContrast against every one of against (black at worst).
func darkenUntil(c Color, against []Color) Color {
	for step := 0; step <= 100; step++ {
		d := shade(c, -float64(step)/100)
		if passes(d, against) {
			return d
		}
	}
	return Color{}
}

// lightenUntil is darkenUntil towards white.
func lightenUntil(c Color, against []Color) Color {
	for step := 0; step <= 100; step++ {
		d := shade(c, float64(step)/100)
		if passes(d, against) {
			return d
		}
	}
	return whiteColor
}

func passes(c Color, against []Color) bool {
	for _, bg := range against {
		if Contrast(c, bg) < MinContrast {
			return false
		}
	}
	return true
}

// shade moves c's HSL lightness by delta (-1 to 1), keeping hue and saturation.
func shade(c Color, delta float64) Color {
	h, s, l := toHSL(c)
	return fromHSL(h, s, math.Max(0, math.Min(1, l+delta)))
}

func toHSL(c Color) (h, s, l float64) {
	r, g, b := float64(c.R)/255, float64(c.G)/255, float64(c.B)/255
	max, min := math.Max(r, math.Max(g, b)), math.Min(r, math.Min(g, b))
	l = (max + min) / 2
	if max == min {
		return 0, 0, l
	}
	d := max - min
	if l > 0.5 {
		s = d / (2 - max - min)
	} else {
		s = d / (max + min)
	}
	switch max {
	case r:
		h = (g - b) / d
		if g < b {
			h += 6
		}
	case g:
		h = (b-r)/d + 2
	default:
		h = (r-g)/d + 4
	}
	return h / 6, s, l
}

func fromHSL(h, s, l float64) Color {
	if s == 0 {
		v := uint8(math.Round(l * 255))
		return Color{v, v, v}
	}
	var q float64
	if l < 0.5 {
		q = l * (1 + s)
	} else {
		q = l + s - l*s
	}
	p := 2*l - q
	hue := func(t float64) uint8 {
		if t < 0 {
			t++
		}
		if t > 1 {
			t--
		}
		var v float64
		switch {
		case t < 1.0/6:
			v = p + (q-p)*6*t
		case t < 0.5:
			v = q
		case t < 2.0/3:
			v = p + (q-p)*(2.0/3-t)*6
		default:
			v = p
		}
		return uint8(math.Round(math.Max(0, math.Min(1, v)) * 255))
	}
	return Color{hue(h + 1.0/3), hue(h), hue(h - 1.0/3)}
}
