package search

import (
	"strings"
	"testing"
)

// The PostgreSQL back-end's compiler turns each match expression the
// planner writes into a tsquery: words quoted, phrases as <->, prefixes as
// :*, facets as their own lexemes, FTS5's precedence kept.
func TestCompilePgQuery(t *testing.T) {
	for expr, want := range map[string][2]string{
		`"router"`:                          {`'router'`, `'router'`},
		`("wifi" OR "wi fi")`:               {`('wifi' | ('wi' <-> 'fi'))`, ``},
		`"intern"*`:                         {`'intern':*`, ``},
		`"wi fi"*`:                          {`('wi' <-> 'fi':*)`, ``},
		`"Über"`:                            {`'uber'`, ``},
		`"a""b"`:                            {`('a' <-> 'b')`, ``},
		`"再 起 動"`:                           {`('再' <-> '起' <-> '動')`, ``},
		`""`:                                {pgNothing, ``},
		`(("a" OR "b") AND "c") NOT "d"`:    {`((('a' | 'b') & 'c') & !'d')`, `(('a' | 'b') & 'c')`},
		`"a" AND "b" OR "c" NOT "d"*`:       {`(('a' & 'b') | ('c' & !'d':*))`, `(('a' & 'b') | 'c')`},
		`"a" "b"`:                           {`('a' & 'b')`, ``},
		`((("x")) AND facets : zsolved)`:    {`('x' & '#zsolved')`, `'x'`},
		`(("x") NOT facets : (zc1 OR zc2))`: {`('x' & !('#zc1' | '#zc2'))`, `'x'`},
		`(("x") AND facets : zsolved AND facets : zc3 AND facets : zt12) NOT facets : (zc5)`: {
			`(((('x' & '#zsolved') & '#zc3') & '#zt12') & !'#zc5')`, `'x'`},
	} {
		q, err := compilePgQuery(expr)
		if err != nil {
			t.Errorf("%s: %v", expr, err)
			continue
		}
		rank := want[1]
		if rank == "" {
			rank = want[0]
		}
		if q.match != want[0] || q.rank != rank {
			t.Errorf("%s:\n got %s | %s\nwant %s | %s", expr, q.match, q.rank, want[0], rank)
		}
	}
	// What the planner never writes is refused, not guessed at.
	for _, expr := range []string{``, `router`, `"a" OR`, `("a"`, `"a")`, `"unterminated`, `NEAR("a" "b")`, `title : "a"`,
		`facets : "zc1"`, `facets : ZC1`, `facets zc1`, `"a" NOT`, `*`, `"a" : "b"`} {
		if q, err := compilePgQuery(expr); err == nil {
			t.Errorf("%s: compiled to %+v", expr, q)
		}
	}
}

// A document's tsvector: folded words with their positions and weights,
// columns apart so phrases stay in one, facets as lexemes of their own (in
// the text form pgx writes: weight D is unmarked).
func TestPgVector(t *testing.T) {
	// title, body, answers, joined, tstems, stems
	cols := []any{"Wi-Fi drops", "Drops at night, l'été", "It's O'Brien", "wifi", "drop", "drop nuit"}
	doc, head := pgVector(3000, cols, "zc1 zsolved")
	want := `'wi':1A 'fi':2A 'drops':3A,9C 'drop':5A,15C 'wifi':7B 'at':10C 'night':11C 'l':12C 'ete':13C 'nuit':16C 'it':18 's':19 'o':20 'brien':21 '#zc1' '#zsolved' '#r2'`
	if got := doc.String(); got != want {
		t.Errorf("vector\n got %s\nwant %s", got, want)
	}
	if want := `'wi':1A 'fi':2A 'drops':3A,9C 'drop':5A,15C 'wifi':7B 'at':10C 'night':11C 'l':12C 'ete':13C 'nuit':16C`; head.String() != want {
		t.Errorf("head\n got %s\nwant %s", head.String(), want)
	}
	// Past 16,383 positions the last is kept once; a lexeme keeps 255.
	long := strings.Repeat("word ", 20000) + "tail tail"
	doc, _ = pgVector(1, []any{"", long, "", "", "", ""}, "")
	if got := doc.String(); strings.Count(got, ",") != 254 || !strings.Contains(got, "'tail':16383C '#r0'") {
		t.Errorf("long text: %d commas, %.200s", strings.Count(got, ","), got)
	}
	// Words too long for a lexeme are left out.
	doc, _ = pgVector(1, []any{strings.Repeat("x", 2100) + " ok", "", "", "", "", ""}, "")
	if got := doc.String(); got != `'ok':2A '#r0'` {
		t.Errorf("long word: %.100s", got)
	}
	// Quotes are escaped in a query's lexemes.
	if got := pgLexeme(`it's \ok`); got != `'it''s \\ok'` {
		t.Errorf("escape: %s", got)
	}
}
