package markup

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Limits on the shape of a member's Markdown. On a few shapes goldmark works
// far more than the text is long: quotes and lists nested on one line, many
// link brackets or emphasis marks in one long paragraph, tables whose short
// rows are filled out to the header's width, one long reference used again
// and again. The limits keep the worst body accepted to milliseconds of
// work (BenchmarkMarkdownWorstCase) and its HTML to MaxBodyHTML; the
// messages say what to change.
const (
	// MaxNesting is how deep quotes and lists may sit inside each other.
	MaxNesting = 16
	// MaxTableCells counts the cells of all of a post's tables, a row shorter
	// than its header at the header's width (as it is shown).
	MaxTableCells = 5000
	// MaxBlocks bounds the paragraphs, headings, list items and quote marks
	// (counted on each line) of a body, as its lines show them.
	MaxBlocks = 8000
	// MaxBodyHTML is the most HTML, in bytes, a body may turn into.
	MaxBodyHTML = 256 << 10
	// maxEscapedPipes bounds the "\|" in all of a post's tables.
	maxEscapedPipes = 1000
	// maxLinePrefix guards the parse that measures the nesting: quote marks,
	// list markers and indentation (two columns a level) opening one line.
	maxLinePrefix = 64
	// maxLinkWork bounds, summed over the paragraphs, a paragraph's "[" times
	// its length: for each link it tries, goldmark reads on to the end of the
	// line (the address) and back over the paragraph's marks.
	maxLinkWork = 2_000_000
	// maxEmphasisWork bounds, summed over the paragraphs, the runs of *, _
	// or ~ that may close emphasis times all the runs of the paragraph:
	// goldmark looks for each closer's opener among every earlier run.
	maxEmphasisWork = 500_000
)

// blockParser reads only the block structure (paragraphs, quotes, lists,
// code): in linear time once no line opens too many levels, and without
// tables, whose filled-out rows are what is counted.
func blockParser() parser.Parser {
	return parser.NewParser(parser.WithBlockParsers(parser.DefaultBlockParsers()...))
}

// overLimit says which limit src goes over, or "" when it is within all of
// them. It reads src twice, in linear time, and never renders it.
func (m *Renderer) overLimit(src []byte) string {
	lines := scanLines(src)
	if lines.depth > maxLinePrefix {
		return fmt.Sprintf("Line %d starts with more than %d levels of quote marks (>), list markers and indentation. "+
			"Quotes and lists can be nested at most %d deep.", lines.deepLine, maxLinePrefix, MaxNesting)
	}
	if lines.blocks > MaxBlocks {
		return fmt.Sprintf("This text has too many short blocks: about %d paragraphs, headings, list items and quote marks, "+
			"more than %d. Join short lines into longer paragraphs.", lines.blocks, MaxBlocks)
	}
	doc := m.blocks.Parse(text.NewReader(src))
	var depth, maxDepth, deepAt, cells, escapedPipes, linkWork, emphasisWork int
	var worstLinks, worstEmphasis inlineCounts // the paragraphs with the most work of each kind
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		switch n.Kind() {
		case ast.KindBlockquote, ast.KindList:
			if !entering {
				depth--
			} else if depth++; depth > maxDepth {
				maxDepth, deepAt = depth, firstOffset(n)
			}
			return ast.WalkContinue, nil
		}
		if !entering || n.Type() != ast.TypeBlock || n.IsRaw() || n.Lines().Len() == 0 {
			return ast.WalkContinue, nil
		}
		c := countInline(n.Lines(), src)
		linkWork += c.linkWork()
		emphasisWork += c.emphasisWork()
		if c.linkWork() > worstLinks.linkWork() {
			worstLinks = c
		}
		if c.emphasisWork() > worstEmphasis.emphasisWork() {
			worstEmphasis = c
		}
		if n.Kind() == ast.KindParagraph {
			c, p := tableCells(n.Lines(), src)
			cells, escapedPipes = cells+c, escapedPipes+p
		}
		return ast.WalkContinue, nil
	})
	switch {
	case maxDepth > MaxNesting:
		return fmt.Sprintf("Quotes and lists are nested %d deep at line %d; at most %d levels are allowed.",
			maxDepth, lineAt(src, deepAt), MaxNesting)
	case cells > MaxTableCells:
		return fmt.Sprintf("Tables can have at most %d cells in all (a short row counts as wide as its header); these have %d. "+
			"Use fewer rows or columns.", MaxTableCells, cells)
	case escapedPipes > maxEscapedPipes:
		return fmt.Sprintf("Tables can hold at most %d escaped pipes (\\|) in all; these have %d.", maxEscapedPipes, escapedPipes)
	case linkWork > maxLinkWork:
		return fmt.Sprintf("Too many [ brackets (links) in long paragraphs: the one at line %d has %d in %d characters. "+
			"Split long paragraphs, or put code and logs in a code block (```).", lineAt(src, worstLinks.start), worstLinks.brackets, worstLinks.bytes)
	case emphasisWork > maxEmphasisWork:
		return fmt.Sprintf("Too many *, _ or ~ marks in long paragraphs: the one at line %d has %d. "+
			"Split long paragraphs, or put code and logs in a code block (```).", lineAt(src, worstEmphasis.start), worstEmphasis.runs)
	}
	return ""
}

// tooLarge is the message for a body whose HTML would be over MaxBodyHTML.
func tooLarge(n int) string {
	return fmt.Sprintf("Formatted, this text would be %d KB, more than the %d KB allowed. "+
		"Use fewer links (each use of a [reference] repeats its address), tables or quotes.", (n+1023)/1024, MaxBodyHTML/1024)
}

// lineCounts is what one pass over the lines finds, before any parsing.
type lineCounts struct {
	deepLine, depth int // the line whose opening may open the most levels, and how many
	blocks          int // about how many blocks goldmark opens: the work of its block parser
}

// scanLines counts, for each line, the levels its quote marks, list markers
// and indentation may open (at least as many as goldmark opens or continues
// there), and the blocks it may open: one per quote mark or list marker, and
// one more when the line may start a paragraph, heading, fence and so on.
func scanLines(src []byte) lineCounts {
	var c lineCounts
	prevBlank, prevOpened := true, false
	for n, start := 1, 0; start < len(src); n++ {
		end := bytes.IndexByte(src[start:], '\n')
		if end < 0 {
			end = len(src)
		} else {
			end += start
		}
		markers, columns, rest := linePrefix(src[start:end])
		if d := markers + columns/2; d > c.depth {
			c.deepLine, c.depth = n, d
		}
		blank := len(bytes.TrimSpace(rest)) == 0
		opens := !blank && bytes.IndexByte([]byte("#=-*_+`~<"), rest[0]) >= 0
		c.blocks += markers
		if !blank && (prevBlank || prevOpened || markers > 0 || opens) {
			c.blocks++
		}
		prevBlank, prevOpened = blank, opens
		start = end + 1
	}
	return c
}

// linePrefix splits a line's opening quote marks and list markers (counted)
// and the whitespace among them (in columns) from the rest.
func linePrefix(l []byte) (markers, columns int, rest []byte) {
	i := 0
	for i < len(l) {
		switch c := l[i]; {
		case c == ' ':
			columns++
			i++
		case c == '\t':
			columns += 4 - columns%4
			i++
		case c == '>':
			markers++
			i++
		case (c == '-' || c == '*' || c == '+') && (i+1 == len(l) || l[i+1] == ' ' || l[i+1] == '\t'):
			markers++
			i++
		case c >= '0' && c <= '9':
			j := i
			for j < len(l) && j-i < 10 && l[j] >= '0' && l[j] <= '9' {
				j++
			}
			if j < len(l) && (l[j] == '.' || l[j] == ')') && (j+1 == len(l) || l[j+1] == ' ' || l[j+1] == '\t') {
				markers++
				i = j + 1
				continue
			}
			return markers, columns, l[i:]
		default:
			return markers, columns, l[i:]
		}
	}
	return markers, columns, nil
}

// inlineCounts are what makes goldmark's inline parsing of one block costly.
type inlineCounts struct {
	start    int // where the block starts in the source
	bytes    int // the block's text
	brackets int // "[": each may open a link or an image
	runs     int // runs of *, _ or ~: each is kept as a delimiter
	closers  int // runs that may close emphasis
}

func (c inlineCounts) linkWork() int     { return c.brackets * c.bytes }
func (c inlineCounts) emphasisWork() int { return c.closers * c.runs }

// countInline counts a block's text as goldmark's inline parser sees it
// (except that marks in code spans and escaped marks count too).
func countInline(lines *text.Segments, src []byte) inlineCounts {
	c := inlineCounts{start: lines.At(0).Start}
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		l := seg.Value(src)
		c.bytes += len(l)
		// As goldmark's PrecendingCharacter: what comes before a line is
		// the source's (a quote mark, a space), except for the block's first.
		before := '\n'
		if i > 0 && seg.Padding == 0 && seg.Start > 0 {
			before, _ = utf8.DecodeLastRune(src[:seg.Start])
		} else if seg.Padding != 0 {
			before = ' '
		}
		for j := 0; j < len(l); {
			b := l[j]
			if b == '[' {
				c.brackets++
			}
			if b != '*' && b != '_' && b != '~' {
				r, size := utf8.DecodeRune(l[j:])
				before, j = r, j+size
				continue
			}
			k := j
			for k < len(l) && l[k] == b {
				k++
			}
			after := ' '
			if k < len(l) {
				after, _ = utf8.DecodeRune(l[k:])
			}
			c.runs++
			if mayClose(b, before, after) {
				c.closers++
			}
			before, j = rune(b), k
		}
	}
	return c
}

// mayClose is goldmark's rule (CommonMark's right-flanking run) for a run of
// b between before and after.
func mayClose(b byte, before, after rune) bool {
	beforePunct, beforeSpace := util.IsPunctRune(before), util.IsSpaceRune(before)
	afterPunct, afterSpace := util.IsPunctRune(after), util.IsSpaceRune(after)
	left := !afterSpace && (!afterPunct || beforeSpace || beforePunct)
	right := !beforeSpace && (!beforePunct || afterSpace || afterPunct)
	if b == '_' {
		return right && (!left || afterPunct)
	}
	return right
}

// tableCells is how many cells the GFM table in a paragraph shows (the
// header's columns times the header and every later line of the paragraph)
// and the escaped pipes ("\|") in its rows, which goldmark's table extension
// matches each against all the others. It follows that extension, except
// that a header with another number of cells than the delimiter row is
// counted as a table too.
func tableCells(lines *text.Segments, src []byte) (cells, escapedPipes int) {
	for i := 1; i < lines.Len(); i++ {
		seg := lines.At(i)
		cols := delimiterColumns(seg.Value(src))
		if cols == 0 {
			continue
		}
		for j := i - 1; j < lines.Len(); j++ {
			row := lines.At(j)
			escapedPipes += bytes.Count(row.Value(src), []byte(`\|`))
		}
		return cols * (lines.Len() - i), escapedPipes
	}
	return 0, 0
}

// delimiterColumns is the number of columns of a table's delimiter row
// ("|---|:-:|"), or 0 when l is not one.
func delimiterColumns(l []byte) int {
	// As goldmark's isTableDelim,
	if w, _ := util.IndentWidth(l, 0); w > 3 {
		return 0
	}
	allDashes := true
	for _, b := range l {
		if b != '-' {
			allDashes = false
		}
		if !util.IsSpace(b) && b != '-' && b != '|' && b != ':' {
			return 0
		}
	}
	if allDashes {
		return 0
	}
	// then parseDelimiter.
	cols := bytes.Split(l, []byte{'|'})
	if util.IsBlank(cols[0]) {
		cols = cols[1:]
	}
	if len(cols) > 0 && util.IsBlank(cols[len(cols)-1]) {
		cols = cols[:len(cols)-1]
	}
	for _, col := range cols {
		col = bytes.TrimSpace(col)
		col = bytes.TrimPrefix(col, []byte{':'})
		col = bytes.TrimSuffix(col, []byte{':'})
		if len(col) == 0 || len(bytes.Trim(col, "-")) != 0 {
			return 0
		}
	}
	return len(cols)
}

// firstOffset is where a block's text starts in the source.
func firstOffset(n ast.Node) int {
	for ; n != nil; n = n.FirstChild() {
		if n.Type() == ast.TypeBlock && n.Lines().Len() > 0 {
			return n.Lines().At(0).Start
		}
	}
	return 0
}

// lineAt is the line number of a byte offset.
func lineAt(src []byte, offset int) int {
	return 1 + bytes.Count(src[:min(offset, len(src))], []byte{'\n'})
}
