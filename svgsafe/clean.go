// Package svgsafe turns an SVG image that someone uploaded (a community's
// logo or favicon) into one that is safe to serve from the site's own
// origin, or refuses it with a reason a person can act on.
//
// The image is read as XML (encoding/xml: no network; a DOCTYPE with
// declarations is refused, so no entity can be declared or expanded) and
// written anew, element by
// element and attribute by attribute, from allowlists of static vector
// graphics. Anything that runs code or loads something else is refused, not
// quietly dropped, so an admin learns why the file was not taken: <script>,
// <foreignObject>, animation (which can rewrite a link), embedded images and
// documents, event attributes (on…), any href that is not a fragment of the
// image itself (#id), url() that is not #id, CSS that imports or loads
// (@import, image-set(), escapes), processing instructions other than the
// XML declaration, and a DOCTYPE with declarations. Editor metadata (Inkscape, Illustrator,
// RDF) and unknown attributes are left out. Sizes are bounded (elements,
// depth, the image's declared width and height) and a <use> may not point at
// something that itself holds a <use>, so no "billion laughs" of references.
//
// No existing Go library fitted: bluemonday is an HTML sanitiser (it parses
// SVG as HTML, lowercasing camelCase names such as viewBox and
// linearGradient, and has no notion of url() in presentation attributes),
// and the small SVG checkers validate element names without looking at
// attribute values or CSS. This one is short enough to read whole and is
// fuzzed (FuzzClean): whatever it returns parses again and cleans to itself.
package svgsafe

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// Limits of what Clean accepts.
const (
	// MaxElements bounds the elements an image may have.
	MaxElements = 5000
	// MaxDepth bounds how deeply they may nest.
	MaxDepth = 40
	// MaxUses bounds the <use> elements.
	MaxUses = 200
	// MaxSize is the largest width or height an image may declare, in
	// user units: a logo shown at 40 px needs nothing near it, and a huge
	// one makes a renderer allocate for nothing.
	MaxSize = 10000
	// MaxViewBox bounds each number of the root's viewBox.
	MaxViewBox = 1e6
)

// Error is a refusal, worded for the person who uploaded the image.
type Error struct{ Reason string }

func (e *Error) Error() string { return e.Reason }

func refuse(format string, args ...any) error { return &Error{Reason: fmt.Sprintf(format, args...)} }

const (
	nsSVG   = "http://www.w3.org/2000/svg"
	nsXLink = "http://www.w3.org/1999/xlink"
)

// elements are the SVG elements kept: shapes, text, structure, paint
// servers, clipping, masking and filter primitives that draw nothing from
// outside the image.
var elements = set("svg", "g", "defs", "symbol", "use", "title", "desc", "style",
	"path", "rect", "circle", "ellipse", "line", "polyline", "polygon",
	"text", "tspan", "textPath",
	"linearGradient", "radialGradient", "stop", "pattern", "clipPath", "mask", "marker",
	"filter", "feBlend", "feColorMatrix", "feComponentTransfer", "feComposite", "feDropShadow", "feFlood",
	"feFuncA", "feFuncB", "feFuncG", "feFuncR", "feGaussianBlur", "feMerge", "feMergeNode", "feMorphology",
	"feOffset", "feTile", "feTurbulence", "feDiffuseLighting", "feSpecularLighting", "feDistantLight",
	"fePointLight", "feSpotLight", "feConvolveMatrix", "feDisplacementMap")

// hostile are elements that run code, load or embed something, or change
// the image after it loads: refused, named in the reason. Compared in
// lower case, whatever their namespace.
var hostile = set("script", "foreignobject", "iframe", "object", "embed", "image", "feimage", "a",
	"animate", "animatemotion", "animatetransform", "animatecolor", "set", "discard", "mpath",
	"handler", "listener", "audio", "video", "canvas", "html", "body", "link", "meta", "base", "cursor",
	"font-face-uri", "tref", "switch")

// textual are the elements whose text is kept.
var textual = set("title", "desc", "text", "tspan", "textPath", "style")

// attributes are the attributes kept (href apart: see hrefElements).
var attributes = set("id", "class", "style", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry",
	"fx", "fy", "fr", "width", "height", "d", "points", "pathLength", "transform", "viewBox", "preserveAspectRatio",
	"version", "role", "aria-label", "aria-hidden", "aria-labelledby", "aria-describedby", "focusable",
	"fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin",
	"stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset", "stroke-opacity", "opacity",
	"clip-path", "clip-rule", "clipPathUnits", "mask", "maskUnits", "maskContentUnits", "filter", "filterUnits",
	"primitiveUnits", "color", "display", "visibility", "overflow", "vector-effect", "shape-rendering",
	"text-rendering", "image-rendering", "color-interpolation", "color-interpolation-filters", "paint-order",
	"isolation", "mix-blend-mode",
	"font-family", "font-size", "font-weight", "font-style", "font-variant", "font-stretch", "text-anchor",
	"dominant-baseline", "alignment-baseline", "baseline-shift", "letter-spacing", "word-spacing",
	"text-decoration", "writing-mode", "direction", "dx", "dy", "rotate", "textLength", "lengthAdjust",
	"startOffset", "method", "spacing", "side",
	"offset", "stop-color", "stop-opacity", "gradientUnits", "gradientTransform", "spreadMethod",
	"patternUnits", "patternContentUnits", "patternTransform",
	"marker-start", "marker-mid", "marker-end", "markerWidth", "markerHeight", "markerUnits", "refX", "refY", "orient",
	"in", "in2", "result", "stdDeviation", "mode", "operator", "k1", "k2", "k3", "k4", "type", "values",
	"tableValues", "slope", "intercept", "amplitude", "exponent", "flood-color", "flood-opacity",
	"lighting-color", "radius", "baseFrequency", "numOctaves", "seed", "stitchTiles", "scale",
	"xChannelSelector", "yChannelSelector", "surfaceScale", "diffuseConstant", "specularConstant",
	"specularExponent", "kernelUnitLength", "azimuth", "elevation", "z", "pointsAtX", "pointsAtY", "pointsAtZ",
	"limitingConeAngle", "order", "kernelMatrix", "divisor", "bias", "targetX", "targetY", "edgeMode",
	"preserveAlpha")

// hrefElements may carry an href, and only to a fragment of the image.
var hrefElements = set("use", "linearGradient", "radialGradient", "pattern", "textPath", "filter")

// fragmentRef is an href that points inside the image.
var fragmentRef = regexp.MustCompile(`^#[A-Za-z_][A-Za-z0-9_.:-]{0,200}$`)

// cssFunction finds each function call in CSS or a presentation attribute.
var cssFunction = regexp.MustCompile(`(?i)([a-z-][a-z0-9-]*)\s*\(`)

// functions are the CSS and transform functions allowed; url() only to #id.
var functions = set("url", "rgb", "rgba", "hsl", "hsla", "hwb", "lab", "lch", "oklab", "oklch", "color",
	"calc", "var", "min", "max", "clamp", "matrix", "translate", "translatex", "translatey", "scale",
	"scalex", "scaley", "rotate", "skewx", "skewy", "skew", "local", "format", "blur", "drop-shadow",
	"brightness", "contrast", "grayscale", "hue-rotate", "invert", "opacity", "saturate", "sepia",
	"cubic-bezier", "steps", "linear-gradient", "radial-gradient")

// urlRef is the target of a url(): what follows "url(".
var urlRef = regexp.MustCompile(`^\s*(['"]?)\s*#[A-Za-z_][A-Za-z0-9_.:-]*\s*(['"]?)\s*\)`)

// cssComment is a CSS comment: removed before checking and writing, so
// nothing can hide behind one.
var cssComment = regexp.MustCompile(`(?s)/\*.*?\*/`)

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// Clean returns src as a safe SVG image, or an *Error saying why it is
// refused. src must be UTF-8 (or ASCII) XML with an <svg> root.
func Clean(src []byte) ([]byte, error) {
	c := cleaner{dec: xml.NewDecoder(bytes.NewReader(src)), uses: map[string]bool{}, holdsUse: map[string]bool{}}
	// No Entity map: only XML's five predefined entities are known; a file
	// declaring an encoding other than UTF-8 (or ASCII, a part of it) is refused.
	c.dec.Strict = true
	c.dec.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		if strings.EqualFold(label, "us-ascii") {
			return r, nil
		}
		return nil, refuse("The image is encoded as %s; save it as UTF-8.", truncate(label))
	}
	if err := c.run(); err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, err
		}
		return nil, refuse("This is not a well-formed SVG image (%s).", plainXMLError(err))
	}
	for target := range c.uses {
		if c.holdsUse[target] {
			return nil, refuse("A <use> element points at %q, which holds another <use>: references may not nest.", "#"+target)
		}
	}
	return c.out.Bytes(), nil
}

// plainXMLError is encoding/xml's message without its "XML syntax error" prefix.
func plainXMLError(err error) string {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("line %d: %s", se.Line, se.Msg)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "it ends too early"
	}
	return "it could not be read as XML"
}

type cleaner struct {
	dec *xml.Decoder
	out bytes.Buffer
	// stack holds, per open element, whether it is written (false: it and
	// everything in it are left out) and its id.
	stack    []frame
	count    int
	useCount int
	rooted   bool
	// uses are the ids <use> elements point at; holdsUse the ids of
	// elements that are or contain a <use>.
	uses, holdsUse map[string]bool
}

type frame struct {
	name string // local name as written
	kept bool
	id   string
}

func (c *cleaner) keeping() bool { return len(c.stack) == 0 || c.stack[len(c.stack)-1].kept }

func (c *cleaner) run() error {
	for {
		tok, err := c.dec.Token()
		if err == io.EOF {
			if !c.rooted {
				return refuse("This file has no <svg> element: it is not an SVG image.")
			}
			if len(c.stack) != 0 {
				return refuse("This is not a well-formed SVG image (it ends too early).")
			}
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := c.start(t); err != nil {
				return err
			}
		case xml.EndElement:
			if len(c.stack) == 0 {
				return refuse("This is not a well-formed SVG image (an element closes that was never opened).")
			}
			f := c.stack[len(c.stack)-1]
			if f.name != t.Name.Local {
				return refuse("This is not a well-formed SVG image (<%s> is closed by </%s>).", f.name, t.Name.Local)
			}
			c.stack = c.stack[:len(c.stack)-1]
			if f.kept {
				c.out.WriteString("</" + f.name + ">")
			}
		case xml.CharData:
			if len(c.stack) == 0 {
				if len(bytes.TrimSpace(t)) == 0 {
					continue
				}
				if !c.rooted {
					return refuse("This file has no <svg> element: it is not an SVG image.")
				}
				return refuse("This is not a well-formed SVG image (text outside the <svg> element).")
			}
			f := c.stack[len(c.stack)-1]
			if !f.kept || !textual[f.name] {
				continue
			}
			text := string(t)
			if f.name == "style" {
				var err error
				if text, err = checkCSS(text, "the <style> element"); err != nil {
					return err
				}
			}
			if err := xml.EscapeText(&c.out, []byte(text)); err != nil {
				return err
			}
		case xml.Comment:
			// Left out.
		case xml.ProcInst:
			if t.Target != "xml" {
				return refuse("The image has a <?%s?> instruction; an SVG logo may not load a stylesheet or run anything.", t.Target)
			}
			if c.rooted || len(c.stack) != 0 {
				return refuse("This is not a well-formed SVG image (an XML declaration after the start).")
			}
		case xml.Directive:
			// Editors write the SVG 1.1 DOCTYPE (a public identifier, never
			// fetched): left out. One with declarations of its own (entities,
			// the "billion laughs") or anything else is refused.
			d := string(t)
			if strings.HasPrefix(d, "DOCTYPE") && !strings.ContainsAny(d, "[<>%&") && !c.rooted {
				continue
			}
			return refuse("The image declares entities or a document type of its own (<!DOCTYPE … [ … ]>); an SVG logo needs none. Save it without them.")
		}
	}
}

func (c *cleaner) start(t xml.StartElement) error {
	c.count++
	if c.count > MaxElements {
		return refuse("The image has more than %d elements; simplify it or upload a PNG.", MaxElements)
	}
	if len(c.stack) >= MaxDepth {
		return refuse("The image nests elements more than %d deep; simplify it or upload a PNG.", MaxDepth)
	}
	local := t.Name.Local
	if hostile[strings.ToLower(local)] {
		return refuse("The image contains a <%s> element, which an SVG logo may not have (no scripts, links, animation, "+
			"embedded images or documents). Export it again as a plain SVG, or upload a PNG.", local)
	}
	// Token resolved the namespace: its URI when declared, else the prefix.
	space := t.Name.Space
	if !c.rooted {
		if local != "svg" || (space != nsSVG && space != "") {
			return refuse("This file is not an SVG image: its first element is <%s>, not <svg>.", local)
		}
	} else if len(c.stack) == 0 {
		return refuse("This is not a well-formed SVG image (more than one root element).")
	}
	kept := c.keeping() && (space == nsSVG || space == "") && elements[local]
	f := frame{name: local, kept: kept}
	attrs, err := c.attributes(t, local, !c.rooted)
	if err != nil {
		return err
	}
	for _, a := range attrs {
		if a.name == "id" {
			f.id = a.value
		}
	}
	if local == "use" {
		c.useCount++
		if c.useCount > MaxUses {
			return refuse("The image has more than %d <use> elements; simplify it or upload a PNG.", MaxUses)
		}
		for _, a := range attrs {
			if a.name == "href" {
				c.uses[a.value[1:]] = true
			}
		}
		// This element and every element it is in hold a <use>.
		if f.id != "" {
			c.holdsUse[f.id] = true
		}
		for _, p := range c.stack {
			if p.id != "" {
				c.holdsUse[p.id] = true
			}
		}
	}
	c.rooted = true
	c.stack = append(c.stack, f)
	if !kept {
		return nil
	}
	c.out.WriteString("<" + local)
	if len(c.stack) == 1 {
		c.out.WriteString(` xmlns="` + nsSVG + `"`)
	}
	for _, a := range attrs {
		c.out.WriteString(" " + a.name + `="`)
		if err := xml.EscapeText(&c.out, []byte(a.value)); err != nil {
			return err
		}
		c.out.WriteString(`"`)
	}
	c.out.WriteString(">")
	return nil
}

type attr struct{ name, value string }

// attributes checks an element's attributes and returns those kept.
func (c *cleaner) attributes(t xml.StartElement, element string, root bool) ([]attr, error) {
	var out []attr
	seen := map[string]bool{}
	for _, a := range t.Attr {
		local := a.Name.Local
		if a.Name.Space == "xmlns" || (a.Name.Space == "" && local == "xmlns") {
			continue // declarations: the output declares its own
		}
		if strings.HasPrefix(strings.ToLower(local), "on") {
			return nil, refuse("The image has an event attribute (%s on <%s>), which runs a script; an SVG logo may not have any.", local, element)
		}
		space := a.Name.Space
		if strings.Contains(strings.ToLower(a.Value), "javascript:") || strings.Contains(strings.ToLower(a.Value), "vbscript:") {
			return nil, refuse("The image has a script address in %s on <%s>; an SVG logo may not have any.", local, element)
		}
		if local == "href" && (space == "" || space == nsXLink || space == "xlink") {
			if !fragmentRef.MatchString(a.Value) {
				return nil, refuse("The image links to %q (href on <%s>); an SVG logo may only refer to its own parts (#id), "+
					"never to another file or address.", truncate(a.Value), element)
			}
			if !hrefElements[element] {
				continue
			}
			if seen["href"] {
				return nil, refuse("The image gives <%s> two links (href and xlink:href).", element)
			}
			seen["href"] = true
			out = append(out, attr{"href", a.Value})
			continue
		}
		if space != "" {
			continue // editor and metadata namespaces (inkscape:, sodipodi:, xml:, …)
		}
		value := a.Value
		var err error
		if local == "style" {
			if value, err = checkCSS(value, "a style attribute"); err != nil {
				return nil, err
			}
		} else if value, err = checkValue(value, local, element); err != nil {
			return nil, err
		}
		if !attributes[local] || seen[local] {
			continue
		}
		if root {
			if err := checkRootSize(local, value); err != nil {
				return nil, err
			}
		}
		seen[local] = true
		out = append(out, attr{local, value})
	}
	return out, nil
}

// checkValue refuses what could load something in an attribute: url() to
// anything but #id, a function not on the list, a CSS escape.
func checkValue(v, name, element string) (string, error) {
	if strings.ContainsRune(v, '\\') {
		return "", refuse("The image has a backslash in %s on <%s>; an SVG logo's values may not use escapes.", name, element)
	}
	if err := checkFunctions(v, fmt.Sprintf("%s on <%s>", name, element)); err != nil {
		return "", err
	}
	return v, nil
}

// checkCSS checks a style attribute or a <style> element and returns it
// without comments.
func checkCSS(css, where string) (string, error) {
	css = cssComment.ReplaceAllString(css, " ")
	lower := strings.ToLower(css)
	switch {
	case strings.Contains(lower, "/*"):
		return "", refuse("The image has an unfinished CSS comment in %s.", where)
	case strings.ContainsRune(css, '\\'):
		return "", refuse("The image's CSS in %s uses escapes (\\); an SVG logo's CSS may not.", where)
	case strings.Contains(lower, "@import"):
		return "", refuse("The image's CSS in %s imports another stylesheet (@import); an SVG logo may not load anything.", where)
	case strings.Contains(lower, "expression") || strings.Contains(lower, "-moz-binding") || strings.Contains(lower, "behavior"):
		return "", refuse("The image's CSS in %s has a script extension; an SVG logo may not.", where)
	}
	if err := checkFunctions(css, where); err != nil {
		return "", err
	}
	return css, nil
}

// checkFunctions allows only listed functions, and url() only to #id.
func checkFunctions(v, where string) error {
	for _, m := range cssFunction.FindAllStringSubmatchIndex(v, -1) {
		name := strings.ToLower(v[m[2]:m[3]])
		if !functions[name] {
			return refuse("The image uses %s() in %s; an SVG logo may use colours, transforms and url(#id), nothing that loads a file.", name, where)
		}
		if name == "url" && !urlRef.MatchString(v[m[1]:]) {
			return refuse("The image refers to a file or address with url() in %s; an SVG logo may only refer to its own parts, as url(#id).", where)
		}
	}
	// "url(" is found above whatever case or spacing; a bare "url" with
	// anything else between it and "(" is not a function to CSS.
	return nil
}

// checkRootSize bounds the width and height the image declares.
func checkRootSize(name, v string) error {
	switch name {
	case "width", "height":
		n, ok := leadingNumber(v)
		if ok && (n > MaxSize || n < 0) {
			return refuse("The image says it is %s wide or high; an SVG logo may be at most %d units. Set a smaller width and height (the logo is scaled to fit).", truncate(v), MaxSize)
		}
	case "viewBox":
		for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' || r == '\n' || r == '\r' }) {
			n, err := strconv.ParseFloat(f, 64)
			if err != nil || n > MaxViewBox || n < -MaxViewBox {
				return refuse("The image's viewBox %q is not four numbers within ±%g.", truncate(v), float64(MaxViewBox))
			}
		}
	}
	return nil
}

// leadingNumber parses the number at the start of a length ("120", "3.5cm", "1e9px").
func leadingNumber(v string) (float64, bool) {
	v = strings.TrimSpace(v)
	end := 0
	for end < len(v) && strings.IndexByte("+-.0123456789eE", v[end]) >= 0 {
		end++
	}
	for end > 0 {
		if n, err := strconv.ParseFloat(v[:end], 64); err == nil {
			return n, true
		}
		end--
	}
	return 0, false
}

func truncate(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}

// Size is the width and height an image declares, for its aspect ratio:
// the root's width and height when both are plain numbers (or px), else
// its viewBox's; zeros when it declares neither.
func Size(svg []byte) (w, h float64) {
	d := xml.NewDecoder(bytes.NewReader(svg))
	for {
		tok, err := d.Token()
		if err != nil {
			return 0, 0
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		attr := map[string]string{}
		for _, a := range start.Attr {
			if a.Name.Space == "" {
				attr[a.Name.Local] = strings.TrimSpace(a.Value)
			}
		}
		px := func(v string) float64 {
			n, err := strconv.ParseFloat(strings.TrimSuffix(v, "px"), 64)
			if err != nil || n <= 0 {
				return 0
			}
			return n
		}
		if w, h := px(attr["width"]), px(attr["height"]); w > 0 && h > 0 {
			return w, h
		}
		f := strings.FieldsFunc(attr["viewBox"], func(r rune) bool { return r == ' ' || r == ',' || r == '\t' || r == '\n' || r == '\r' })
		if len(f) == 4 {
			if w, h := px(f[2]), px(f[3]); w > 0 && h > 0 {
				return w, h
			}
		}
		return 0, 0
	}
}
