package markup

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// markdownBombs are bodies within bodyMax on which goldmark works (or
// writes) far more than the text's length: each must be refused.
func markdownBombs() map[string]string {
	rep := strings.Repeat
	var indented strings.Builder
	for i := 0; i < 60; i++ {
		indented.WriteString(rep("  ", i) + "- item\n")
	}
	return map[string]string{
		"link openers on one line":        rep("[](", 16000),
		"image openers on one line":       rep("![](", 12000),
		"angle destinations":              rep("[a](<", 9000),
		"nested quotes":                   rep(">", 49000),
		"nested quotes with spaces":       rep("> ", 24000),
		"nested ordered lists":            rep("1. ", 16000),
		"quotes of lists":                 rep("> - ", 12000),
		"lists nested by indentation":     indented.String(),
		"unmatched emphasis":              rep("*a_", 16000),
		"brackets around emphasis":        rep("[", 990) + rep("*a", 20000) + rep("]", 990),
		"reference definitions":           rep("[a]:b\n", 8000),
		"wide table with many short rows": "|" + rep("a|", 200) + "\n|" + rep("-|", 200) + "\n" + rep("|\n", 5000),
		"lists 16 deep":                   rep(rep("- ", MaxNesting)+"a\n", 1470),
		"quotes 16 deep":                  rep(rep(">", MaxNesting)+" a\n\n", 2400),
		"links in a list":                 rep("- [a](b)\n", 5500),
		"autolinks":                       rep("www.a.b ", 6200),
		"table escaped pipes":             "|" + rep("`\\|`|", 100) + "\n|" + rep("-|", 100) + "\n" + rep("|"+rep("`\\|`|", 100)+"\n", 90),
		"repeated long reference":         "[a]: /" + rep("u", 10000) + "\n\n" + rep("[a]\n\n", 3000),
	}
}

// bodyMax is the longest body a member may post (models.BodyMax, which
// this package cannot import): the limits are sized for texts this long.
const bodyMax = 50000

// TestMarkdownBombsAreRefused: each bomb is refused with a reason, nothing
// rendered (the store's own test checks a refused answer shows it).
func TestMarkdownBombsAreRefused(t *testing.T) {
	md := New()
	for name, body := range markdownBombs() {
		if n := utf8.RuneCountInString(body); n > bodyMax {
			t.Fatalf("%s: %d characters, over bodyMax", name, n)
		}
		b, err := md.RenderBody(body)
		var le *LimitError
		if !errors.As(err, &le) || le.Reason == "" || b.HTML != "" {
			t.Errorf("%s: not refused: %v", name, err)
			continue
		}
		t.Logf("%s: %s", name, le.Reason)
	}
}

// Rich posts of the kinds members write stay well within the limits.
func TestOrdinaryRichMarkdownIsAccepted(t *testing.T) {
	md := New()
	var b strings.Builder
	b.WriteString("Here is what I tried, with **bold**, _emphasis_, ~~strike~~ and `code`.\n\n")
	b.WriteString("```json\n" + strings.Repeat(`{"items": [[1, 2], [3, 4]], "a_b": "*x*"}`+"\n", 300) + "```\n\n")
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, "See [the manual page %d](https://example.com/manual/%d) and <https://example.com/%d>. ", i, i, i)
	}
	b.WriteString("\n\n| Model | Firmware | Result |\n|---|:---:|--:|\n")
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&b, "| R%d | 1.%d | *works* |\n", i, i)
	}
	b.WriteString("\n> quoted\n> > reply to a reply\n> > > and another\n\n")
	for d := 0; d < 8; d++ {
		b.WriteString(strings.Repeat("  ", d) + "- level " + fmt.Sprint(d) + "\n")
	}
	b.WriteString("\nThe settings max_connections, keep_alive_timeout and dns_cache_size matter. " + strings.Repeat("snake_case_name ", 500) + "\n")
	if b.Len() > bodyMax {
		t.Fatalf("sample is %d bytes", b.Len())
	}
	r, err := md.RenderBody(b.String())
	if err != nil {
		t.Fatalf("refused: %v", err)
	}
	if !strings.Contains(r.HTML, "<table>") || !r.HasLink {
		t.Errorf("rendered without table or links: %.200q", r.HTML)
	}
}

// shape is a body made of a head, a unit repeated and a tail.
type shape struct{ head, unit, tail string }

func (s shape) body(n int) string { return s.head + strings.Repeat(s.unit, n) + s.tail }

// worstShapes are the shapes that cost goldmark most for their length, the
// ones the limits are about and a few ordinary ones to compare.
func worstShapes() map[string]shape {
	rep := strings.Repeat
	var backticks strings.Builder // runs of every length, none closed
	for i := 1; backticks.Len() < bodyMax-400; i++ {
		backticks.WriteString(rep("`", i) + "a")
	}
	return map[string]shape{
		// Each link tried reads on to the end of the line.
		"link openers, one line":   {rep("[](", 80), "a", ""},
		"angle destinations":       {rep("[a](<", 80), "a", ""},
		"image openers":            {rep("![](", 80), "a", ""},
		"link openers, paragraphs": {"", rep("[](", 80) + rep("a", 2000) + "\n\n", ""},
		"brackets around emphasis": {rep("[", 80), "*a", rep("]", 80)},
		"unmatched emphasis":       {"", "*a_", ""},
		"closers after inert runs": {"", "x_y ", rep("a_ ", 250)},
		"nested quotes":            {"", rep(">", MaxNesting) + " a\n\n", ""},
		"nested lists":             {"", rep("- ", MaxNesting) + "a\n", ""},
		"nested ordered lists":     {"", rep("1. ", MaxNesting) + "a\n", ""},
		"quotes of lists":          {"", rep("> - ", MaxNesting/2) + "a\n\n", ""},
		"indented code":            {"```\n", rep(" ", 2*maxLinePrefix) + "x\n", ""},
		"table, short rows":        {"|" + rep("a|", 50) + "\n|" + rep("-|", 50) + "\n", "|\n", ""},
		"table, escaped pipes":     {"|" + rep("`\\|`|", 100) + "\n|" + rep("-|", 100) + "\n", "|" + rep("`\\|`|", 100) + "\n", ""},
		"reference definitions":    {"", "[a]:b\n\n", ""},
		"repeated reference":       {"[a]: /" + rep("u", 2000) + "\n\n", "[a] ", ""},
		"links in a list":          {"", "- [a](b)\n", ""},
		"autolinks":                {"", "www.a.b ", ""},
		"less-than signs":          {"", "<", ""},
		"open tags":                {"", "<a ", ""},
		"backtick runs":            {backticks.String(), "", ""},
		"hard breaks":              {"", "a  \n", ""},
		"entities":                 {"", "&amp;", ""},
		"words":                    {"", "hello world. ", ""},
		"list items":               {"", "- a\n", ""},
		"headings":                 {"", "#\n", ""},
		"paragraphs":               {"", "a\n\n", ""},
		"setext headings":          {"", "a\n=\n", ""},
		"thematic breaks":          {"", "***\n", ""},
		"html blocks":              {"", "<div>\n\n", ""},
		"fences":                   {"", "```\n", ""},
		"quoted lines":             {"", "> > > a\n", ""},
		// A share of each budget at once, then open tags.
		"mixed": {rep("- a\n", 3500) + "\n" + rep("[](", 40) + rep("a", 12000) + "\n\n" + rep("*a_", 500) + "\n\n" +
			"|" + rep("`\\|`|", 20) + "\n|" + rep("-|", 20) + "\n" + rep("|"+rep("`\\|`|", 20)+"\n", 24) + "\n", "<a ", ""},
	}
}

// worstAllowed is the longest body of a shape that renderBody accepts.
func worstAllowed(md *Renderer, s shape) string {
	accepted := func(n int) bool {
		src := s.body(n)
		_, err := md.RenderBody(src)
		return err == nil && utf8.RuneCountInString(src) <= bodyMax
	}
	lo, hi := 0, bodyMax // accepted(lo), and nothing longer than hi is
	if s.unit == "" {
		hi = 0
	}
	for lo < hi {
		if mid := (lo + hi + 1) / 2; accepted(mid) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return s.body(lo)
}

// BenchmarkMarkdownWorstCase: what the costliest accepted body of each
// shape costs to check and render, as a post pays it.
func BenchmarkMarkdownWorstCase(b *testing.B) {
	md := New()
	for name, s := range worstShapes() {
		src := worstAllowed(md, s)
		b.Run(strings.ReplaceAll(name, " ", "_"), func(b *testing.B) {
			r, err := md.RenderBody(src)
			if err != nil {
				b.Fatalf("refused: %v", err)
			}
			b.ReportMetric(float64(len(src)), "body-bytes")
			b.ReportMetric(float64(len(r.HTML)), "html-bytes")
			for b.Loop() {
				md.RenderBody(src)
			}
		})
	}
}

// BenchmarkMarkdownRefusal: what refusing each bomb costs.
func BenchmarkMarkdownRefusal(b *testing.B) {
	md := New()
	for name, src := range markdownBombs() {
		b.Run(strings.ReplaceAll(name, " ", "_"), func(b *testing.B) {
			for b.Loop() {
				if _, err := md.RenderBody(src); !errors.As(err, new(*LimitError)) {
					b.Fatalf("accepted: %v", err)
				}
			}
		})
	}
}
