package search

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"
)

// queryGroup is one word or phrase of a query with every form that counts
// for it: the word as typed, its stems (one per language the forum has),
// its synonyms and their stems. A document matches the group when it has
// any of them.
type queryGroup struct {
	term Term
	// FTS5 strings: core are the word as typed (or the compound written
	// together) and its rarer stems and synonyms, which bm25 ranks; syn are
	// the common ones and forms of several words, found without ranking
	// (bm25 reads every document of each form it ranks, so a stem like
	// "even" for "evening" costs much: see rankRareForms).
	core, syn []string
	// Each form counts for its share: 1 for the word as typed, less for a
	// synonym (synonymShare).
	words  map[string]float64 // folded one-word forms found as words
	stems  map[string]float64 // stems, found as the stems of words
	seqs   []formSeq          // forms of several words
	prefix string             // word*: the folded start
	weight float64            // its idf: rarer words count for more of the query
}

// searchPlan is a parsed query.
type searchPlan struct {
	groups   []queryGroup // what to look for
	negs     []Term       // what must not be there
	ignored  []string     // common words left out
	stemmers []*Stemmer   // the forum's languages, English first
}

// planQuery turns what a person typed into groups. Common words are left
// out when anything else is left; -words stay exclusions.
func (x *Searcher) planQuery(ctx context.Context, text string) (*searchPlan, error) {
	terms := ParseQuery(text)
	p := &searchPlan{}
	var pos []Term
	for _, t := range terms {
		if t.Negate {
			p.negs = append(p.negs, t)
		} else {
			pos = append(pos, t)
		}
	}
	if len(pos) == 0 {
		return p, nil
	}
	for i := range pos {
		if pos[i].Quoted || pos[i].Prefix {
			continue
		}
		key := FoldWord(pos[i].Text)
		for j := i + 1; j < len(pos) && j <= i+2 && !pos[j].Quoted && !pos[j].Prefix; j++ {
			key += " " + FoldWord(pos[j].Text)
			pos[i].SeqKeys = append(pos[i].SeqKeys, key)
		}
	}
	var content []Term
	for _, t := range pos {
		if !t.Quoted && !t.Prefix && IsStopWord(FoldWord(t.Text)) {
			p.ignored = append(p.ignored, t.Text)
			continue
		}
		content = append(content, t)
	}
	if len(content) == 0 {
		content, p.ignored = pos, nil
	}
	syn, err := x.searchSynonyms(ctx)
	if err != nil {
		return nil, err
	}
	langs, err := x.searchLangs(ctx)
	if err != nil {
		return nil, err
	}
	stemmers := make([]*Stemmer, len(langs))
	for i, l := range langs {
		stemmers[i] = NewStemmer(l)
	}
	p.stemmers = stemmers
	for _, t := range content {
		// A term of marks alone folds to nothing: nothing to look for.
		if g := newQueryGroup(t, syn, stemmers); len(g.core) > 0 {
			p.groups = append(p.groups, g)
		}
	}
	if len(p.groups) == 0 {
		return p, nil
	}
	if err := x.rankRareForms(ctx, p); err != nil {
		return nil, err
	}
	return p, x.weighGroups(ctx, p)
}

// rankRareForms moves a group's other forms of one word (stems, synonyms)
// into the forms bm25 ranks when they are found in at most MaxHits
// questions: ranking costs a read of every question a form is in, cheap
// for those. Common ones are found without ranking (see search).
func (x *Searcher) rankRareForms(ctx context.Context, p *searchPlan) error {
	for i := range p.groups {
		g := &p.groups[i]
		var syn []string
		for _, f := range g.syn {
			if strings.Contains(f, " ") {
				// A phrase of common words is found by reading every
				// question with all its words: left to the final ranking,
				// which still counts it in the questions found otherwise.
				rare, err := x.hasRareWord(ctx, f)
				if err != nil {
					return err
				}
				if rare {
					syn = append(syn, f)
				}
				continue
			}
			n, err := x.formCount(ctx, f)
			if err != nil {
				return err
			}
			if n <= MaxHits {
				g.core = append(g.core, f)
			} else {
				syn = append(syn, f)
			}
		}
		g.syn = syn
	}
	return nil
}

// hasRareWord reports whether a phrase (an FTS5 string) has a word found
// in at most MaxHits questions.
func (x *Searcher) hasRareWord(ctx context.Context, phrase string) (bool, error) {
	words := strings.Fields(strings.ReplaceAll(strings.Trim(phrase, `"`), `""`, `"`))
	for _, w := range words {
		n, err := x.formCount(ctx, FTSString(w))
		if err != nil || n <= MaxHits {
			return err == nil, err
		}
	}
	return false, nil
}

// weighGroups sets each group's weight to its inverse document frequency,
// as bm25 computes it, from counts that stop at MaxHits+1 (past that
// a word is common, and how common matters little).
func (x *Searcher) weighGroups(ctx context.Context, p *searchPlan) error {
	if len(p.groups) < 2 {
		for i := range p.groups {
			p.groups[i].weight = 1
		}
		return nil
	}
	var docs float64
	if err := x.db.Reader(ctx).QueryRowContext(ctx, `SELECT COALESCE(MAX(rowid), 0) FROM search_index`).Scan(&docs); err != nil {
		return fmt.Errorf("count documents: %w", err)
	}
	for i := range p.groups {
		n, err := x.formCount(ctx, p.groups[i].expr())
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

func newQueryGroup(t Term, syn *SynonymSet, stemmers []*Stemmer) queryGroup {
	g := queryGroup{term: t, words: map[string]float64{}, stems: map[string]float64{}}
	share := 1.0
	seen := map[string]bool{}
	phrase := func(form string, core bool) {
		if seen[form] {
			return
		}
		seen[form] = true
		if core {
			g.core = append(g.core, FTSString(form))
		} else {
			g.syn = append(g.syn, FTSString(form))
		}
	}
	// addForm adds a form (as written: "Wi-Fi", "dropping", "money back")
	// and, for one word, its stems.
	addForm := func(raw string) {
		lower := strings.ToLower(raw)
		word := CleanTerm(lower) // as the index splits it, accents kept
		form := FoldWord(word)
		if form == "" {
			return
		}
		if strings.Contains(form, " ") {
			g.seqs = append(g.seqs, formSeq{strings.Fields(form), share})
			// A compound is in the joined column as one word, cheaper to
			// look for than a phrase.
			if joined, ok := compoundJoin(lower); ok {
				g.words[joined] = max(g.words[joined], share)
				phrase(joined, share == 1)
				phrase(form, false)
				return
			}
			phrase(form, share == 1)
			return
		}
		phrase(form, share == 1)
		g.words[form] = max(g.words[form], share)
		// Stemmed as the index stems: the word before accents are folded.
		for _, st := range stemmers {
			if stem := FoldWord(st.Stem(word)); stem != form {
				phrase(stem, false)
				g.stems[stem] = max(g.stems[stem], share)
			}
		}
	}
	key := FoldWord(t.Text)
	switch {
	case strings.TrimSpace(key) == "":
		return g
	case t.Prefix:
		g.core = []string{FTSString(key) + "*"}
		g.prefix = key
		return g
	case t.Quoted:
		// Phrases stay exact.
		g.core = []string{FTSString(key)}
		if strings.Contains(key, " ") {
			g.seqs = append(g.seqs, formSeq{strings.Fields(key), 1})
		} else {
			g.words[key] = 1
		}
		return g
	}
	addForm(t.Raw)
	// "100mbps", "5ghz": also as the index has them when written apart.
	if split := splitDigits(key); split != key {
		share = synonymShare
		addForm(split)
	}
	if !HasCJK(key) {
		stem := key
		if len(stemmers) > 0 && !strings.Contains(key, " ") {
			stem = FoldWord(stemmers[0].Stem(strings.ToLower(t.Text)))
		}
		share = synonymShare
		for _, e := range syn.SynonymsOf(key, append([]string{stem}, t.SeqKeys...)...) {
			addForm(e)
		}
	}
	return g
}

// compoundJoin writes a compound ("wi-fi", "e-mail", "hub-3") as the index's
// joined column has it, when raw is one: words with a single hyphen, dot
// or apostrophe between each, and nothing else.
func compoundJoin(raw string) (string, bool) {
	raw = strings.TrimFunc(raw, func(r rune) bool { return !isWordRune(r) })
	var b strings.Builder
	joins, prevJoiner := 0, false
	for _, r := range raw {
		switch {
		case isWordRune(r):
			b.WriteRune(r)
			prevJoiner = false
		case (r == '-' || r == '.' || r == '\'' || r == '’') && !prevJoiner:
			joins++
			prevJoiner = true
		default:
			return "", false
		}
	}
	if joins == 0 {
		return "", false
	}
	return FoldWord(b.String()), true
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// exprOf joins FTS5 strings with OR.
func exprOf(forms []string) string {
	if len(forms) == 1 {
		return forms[0]
	}
	return "(" + strings.Join(forms, " OR ") + ")"
}

// expr is the group with all its forms as an FTS5 expression.
func (g queryGroup) expr() string { return exprOf(append(slices.Clip(g.core), g.syn...)) }

// matchAny is the plan's FTS5 expression for any group with all its forms;
// matchCore is any group's core forms, which bm25 ranks. Both leave out
// the excluded words.
func (p *searchPlan) matchAny() string { return p.join(" OR ", queryGroup.expr) }
func (p *searchPlan) matchCore() string {
	return p.join(" OR ", func(g queryGroup) string { return exprOf(g.core) })
}

// matchSyn is any group's forms beyond its core (common stems and
// synonyms, phrases). A column filter (titles only) would cost a read of
// every question with a common form until enough titles have one.
func (p *searchPlan) matchSyn() string {
	var forms []string
	for _, g := range p.groups {
		forms = append(forms, g.syn...)
	}
	return p.without("(" + exprOf(forms) + ")")
}

// matchAllWords is every group, by its forms of one word (phrases, slower
// to find, left out).
func (p *searchPlan) matchAllWords() string {
	return p.join(" AND ", func(g queryGroup) string {
		forms := slices.Clip(g.core)
		for _, f := range g.syn {
			if !strings.Contains(f, " ") {
				forms = append(forms, f)
			}
		}
		return exprOf(forms)
	})
}

// hasSyn reports whether any group has forms beyond its core.
func (p *searchPlan) hasSyn() bool {
	for _, g := range p.groups {
		if len(g.syn) > 0 {
			return true
		}
	}
	return false
}

func (p *searchPlan) join(op string, expr func(queryGroup) string) string {
	parts := make([]string, len(p.groups))
	for i, g := range p.groups {
		parts[i] = expr(g)
	}
	return p.without("(" + strings.Join(parts, op) + ")")
}

// without adds the excluded words to an expression.
func (p *searchPlan) without(expr string) string {
	for _, n := range p.negs {
		q := FTSString(n.Text)
		if n.Prefix {
			q += "*"
		}
		expr += " NOT " + q
	}
	return expr
}

// searchLangs lists the stemmer languages of the forum's questions,
// English always first: a query is stemmed in each, since its own
// language is not known.
func (x *Searcher) searchLangs(ctx context.Context) ([]string, error) {
	langs, err := x.forum.Langs(ctx)
	if err != nil {
		return nil, fmt.Errorf("search languages: %w", err)
	}
	out := []string{"en"}
	for _, l := range langs {
		if sl := StemLang(l); sl != "" && sl != "en" {
			out = append(out, sl)
		}
	}
	return out, nil
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
