package svgsafe

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
)

// inkscape is what an editor writes: metadata, its own namespaces, a
// comment, a gradient used through xlink:href and url(#id), CSS in a style
// element and attribute.
const inkscape = `<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!-- Created with Inkscape -->
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
  xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"
  xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" width="240" height="64" viewBox="0 0 240 64" inkscape:version="1.3" data-name="Logo">
  <sodipodi:namedview id="base" pagecolor="#ffffff"/>
  <metadata><rdf:RDF><rdf:Description about="x"/></rdf:RDF></metadata>
  <title>Northwind</title>
  <style>.word { font: 700 28px system-ui, sans-serif; fill: #0b5cab } /* brand blue */</style>
  <defs>
    <linearGradient id="g1"><stop offset="0" stop-color="#0b5cab"/><stop offset="1" stop-color="#38a3ff"/></linearGradient>
    <linearGradient id="g2" xlink:href="#g1" gradientTransform="rotate(45)"/>
    <circle id="dot" r="4"/>
  </defs>
  <g inkscape:label="Layer 1" inkscape:groupmode="layer" transform="translate(4 4)">
    <path d="M0 28 L28 0 L56 28 Z" fill="url(#g2)" style="stroke: rgb(0, 0, 0); stroke-width: 2"/>
    <use href="#dot" x="60" y="28"/>
    <text x="72" y="40" class="word">North&amp;wind</text>
  </g>
</svg>`

func TestCleanKeepsAnEditorsLogoAndDropsItsMetadata(t *testing.T) {
	out, err := Clean([]byte(inkscape))
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{`<svg xmlns="http://www.w3.org/2000/svg" width="240" height="64" viewBox="0 0 240 64">`,
		`<title>Northwind</title>`, `<linearGradient id="g2" href="#g1" gradientTransform="rotate(45)">`,
		`fill="url(#g2)"`, `<use href="#dot" x="60" y="28"></use>`, `North&amp;wind</text>`, `fill: #0b5cab }`,
		`style="stroke: rgb(0, 0, 0); stroke-width: 2"`} {
		if !strings.Contains(s, want) {
			t.Errorf("cleaned logo lacks %s:\n%s", want, s)
		}
	}
	for _, gone := range []string{"inkscape", "sodipodi", "rdf", "metadata", "data-name", "Created with", "brand blue", "<?xml"} {
		if strings.Contains(s, gone) {
			t.Errorf("cleaned logo still has %q:\n%s", gone, s)
		}
	}
	again, err := Clean(out)
	if err != nil || !bytes.Equal(again, out) {
		t.Errorf("cleaning twice changed it (%v):\n%s\n%s", err, out, again)
	}
}

// Every hostile image is refused, with a reason that says what was found.
func TestCleanRefusesHostileImages(t *testing.T) {
	svg := func(body string) string {
		return `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">` + body + `</svg>`
	}
	laughs := `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
		`<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>` + svg(`<text>&lol3;</text>`)
	for name, c := range map[string]struct{ src, reason string }{
		"script":                 {svg(`<script>alert(1)</script>`), "<script>"},
		"script in metadata":     {svg(`<metadata><script>alert(1)</script></metadata>`), "<script>"},
		"script, other case":     {svg(`<SCRIPT>alert(1)</SCRIPT>`), "<SCRIPT>"},
		"namespaced script":      {`<svg xmlns="http://www.w3.org/2000/svg" xmlns:h="http://www.w3.org/1999/xhtml"><h:script>alert(1)</h:script></svg>`, "<script>"},
		"onload":                 {`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`, "event attribute (onload"},
		"onclick on a path":      {svg(`<path d="M0 0" onClick="alert(1)"/>`), "onClick"},
		"foreignObject":          {svg(`<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject>`), "<foreignObject>"},
		"xlink:href to http":     {svg(`<use xlink:href="http://evil.example/x.svg#a"/>`), "http://evil.example/x.svg#a"},
		"use href external":      {svg(`<use href="https://evil.example/sprite.svg#icon"/>`), "never to another file"},
		"use href data":          {svg(`<use href="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=#a"/>`), "never to another file"},
		"javascript href":        {svg(`<linearGradient href="javascript:alert(1)"/>`), "script address"},
		"entity escaped js":      {svg(`<use href="&#x6A;avascript:alert(1)"/>`), "script address"},
		"a link":                 {svg(`<a href="https://evil.example"><rect width="5" height="5"/></a>`), "<a>"},
		"image":                  {svg(`<image href="https://evil.example/track.png" width="1" height="1"/>`), "<image>"},
		"feImage":                {svg(`<filter id="f"><feImage href="https://evil.example/x.png"/></filter>`), "<feImage>"},
		"animate href":           {svg(`<animate attributeName="href" values="javascript:alert(1)"/>`), "<animate>"},
		"set":                    {svg(`<set attributeName="fill" to="red"/>`), "<set>"},
		"iframe":                 {svg(`<iframe src="https://evil.example"/>`), "<iframe>"},
		"style url":              {svg(`<rect style="fill: url(https://evil.example/p.png)"/>`), "url()"},
		"style url quoted":       {svg(`<rect style="fill: URL( 'http://evil.example/p.png' )"/>`), "url()"},
		"fill url":               {svg(`<rect fill="url(http://evil.example/p.svg#g)"/>`), "url()"},
		"style element url":      {svg(`<style>rect { fill: url("//evil.example/a.png") }</style>`), "url()"},
		"style import":           {svg(`<style>@import "https://evil.example/a.css";</style>`), "@import"},
		"image-set":              {svg(`<style>rect { fill: image-set("https://evil.example/a.png" 1x) }</style>`), "image-set()"},
		"css escape":             {svg(`<style>rect { fill: u\72l(https://evil.example/a.png) }</style>`), "escapes"},
		"comment split":          {svg(`<style>rect { fill: url(/**/https://evil.example/a.png) }</style>`), "url()"},
		"unfinished comment":     {svg(`<style>rect { fill: red } /* url(https://x)</style>`), "unfinished"},
		"expression":             {svg(`<rect style="width: expression(alert(1))"/>`), "script extension"},
		"billion laughs":         {laughs, "declares entities"},
		"external entity":        {`<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>` + svg(`<text>&x;</text>`), "declares entities"},
		"public doctype, entity": {`<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">` + svg(`<text>&nbsp;</text>`), "not a well-formed"},
		"entity directive":       {`<!ENTITY x "y">` + svg(""), "declares entities"},
		"doctype after root":     {svg("") + `<!DOCTYPE svg>`, "declares entities"},
		"undeclared entity":      {svg(`<text>&x;</text>`), "not a well-formed"},
		"xml-stylesheet":         {`<?xml-stylesheet href="https://evil.example/a.css"?>` + svg(""), "<?xml-stylesheet?>"},
		"huge width":             {`<svg xmlns="http://www.w3.org/2000/svg" width="100000000" height="10"/>`, "at most 10000"},
		"huge height in units":   {`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="9e9px"/>`, "at most 10000"},
		"huge viewBox":           {`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1e300 1e300"/>`, "viewBox"},
		"nested use":             {svg(`<g id="a"><rect width="1" height="1"/></g><g id="b"><use href="#a"/><use href="#a"/></g><g id="c"><use href="#b"/><use href="#b"/></g>`), "may not nest"},
		"use of itself":          {svg(`<g id="loop"><use href="#loop"/></g>`), "may not nest"},
		"utf-16":                 {`<?xml version="1.0" encoding="UTF-16"?>` + svg(""), "UTF-16"},
		"not svg":                {`<html><body>hi</body></html>`, "<html>"},
		"html root":              {`<div>hi</div>`, "not an SVG image"},
		"png":                    {"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a well-formed"},
		"text":                   {"just some words", "no <svg> element"},
		"empty":                  {"", "no <svg> element"},
		"two roots":              {svg("") + svg(""), "more than one root"},
		"unclosed":               {`<svg xmlns="http://www.w3.org/2000/svg"><g>`, "not a well-formed"},
	} {
		out, err := Clean([]byte(c.src))
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: not refused (%v): %s", name, err, out)
			continue
		}
		if !strings.Contains(e.Reason, c.reason) {
			t.Errorf("%s: reason %q does not say %q", name, e.Reason, c.reason)
		}
	}
}

// Illustrator writes the SVG 1.1 DOCTYPE and a generator comment.
func TestCleanTakesAnIllustratorExport(t *testing.T) {
	src := `<?xml version="1.0" encoding="utf-8"?>
<!-- Generator: Adobe Illustrator 27.0.0, SVG Export Plug-In . SVG Version: 6.00 Build 0)  -->
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg version="1.1" id="Layer_1" xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" x="0px" y="0px"
	 viewBox="0 0 180 40" style="enable-background:new 0 0 180 40;" xml:space="preserve">
<style type="text/css">
	.st0{fill:url(#SVGID_1_);}
</style>
<linearGradient id="SVGID_1_" gradientUnits="userSpaceOnUse" x1="0" y1="20" x2="40" y2="20">
	<stop  offset="0" style="stop-color:#1A5E3A"/>
	<stop  offset="1" style="stop-color:#2E8B57"/>
</linearGradient>
<circle class="st0" cx="20" cy="20" r="16"/>
</svg>`
	out, err := Clean([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<svg xmlns="http://www.w3.org/2000/svg" version="1.1" id="Layer_1" x="0px" y="0px" viewBox="0 0 180 40" style="enable-background:new 0 0 180 40;">`,
		`.st0{fill:url(#SVGID_1_);}`, `<circle class="st0" cx="20" cy="20" r="16"></circle>`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "DOCTYPE") || strings.Contains(string(out), "Generator") {
		t.Errorf("kept the DOCTYPE or the comment:\n%s", out)
	}
}

func TestCleanBoundsTheElementCountAndDepth(t *testing.T) {
	many := `<svg xmlns="http://www.w3.org/2000/svg">` + strings.Repeat(`<rect width="1" height="1"/>`, MaxElements) + `</svg>`
	if _, err := Clean([]byte(many)); err == nil || !strings.Contains(err.Error(), "more than 5000 elements") {
		t.Errorf("%d elements: %v", MaxElements+1, err)
	}
	deep := `<svg xmlns="http://www.w3.org/2000/svg">` + strings.Repeat("<g>", MaxDepth) + strings.Repeat("</g>", MaxDepth) + `</svg>`
	if _, err := Clean([]byte(deep)); err == nil || !strings.Contains(err.Error(), "deep") {
		t.Errorf("depth %d: %v", MaxDepth+1, err)
	}
}

// A bare <svg> with no namespace (some tools write one) is given it.
func TestCleanAddsTheNamespace(t *testing.T) {
	out, err := Clean([]byte(`<svg viewBox="0 0 4 4"><rect width="4" height="4" fill="#0b5cab"/></svg>`))
	if err != nil {
		t.Fatal(err)
	}
	if want := `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><rect width="4" height="4" fill="#0b5cab"></rect></svg>`; string(out) != want {
		t.Errorf("got %s", out)
	}
}

// FuzzClean: whatever Clean accepts is well-formed XML with an svg root in
// the SVG namespace, carries none of the refused constructs, and cleans to
// itself.
func FuzzClean(f *testing.F) {
	f.Add([]byte(inkscape))
	f.Add([]byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`))
	f.Add([]byte(`<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink"><use x:href="#a"/><g id="a"/></svg>`))
	f.Add([]byte(`<svg><style>a{fill:url(#a)}</style><rect style="fill:url( '#a' )"/></svg>`))
	f.Add([]byte(`<!DOCTYPE svg><svg/>`))
	f.Add([]byte(`<svg><text>a&lt;b<![CDATA[ <c> ]]></text></svg>`))
	f.Fuzz(func(t *testing.T, src []byte) {
		out, err := Clean(src)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Reason == "" {
				t.Fatalf("refusal without a reason: %v", err)
			}
			return
		}
		checkSafe(t, out)
		again, err := Clean(out)
		if err != nil {
			t.Fatalf("cleaned image refused: %v\n%s", err, out)
		}
		if !bytes.Equal(again, out) {
			t.Fatalf("cleaning twice changed it:\n%s\n%s", out, again)
		}
	})
}

// checkSafe reads a cleaned image again and checks what it may hold.
func checkSafe(t *testing.T, out []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(out))
	first := true
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("cleaned image is not XML: %v\n%s", err, out)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			if first && (x.Name.Local != "svg" || x.Name.Space != nsSVG) {
				t.Fatalf("root is %v:\n%s", x.Name, out)
			}
			first = false
			if !elements[x.Name.Local] || x.Name.Space != nsSVG {
				t.Fatalf("element %v kept:\n%s", x.Name, out)
			}
			for _, a := range x.Attr {
				if a.Name.Space == "" && a.Name.Local == "xmlns" {
					continue
				}
				if a.Name.Space != "" {
					t.Fatalf("namespaced attribute %v kept:\n%s", a.Name, out)
				}
				if a.Name.Local == "href" && !fragmentRef.MatchString(a.Value) {
					t.Fatalf("href %q kept:\n%s", a.Value, out)
				}
				if a.Name.Local != "href" && !attributes[a.Name.Local] {
					t.Fatalf("attribute %s kept:\n%s", a.Name.Local, out)
				}
				if strings.HasPrefix(strings.ToLower(a.Name.Local), "on") {
					t.Fatalf("event attribute %s kept:\n%s", a.Name.Local, out)
				}
			}
		case xml.Directive, xml.ProcInst, xml.Comment:
			t.Fatalf("%T kept:\n%s", tok, out)
		}
	}
}

func TestSize(t *testing.T) {
	for src, want := range map[string][2]float64{
		`<svg xmlns="http://www.w3.org/2000/svg" width="240" height="64"/>`:                       {240, 64},
		`<svg xmlns="http://www.w3.org/2000/svg" width="240px" height="64px" viewBox="0 0 1 1"/>`: {240, 64},
		`<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 120,40"/>`:             {120, 40},
		`<svg xmlns="http://www.w3.org/2000/svg"/>`:                                               {0, 0},
	} {
		if w, h := Size([]byte(src)); w != want[0] || h != want[1] {
			t.Errorf("%s: %g×%g, want %v", src, w, h, want)
		}
	}
}
