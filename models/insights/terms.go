package insights

import (
	"slices"
	"strings"
	"unicode"
)

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
