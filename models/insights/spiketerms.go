package insights

import (
	"slices"
	"sort"
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
