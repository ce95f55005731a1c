package models

import (
	"context"
	"fmt"
	"math"
	"strings"
)

// queryGroup is one word or phrase of a query with every form that counts
// for it: the word as typed, its stems (one per language the forum has),
// its synonyms and their stems. A document matches the group when it has
// any of them.
type queryGroup struct {
	term    searchTerm
	phrases []string // FTS5 strings, the term itself first
	// Each form counts for its share: 1 for the word as typed, less for a
	// synonym (synonymShare).
	words  map[string]float64 // folded one-word forms found as words
	stems  map[string]float64 // stems, found in the stems columns or as words
	seqs   []formSeq          // forms of several words
	prefix string             // word*: the folded start
	weight float64            // its idf: rarer words count for more of the query
}

// searchPlan is a parsed query.
type searchPlan struct {
	groups   []queryGroup // what to look for
	negs     []searchTerm // what must not be there
	ignored  []string     // common words left out
	stemmers []*stemmer   // the forum's languages, English first
}

// planQuery turns what a person typed into groups. Common words are left
// out when anything else is left; -words stay exclusions.
func (s *Store) planQuery(ctx context.Context, text string) (*searchPlan, error) {
	terms := parseQuery(text)
	p := &searchPlan{}
	var pos []searchTerm
	for _, t := range terms {
		if t.negate {
			p.negs = append(p.negs, t)
		} else {
			pos = append(pos, t)
		}
	}
	if len(pos) == 0 {
		return p, nil
	}
	var content []searchTerm
	for _, t := range pos {
		if !t.quoted && !t.prefix && isStopWord(foldWord(t.text)) {
			p.ignored = append(p.ignored, t.text)
			continue
		}
		content = append(content, t)
	}
	if len(content) == 0 {
		content, p.ignored = pos, nil
	}
	syn, err := s.searchSynonyms(ctx)
	if err != nil {
		return nil, err
	}
	langs, err := s.searchLangs(ctx)
	if err != nil {
		return nil, err
	}
	stemmers := make([]*stemmer, len(langs))
	for i, l := range langs {
		stemmers[i] = newStemmer(l)
	}
	p.stemmers = stemmers
	for _, t := range content {
		p.groups = append(p.groups, newQueryGroup(t, syn, stemmers))
	}
	return p, s.weighGroups(ctx, p)
}

// weighGroups sets each group's weight to its inverse document frequency,
// as bm25 computes it, from counts that stop at searchMaxHits+1 (past that
// a word is common, and how common matters little).
func (s *Store) weighGroups(ctx context.Context, p *searchPlan) error {
	if len(p.groups) < 2 {
		for i := range p.groups {
			p.groups[i].weight = 1
		}
		return nil
	}
	var docs float64
	if err := s.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(rowid), 0) FROM search_index`).Scan(&docs); err != nil {
		return fmt.Errorf("count documents: %w", err)
	}
	for i := range p.groups {
		n, err := s.countMatches(ctx, p.groups[i].expr(), "", "")
		if err != nil {
			return err
		}
		df := float64(n)
		p.groups[i].weight = max(0.1, math.Log(1+(max(docs, df)-df+0.5)/(df+0.5)))
	}
	return nil
}

// formSeq is a form of several words (a phrase, "wi fi").
type formSeq struct {
	words []string
	share float64
}

// synonymShare is how much a synonym counts against the word typed.
const synonymShare = 0.8

func newQueryGroup(t searchTerm, syn *synonymSet, stemmers []*stemmer) queryGroup {
	g := queryGroup{term: t, words: map[string]float64{}, stems: map[string]float64{}}
	share := 1.0
	seen := map[string]bool{}
	phrase := func(form string) {
		if !seen[form] {
			seen[form] = true
			g.phrases = append(g.phrases, ftsString(form))
		}
	}
	// addForm adds a form and, for one word, its stems.
	addForm := func(form string) {
		lower := strings.ToLower(form)
		form = foldWord(lower)
		phrase(form)
		if strings.Contains(form, " ") {
			g.seqs = append(g.seqs, formSeq{strings.Fields(form), share})
			return
		}
		g.words[form] = max(g.words[form], share)
		// Stemmed as the index stems: the word before accents are folded.
		for _, st := range stemmers {
			if stem := foldWord(st.stem(lower)); stem != form {
				phrase(stem)
				g.stems[stem] = max(g.stems[stem], share)
			}
		}
	}
	key := foldWord(t.text)
	switch {
	case t.prefix:
		g.phrases = []string{ftsString(key) + "*"}
		g.prefix = key
		return g
	case t.quoted:
		// Phrases stay exact.
		phrase(key)
		if strings.Contains(key, " ") {
			g.seqs = append(g.seqs, formSeq{strings.Fields(key), 1})
		} else {
			g.words[key] = 1
		}
		return g
	}
	addForm(t.text)
	// "100mbps", "5ghz": also as the index has them when written apart.
	if split := splitDigits(key); split != key {
		addForm(split)
	}
	if !hasCJK(key) {
		stem := key
		if len(stemmers) > 0 {
			stem = foldWord(stemmers[0].stem(strings.ToLower(t.text)))
		}
		share = synonymShare
		for _, e := range syn.synonymsOf(key, stem) {
			addForm(e)
		}
	}
	return g
}

// expr is the group as an FTS5 expression.
func (g queryGroup) expr() string {
	if len(g.phrases) == 1 {
		return g.phrases[0]
	}
	return "(" + strings.Join(g.phrases, " OR ") + ")"
}

// matchAll and matchAny are the plan's FTS5 expressions: every group, or
// any group; both without the excluded words.
func (p *searchPlan) matchAll() string { return p.join(" AND ") }
func (p *searchPlan) matchAny() string { return p.join(" OR ") }

func (p *searchPlan) join(op string) string {
	parts := make([]string, len(p.groups))
	for i, g := range p.groups {
		parts[i] = g.expr()
	}
	expr := "(" + strings.Join(parts, op) + ")"
	for _, n := range p.negs {
		q := ftsString(n.text)
		if n.prefix {
			q += "*"
		}
		expr += " NOT " + q
	}
	return expr
}

// docWords is a document's words as the index folds them, for telling
// which groups it matches. alt holds, at the first word of a compound
// ("Wi-Fi", "e-mail"), the compound written together, as the joined
// column has it: one place in the text, either spelling.
type docWords struct {
	words map[string]bool
	list  []string
	alt   map[int]string
}

func newDocWords(texts ...string) docWords {
	d := docWords{words: map[string]bool{}}
	for _, t := range texts {
		spans := splitWords(t)
		start := len(d.list)
		for _, sp := range spans {
			w := foldWord(t[sp.start:sp.end])
			d.list = append(d.list, w)
			d.words[w] = true
		}
		// Compounds: words with one joiner between each.
		for i := 0; i < len(spans); {
			j := i
			for j+1 < len(spans) && isJoinedPair(t, spans[j], spans[j+1]) {
				j++
			}
			if j > i {
				if d.alt == nil {
					d.alt = map[int]string{}
				}
				d.alt[start+i] = strings.Join(d.list[start+i:start+j+1], "")
			}
			i = j + 1
		}
	}
	return d
}

// isJoinedPair reports whether two words are separated by exactly one
// hyphen, dot or apostrophe.
func isJoinedPair(t string, a, b wordSpan) bool {
	between := t[a.end:b.start]
	return between == "-" || between == "." || between == "'" || between == "’"
}

// tf is how often the document's words (d) and stems have any form of
// the group, each place in the text once, and the best form's share: the
// word as typed 1, a synonym synonymShare, a stem stemShare of that. A stem
// in the stems columns (deduplicated) counts once.
func (g *queryGroup) tf(d, stems docWords, stemShare float64) (n, best float64) {
	for i, w := range d.list {
		sh := g.words[w]
		sh = max(sh, g.stems[w]*stemShare)
		if alt, ok := d.alt[i]; ok {
			sh = max(sh, g.words[alt], g.stems[alt]*stemShare)
		}
		if g.prefix != "" && strings.HasPrefix(w, g.prefix) {
			sh = 1
		}
		for _, seq := range g.seqs {
			if seq.share > sh && d.seqAt(i, seq.words) {
				sh = seq.share
			}
		}
		if sh > 0 {
			n++
			best = max(best, sh)
		}
	}
	for st, sh := range g.stems {
		if stems.words[st] {
			n++
			best = max(best, sh*stemShare)
		}
	}
	return n, best
}

// seqAt reports whether the words from i on are seq.
func (d docWords) seqAt(i int, seq []string) bool {
	if i+len(seq) > len(d.list) {
		return false
	}
	for j, w := range seq {
		if d.list[i+j] != w {
			return false
		}
	}
	return true
}

// searchLangs lists the stemmer languages of the forum's questions,
// English always first: a query is stemmed in each, since its own
// language is not known. One index seek per language.
func (s *Store) searchLangs(ctx context.Context) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `WITH RECURSIVE l(lang) AS (
			SELECT MIN(lang) FROM threads INDEXED BY threads_lang WHERE lang != ''
			UNION ALL
			SELECT (SELECT MIN(lang) FROM threads INDEXED BY threads_lang WHERE lang != '' AND lang > l.lang) FROM l WHERE l.lang IS NOT NULL
		) SELECT lang FROM l WHERE lang IS NOT NULL LIMIT 50`)
	if err != nil {
		return nil, fmt.Errorf("search languages: %w", err)
	}
	defer rows.Close()
	out := []string{"en"}
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return nil, err
		}
		if sl := stemLang(l); sl != "" && sl != "en" {
			out = append(out, sl)
		}
	}
	return out, rows.Err()
}

// splitDigits puts a space between digits and letters that meet in a word.
func splitDigits(w string) string {
	var b strings.Builder
	prev := 0 // 1 digit, 2 letter
	for _, r := range w {
		kind := 2
		if r >= '0' && r <= '9' {
			kind = 1
		} else if r == ' ' {
			kind = 0
		}
		if prev != 0 && kind != 0 && kind != prev {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
		prev = kind
	}
	return b.String()
}
