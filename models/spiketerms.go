package models

import (
	"slices"
	"sort"
	"strings"
	"unicode"
)

// maxTerms is how many spiking terms the dashboard lists.
const maxTerms = 10

func spikingTerms(threads []ewThread, mentions []ewMention) []SpikingTerm {
	counts := map[string]*[SpikeWeeks + 1]int{}
	add := func(terms []string, k int) {
		for _, term := range terms {
			c := counts[term]
			if c == nil {
				c = new([SpikeWeeks + 1]int)
				counts[term] = c
			}
			c[k]++
		}
	}
	for _, t := range threads {
		if t.win >= 0 {
			add(t.terms, t.win)
		}
	}
	for _, m := range mentions {
		if m.win >= 0 {
			add(m.terms, m.win)
		}
	}
	var out []SpikingTerm
	for term, c := range counts {
		if c[0] < TermMin {
			continue
		}
		if sp := SpikeScore(c[0], append([]int(nil), c[1:]...), TermMin); sp.Spiking {
			out = append(out, SpikingTerm{Term: term, Spike: sp})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Z != out[j].Z {
			return out[i].Z > out[j].Z
		}
		return out[i].Term < out[j].Term
	})
	if len(out) > maxTerms {
		out = out[:maxTerms]
	}
	for i := range out {
		for _, t := range threads {
			if t.win == 0 && slices.Contains(t.terms, out[i].Term) && len(out[i].Threads) < 5 {
				out[i].Threads = append(out[i].Threads, t.SpikeThread)
			}
		}
		for _, m := range mentions {
			if m.win == 0 && slices.Contains(m.terms, out[i].Term) && len(out[i].Mentions) < 5 {
				out[i].Mentions = append(out[i].Mentions, m.SpikeMention)
			}
		}
	}
	return out
}

// Terms are the distinct words of a title or tweet worth watching: lower
// case, three letters or more, without mentions, links, numbers and common
// words.
func Terms(text string) []string {
	var out []string
	for _, field := range strings.Fields(text) {
		if strings.HasPrefix(field, "@") || strings.Contains(field, "://") {
			continue
		}
		for _, w := range strings.FieldsFunc(strings.ToLower(field), func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127 && unicode.IsLetter(r))
		}) {
			if len([]rune(w)) < 3 || stopWords[w] || strings.Trim(w, "0123456789") == "" || slices.Contains(out, w) {
				continue
			}
			out = append(out, w)
		}
	}
	return out
}

// stopWords are words too common to signal anything, in the languages the
// demo and samples use most.
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`the and for are but not you all any can had her was one our out has him his how its may new now
		own see two way who did get got let put say she too use with this that from have they will your what when where which there their
		them then than been were would could should about after again also because before being between both does doing down during each
		few further here into just more most much only other over same some such very want just like know need help please thanks thank
		hello still why isn don doesn didn can't won cannot today yesterday since even ever every anyone someone something anything
		les des une est pas que qui pour dans sur avec der die das und ist nicht ein eine mit los las por para con una del que`) {
		m[w] = true
	}
	return m
}()
