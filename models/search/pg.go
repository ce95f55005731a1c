package search

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/crowdcare/crowdcare/models/db"
)

// pgIndex is the search index on PostgreSQL: the table search_index
// (migrations/postgres/0026_init.sql, the search section) holds the same
// text columns as the FTS5 table and a tsvector, doc, with a GIN index.
//
// The text is split into words and folded here, in Go, as the FTS5
// tokenizer and the query side do it (letters, digits and combining marks
// make words; lower case, accents removed; CJK a character at a time, as
// indexText segments it), and doc is written as a tsvector literal: no
// text search configuration, dictionary or extension (unaccent) is used,
// so it runs where no extension may be installed (managed services), and
// word forms are the stems columns' (Snowball, in Go), as on SQLite.
// Weights mirror the bm25 column weights: A the title and its stems, B
// compounds written together, C the question with its accepted answer and
// their stems, D the other answers; ranking weighs A, B and C 1, 0.2 and
// 0.1 (bm25's 10, 2 and 1; see rank). Facets are lexemes of their own
// ("#zsolved"), which no word of a query can be.
//
// Match expressions (FTS5 syntax, see Backend) are compiled to a
// tsquery (pgQuery), every word a quoted lexeme, so no input can make a
// syntax error. Ranking is ts_rank over the newest limit matches, as the
// FTS5 plan ranks bm25 over the newest matches, and the final ranking
// (scoreWindow) and highlighting read the stored text as on SQLite.
//
// FTS5 reads a word's matches newest first and stops; a GIN index returns
// every match, and a word common enough to be in half the questions would
// cost a read of each of them. So each document also has the lexeme of its
// bucket of 1,024 rowids ("#r97", pgBucketShift), and the SQL function
// search_match (in the migration) searches the newest buckets first, GIN
// finding q & (those buckets) without reading the other matches.
type pgIndex struct{ d *db.DB }

// pgBucketShift makes a document's bucket, rowid >> pgBucketShift (1,024
// rowids): search_match computes it the same way.
const pgBucketShift = 10

var pgColumns = []string{"rowid", "title", "body", "answers", "joined", "tstems", "stems", "facets", "doc", "head"}

// pgNewestRowid is search_match's last argument, the newest rowid: read
// here, where the planner may read the primary key backwards (the function
// keeps it from index scans).
const pgNewestRowid = `(SELECT COALESCE(MAX(rowid), 0) FROM search_index)`

func (x pgIndex) Write(ctx context.Context, tx db.Querier, row Row) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO search_index (rowid, title, body, answers, joined, tstems, stems, facets, doc, head)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS tsvector), CAST(? AS tsvector))`, x.Values(row)...)
	return err
}

func (pgIndex) Remove(ctx context.Context, tx db.Querier, rowid int64) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM search_index WHERE rowid = ?`, rowid)
	return err
}

func (pgIndex) Columns() []string { return pgColumns }

func (pgIndex) Values(row Row) []any {
	doc, head := pgVector(row.RowID, row.Cols, row.Facets)
	return append(append([]any{row.RowID}, row.Cols...), row.Facets, doc, head)
}

func (x pgIndex) Count(ctx context.Context, match string, limit int) (int, error) {
	q, err := compilePgQuery(match)
	if err != nil {
		return 0, err
	}
	var n int
	err = x.d.Reader(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM search_match(CAST(? AS tsquery), NULL, CAST(? AS INTEGER), `+pgNewestRowid+`)`,
		q.match, limit).Scan(&n)
	return n, err
}

func (x pgIndex) Newest(ctx context.Context, match string, n int) ([]int64, error) {
	q, err := compilePgQuery(match)
	if err != nil {
		return nil, err
	}
	return db.Column[int64](x.d.Reader(ctx).QueryContext(ctx,
		`SELECT rowid FROM search_match(CAST(? AS tsquery), NULL, CAST(? AS INTEGER), `+pgNewestRowid+`) ORDER BY rowid DESC`, q.match, n))
}

// Rank has search_match compute ts_rank for the newest limit+1 matches
// only, with the query's words alone (the filters are not what a question
// is about), over head: the title, the question and the accepted answer
// with their stems and compounds, weighed 1, 0.2 and 0.1 (A, B, C: bm25's
// column weights), normalised by length as bm25 is. The other answers,
// which FTS5 weighs 0.4 of the question's words, are left out of this
// ranking (the final ranking in Go does not read them either): head is
// small enough to be kept in the row, while doc is a TOAST fetch each,
// which made ranking 1,000 candidates three times slower.
func (x pgIndex) Rank(ctx context.Context, match string, limit, window int) ([]Ranked, int, error) {
	q, err := compilePgQuery(match)
	if err != nil {
		return nil, 0, err
	}
	rows, err := x.d.Reader(ctx).QueryContext(ctx, `SELECT rowid, -rank AS r, COUNT(*) OVER ()
		FROM search_match(CAST(? AS tsquery), CAST(? AS tsquery), CAST(? AS INTEGER), `+pgNewestRowid+`)
		ORDER BY r, rowid DESC LIMIT ?`, q.match, q.rank, limit+1, window)
	if err != nil {
		return nil, 0, err
	}
	return scanRanked(rows)
}

func (x pgIndex) Clear(ctx context.Context) error {
	_, err := x.d.Exec(ctx, `DELETE FROM search_index`)
	return err
}

// Optimize moves the GIN index's pending entries (fastupdate: the newest
// rows' lexemes, which every search reads through) into the index proper,
// clears the rebuild's dead rows and refreshes the planner's statistics.
func (x pgIndex) Optimize(ctx context.Context) error {
	if _, err := x.d.Exec(ctx, `VACUUM (ANALYZE) search_index`); err != nil {
		return fmt.Errorf("vacuum the index: %w", err)
	}
	return nil
}

// tsvector limits: a lexeme's length in bytes, positions (later ones are
// kept as the last), positions kept per lexeme, and the bytes of lexemes
// and positions in all (1 MB; a thread that large keeps its first words).
const (
	pgMaxLexeme    = 2046
	pgMaxPos       = 16383
	pgMaxPositions = 255
	pgMaxVector    = 1000000
)

// pgWeighted are the text columns of Columns in the order their words
// are numbered, with their weights: phrases are found within a column, and
// the answers, the longest, come last, where positions may run out.
var pgWeighted = []struct {
	col    int // in Columns
	weight pgtype.TSVectorWeight
}{{0, pgtype.TSVectorWeightA}, {4, pgtype.TSVectorWeightA}, {3, pgtype.TSVectorWeightB}, {1, pgtype.TSVectorWeightC}, {5, pgtype.TSVectorWeightC}, {2, pgtype.TSVectorWeightD}}

// pgVector makes a document's tsvectors: doc, each folded word with its
// positions and their weights, positions counted across the columns with a
// gap between columns so no phrase spans two, then the facets and the
// document's bucket; and head, the positions of weights A, B and C alone
// (no other answers, facets or bucket), what ts_rank reads. They are pgx's
// tsvector values: COPY sends them in PostgreSQL's binary form, with no
// literal to write and parse again (an INSERT sends their text).
func pgVector(rowid int64, cols []any, facets string) (doc, head pgtype.TSVector) {
	var entries []pgtype.TSVectorLexeme
	byLexeme := map[string]int{} // index in entries
	size := 0
	add := func(lexeme string, pos int, weight pgtype.TSVectorWeight) {
		k, ok := byLexeme[lexeme]
		if !ok {
			if size+len(lexeme)+8 > pgMaxVector {
				return
			}
			k = len(entries)
			byLexeme[lexeme] = k
			entries = append(entries, pgtype.TSVectorLexeme{Word: lexeme})
			size += len(lexeme) + 8
		}
		e := &entries[k]
		n := len(e.Positions)
		if pos == 0 || n >= pgMaxPositions || (n > 0 && int(e.Positions[n-1].Position) == pos && pos == pgMaxPos) || size+2 > pgMaxVector {
			return
		}
		e.Positions = append(e.Positions, pgtype.TSVectorPosition{Position: uint16(pos), Weight: weight})
		size += 2
	}
	pos := 1
	for _, c := range pgWeighted {
		text, _ := cols[c.col].(string)
		for _, sp := range SplitWords(text) {
			if w := FoldWord(text[sp.Start:sp.End]); w != "" && len(w) <= pgMaxLexeme {
				add(w, min(pos, pgMaxPos), c.weight)
			}
			pos++
		}
		pos++
	}
	for _, f := range strings.Fields(facets) {
		add("#"+f, 0, pgtype.TSVectorWeightD)
	}
	add("#r"+strconv.FormatInt(rowid>>pgBucketShift, 10), 0, pgtype.TSVectorWeightD)
	doc = pgtype.TSVector{Lexemes: entries, Valid: true}
	head = pgtype.TSVector{Valid: true}
	for _, e := range entries {
		// The answers are numbered last: a word's D positions follow the others.
		n := len(e.Positions)
		for n > 0 && e.Positions[n-1].Weight == pgtype.TSVectorWeightD {
			n--
		}
		if n > 0 {
			head.Lexemes = append(head.Lexemes, pgtype.TSVectorLexeme{Word: e.Word, Positions: e.Positions[:n:n]})
		}
	}
	return doc, head
}

// pgLexeme quotes a lexeme for a tsvector or tsquery literal.
func pgLexeme(w string) string {
	if !strings.ContainsAny(w, `'\`) {
		return "'" + w + "'"
	}
	var b strings.Builder
	b.Grow(len(w) + 4)
	b.WriteByte('\'')
	for i := 0; i < len(w); i++ {
		if w[i] == '\'' || w[i] == '\\' {
			b.WriteByte(w[i])
		}
		b.WriteByte(w[i])
	}
	b.WriteByte('\'')
	return b.String()
}

// pgQuery is a match expression as tsqueries: match finds the documents;
// rank is what ts_rank weighs them by, the words without the filters and
// exclusions.
type pgQuery struct{ match, rank string }

// pgNothing is a lexeme no document has: a phrase without words finds
// nothing, as in FTS5.
const pgNothing = "'#nothing'"

// compilePgQuery compiles a match expression (the FTS5 syntax the planner
// writes, see Backend) to tsqueries. Anything else is an error: the
// planner quotes every word a person types, so an error is a bug here, not
// a query someone typed.
func compilePgQuery(match string) (pgQuery, error) {
	p := &ftsParser{src: match}
	n, err := p.parseOr()
	if err == nil && p.peek() != "" {
		err = fmt.Errorf("unexpected %q", p.peek())
	}
	if err != nil {
		return pgQuery{}, fmt.Errorf("match expression %q: %w", match, err)
	}
	q := pgQuery{match: n.tsquery(false)}
	if q.rank = n.tsquery(true); q.rank == "" {
		q.rank = q.match
	}
	return q, nil
}

// ftsNode is a parsed match expression.
type ftsNode struct {
	op     string // "and", "or", "not" (kids[0] without kids[1]), "phrase", "facet"
	kids   []*ftsNode
	words  []string // a phrase's folded words
	prefix bool     // the phrase's last word is a prefix
	facet  string
}

// tsquery writes the node as a tsquery; words only leaves out facets and
// what NOT excludes ("" when nothing is left).
func (n *ftsNode) tsquery(wordsOnly bool) string {
	switch n.op {
	case "facet":
		if wordsOnly {
			return ""
		}
		return pgLexeme("#" + n.facet)
	case "phrase":
		if len(n.words) == 0 {
			return pgNothing
		}
		parts := make([]string, len(n.words))
		for i, w := range n.words {
			parts[i] = pgLexeme(w)
		}
		if n.prefix {
			parts[len(parts)-1] += ":*"
		}
		if len(parts) == 1 {
			return parts[0]
		}
		return "(" + strings.Join(parts, " <-> ") + ")"
	case "not":
		a := n.kids[0].tsquery(wordsOnly)
		if wordsOnly {
			return a
		}
		return "(" + a + " & !" + n.kids[1].tsquery(false) + ")"
	}
	op := " & "
	if n.op == "or" {
		op = " | "
	}
	var parts []string
	for _, k := range n.kids {
		if s := k.tsquery(wordsOnly); s != "" {
			parts = append(parts, s)
		}
	}
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return "(" + strings.Join(parts, op) + ")"
}

// ftsParser reads the FTS5 syntax the planner writes. FTS5's precedence:
// NOT binds tightest, then AND (also when implied by juxtaposition), then OR.
type ftsParser struct {
	src string
	pos int
}

// peek returns the next token without taking it: "(", ")", ":", "*", a
// quoted string with its quotes, a bare word, or "" at the end.
func (p *ftsParser) peek() string {
	s := strings.TrimLeft(p.src[p.pos:], " \t\n")
	if s == "" {
		return ""
	}
	switch s[0] {
	case '(', ')', ':', '*':
		return s[:1]
	case '"':
		for i := 1; i < len(s); i++ {
			if s[i] == '"' {
				if i+1 < len(s) && s[i+1] == '"' {
					i++
					continue
				}
				return s[:i+1]
			}
		}
		return s // unterminated: the caller refuses it
	}
	end := strings.IndexAny(s, " \t\n()\":*")
	if end < 0 {
		end = len(s)
	}
	return s[:end]
}

func (p *ftsParser) next() string {
	t := p.peek()
	p.pos = len(p.src) - len(strings.TrimLeft(p.src[p.pos:], " \t\n")) + len(t)
	return t
}

func (p *ftsParser) parseOr() (*ftsNode, error) {
	return p.parseBinary("OR", "or", p.parseAnd)
}

func (p *ftsParser) parseAnd() (*ftsNode, error) {
	n, err := p.parseNot()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		switch {
		case t == "AND":
			p.next()
		case t == "(" || strings.HasPrefix(t, `"`) || t == "facets":
			// Juxtaposition is AND.
		default:
			return n, nil
		}
		m, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		n = &ftsNode{op: "and", kids: []*ftsNode{n, m}}
	}
}

func (p *ftsParser) parseNot() (*ftsNode, error) {
	n, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	for p.peek() == "NOT" {
		p.next()
		m, err := p.parsePrimary()
		if err != nil {
			return nil, err
		}
		n = &ftsNode{op: "not", kids: []*ftsNode{n, m}}
	}
	return n, nil
}

func (p *ftsParser) parseBinary(word, op string, operand func() (*ftsNode, error)) (*ftsNode, error) {
	n, err := operand()
	if err != nil {
		return nil, err
	}
	for p.peek() == word {
		p.next()
		m, err := operand()
		if err != nil {
			return nil, err
		}
		n = &ftsNode{op: op, kids: []*ftsNode{n, m}}
	}
	return n, nil
}

func (p *ftsParser) parsePrimary() (*ftsNode, error) {
	t := p.next()
	switch {
	case t == "(":
		n, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if c := p.next(); c != ")" {
			return nil, fmt.Errorf("expected ), found %q", c)
		}
		return n, nil
	case len(t) >= 2 && t[0] == '"' && t[len(t)-1] == '"':
		text := strings.ReplaceAll(t[1:len(t)-1], `""`, `"`)
		n := &ftsNode{op: "phrase"}
		// Split and folded as the index's words are (pgVector).
		for _, sp := range SplitWords(text) {
			if w := FoldWord(text[sp.Start:sp.End]); w != "" {
				n.words = append(n.words, w)
			}
		}
		if p.peek() == "*" {
			p.next()
			n.prefix = true
		}
		return n, nil
	case t == "facets":
		if c := p.next(); c != ":" {
			return nil, fmt.Errorf("expected : after facets, found %q", c)
		}
		return p.parseFacets()
	}
	return nil, fmt.Errorf("unexpected %q", t)
}

// parseFacets reads a facet token, or facet tokens joined by OR in
// parentheses.
func (p *ftsParser) parseFacets() (*ftsNode, error) {
	facet := func() (*ftsNode, error) {
		t := p.next()
		if t == "" || !isFacetToken(t) {
			return nil, fmt.Errorf("not a facet: %q", t)
		}
		return &ftsNode{op: "facet", facet: t}, nil
	}
	if p.peek() != "(" {
		return facet()
	}
	p.next()
	n, err := p.parseBinary("OR", "or", facet)
	if err != nil {
		return nil, err
	}
	if c := p.next(); c != ")" {
		return nil, fmt.Errorf("expected ), found %q", c)
	}
	return n, nil
}

// isFacetToken reports whether t is made like the facet tokens: lower-case
// letters and digits.
func isFacetToken(t string) bool {
	for _, r := range t {
		if !('a' <= r && r <= 'z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return t != "AND" && t != "OR" && t != "NOT"
}
