package language

import (
	"strings"
	"unicode"
)

// The languages detected, with what lingua-go's rules know of each: the
// scripts it is written in and the letters only it uses (of lingua-go's
// languages). The ISO codes are also go generate's list of models to copy.
var languages = [...]struct {
	code    string
	scripts []script
	unique  string
}{
	{code: "en", scripts: []script{latin}},
	{code: "de", scripts: []script{latin}, unique: "ß"},
	{code: "es", scripts: []script{latin}, unique: "¿¡"},
	{code: "fr", scripts: []script{latin}},
	{code: "pt", scripts: []script{latin}},
	{code: "it", scripts: []script{latin}},
	{code: "nl", scripts: []script{latin}},
	{code: "sv", scripts: []script{latin}},
	{code: "pl", scripts: []script{latin}, unique: "ŁłŃńŚśŹź"},
	{code: "tr", scripts: []script{latin}},
	{code: "ru", scripts: []script{cyrillic}},
	{code: "ar", scripts: []script{arabic}},
	{code: "he", scripts: []script{hebrew}},
	{code: "hi", scripts: []script{devanagari}},
	{code: "ja", scripts: []script{hiragana, katakana, han}},
	{code: "ko", scripts: []script{hangul}},
	{code: "zh", scripts: []script{han}},
	{code: "th", scripts: []script{thai}},
	{code: "id", scripts: []script{latin}},
}

const numLanguages = len(languages)

// Indexes of the languages the rules name.
const (
	unknown  = -1
	german   = 1
	spanish  = 2
	french   = 3
	portug   = 4
	italian  = 5
	dutch    = 6
	swedish  = 7
	polish   = 8
	turkish  = 9
	russian  = 10
	hebrewL  = 12
	japanese = 14
	korean   = 15
	chinese  = 16
	thaiL    = 17
)

// script is one of the writing systems lingua-go's rules tell apart, in
// the order it tries them.
type script int

const (
	arabic script = iota
	armenian
	bengali
	cyrillic
	devanagari
	georgian
	greek
	gujarati
	gurmukhi
	han
	hangul
	hebrew
	hiragana
	katakana
	latin
	tamil
	telugu
	thai
	numScripts
)

var scriptTables = [numScripts]*unicode.RangeTable{
	unicode.Arabic, unicode.Armenian, unicode.Bengali, unicode.Cyrillic, unicode.Devanagari, unicode.Georgian,
	unicode.Greek, unicode.Gujarati, unicode.Gurmukhi, unicode.Han, unicode.Hangul, unicode.Hebrew,
	unicode.Hiragana, unicode.Katakana, unicode.Latin, unicode.Tamil, unicode.Telugu, unicode.Thai,
}

// singleLanguageScript is the language of a letter whose script only one
// of lingua-go's 75 languages uses, when it is one of ours; else unknown.
func singleLanguageScript(r rune) int {
	switch {
	case unicode.Is(unicode.Hebrew, r):
		return hebrewL
	case unicode.Is(unicode.Thai, r):
		return thaiL
	case unicode.Is(unicode.Hangul, r):
		return korean
	case unicode.Is(unicode.Hiragana, r), unicode.Is(unicode.Katakana, r):
		return japanese
	}
	return unknown
}

// languageByRules is lingua-go's detectLanguageWithRules: each word counts
// for the language its letters' scripts or unique letters name, and the
// language of most words wins, unless words of no language are at least
// half.
func languageByRules(words [][]rune) int {
	var total [numLanguages + 1]int // the last for unknown
	const unk = numLanguages
	for _, w := range words {
		var counts [numLanguages]int
		for _, r := range w {
			if r < 0x80 {
				continue // a Latin letter none of ours has alone
			}
			if l := singleLanguageScript(r); l != unknown {
				counts[l]++
				continue
			}
			switch {
			case unicode.Is(unicode.Han, r):
				counts[chinese]++
			case unicode.In(r, unicode.Hiragana, unicode.Katakana): // (caught above already, as in lingua-go)
				counts[japanese]++
			case unicode.In(r, unicode.Latin, unicode.Cyrillic, unicode.Devanagari):
				for l := range languages {
					if languages[l].unique != "" && strings.ContainsRune(languages[l].unique, r) {
						counts[l]++
					}
				}
			}
		}
		top, second, present := -1, -1, 0
		for l, n := range counts {
			if n == 0 {
				continue
			}
			present++
			switch {
			case top < 0 || n > counts[top]:
				top, second = l, top
			case second < 0 || n > counts[second]:
				second = l
			}
		}
		switch {
		case present == 0:
			total[unk]++
		case present == 1:
			total[top]++
		case counts[chinese] > 0 && counts[japanese] > 0:
			total[japanese]++
		case counts[top] > counts[second]:
			total[top]++
		default:
			total[unk]++
		}
	}
	if float64(total[unk]) < float64(len(words))*0.5 {
		total[unk] = 0
	}
	top, second, present := -1, -1, 0
	for l, n := range total {
		if n == 0 {
			continue
		}
		present++
		switch {
		case top < 0 || n > total[top]:
			top, second = l, top
		case second < 0 || n > total[second]:
			second = l
		}
	}
	switch {
	case present == 0:
		return unknown
	case present == 1:
	case present == 2 && total[chinese] > 0 && total[japanese] > 0:
		return japanese
	case total[top] == total[second]:
		return unknown
	}
	if top == unk {
		return unknown
	}
	return top
}

// charsToLanguages is lingua-go's charsToLanguagesMapping, each entry
// reduced to our languages (the others cannot be among the filtered).
var charsToLanguages = []struct {
	chars string
	langs []int
}{
	{"Ãã", []int{portug}},
	{"ĄąĘę", []int{polish}},
	{"Żż", []int{polish}},
	{"Îî", []int{french}},
	{"Ññ", []int{spanish}},
	{"İıĞğ", []int{turkish}},
	{"ÐðÞþ", []int{turkish}},
	{"Ûû", []int{french}},
	{"Şş", []int{turkish}},
	{"Ćć", []int{polish}},
	{"Ìì", []int{italian}},
	{"ЁёЫыЭэ", []int{russian}},
	{"ЩщЪъ", []int{russian}},
	{"Ëë", []int{dutch, french}},
	{"ÈèÙù", []int{french, italian}},
	{"Êê", []int{french, portug}},
	{"Õõ", []int{portug}},
	{"Ôô", []int{french, portug}},
	{"Òò", []int{italian}},
	{"Åå", []int{swedish}},
	{"Ýý", []int{turkish}},
	{"Ää", []int{german, swedish}},
	{"Àà", []int{french, italian, portug}},
	{"Ââ", []int{french, portug, turkish}},
	{"Üü", []int{german, spanish, turkish}},
	{"Çç", []int{french, portug, turkish}},
	{"Öö", []int{german, swedish, turkish}},
	{"Óó", []int{polish, portug, spanish}},
	{"ÁáÍíÚú", []int{portug, spanish}},
	{"Éé", []int{french, italian, portug, spanish}},
}

// wordScript is the first script (in lingua-go's order) every letter of
// the word is in, or -1.
func wordScript(w []rune) script {
	if isASCII(w) {
		return latin // no script before it has ASCII letters
	}
	for s := script(0); s < numScripts; s++ {
		all := true
		for _, r := range w {
			if !unicode.Is(scriptTables[s], r) {
				all = false
				break
			}
		}
		if all {
			return s
		}
	}
	return -1
}

// filterByRules is lingua-go's filterLanguagesByRules, as a set of
// languages (bit l for languages[l]): those written in the script most
// words are in, narrowed to those whose special letters at least half the
// words have.
func filterByRules(words [][]rune) uint32 {
	const all = 1<<numLanguages - 1
	var counts [numScripts]int
	for _, w := range words {
		if s := wordScript(w); s >= 0 {
			counts[s]++
		}
	}
	most, scripts, equal := script(-1), 0, true
	for s, n := range counts {
		if n == 0 {
			continue
		}
		scripts++
		if most >= 0 && n != counts[most] {
			equal = false
		}
		if most < 0 || n > counts[most] {
			most = script(s)
		}
	}
	if scripts == 0 || scripts > 1 && equal {
		return all // no script, or several as often as each other
	}
	var filtered uint32
	for l := range languages {
		for _, s := range languages[l].scripts {
			if s == most {
				filtered |= 1 << l
			}
		}
	}
	var counted [numLanguages]int
	for _, w := range words {
		if isASCII(w) {
			continue // every letter of the table is beyond ASCII
		}
		for _, e := range charsToLanguages {
			for _, c := range e.chars {
				if !containsRune(w, c) {
					continue
				}
				for _, l := range e.langs {
					if filtered&(1<<l) != 0 {
						counted[l]++
					}
				}
			}
		}
	}
	var subset uint32
	for l, n := range counted {
		if n > 0 && float64(n) >= float64(len(words))*0.5 {
			subset |= 1 << l
		}
	}
	if subset != 0 {
		return subset
	}
	return filtered
}

func containsRune(w []rune, c rune) bool {
	for _, r := range w {
		if r == c {
			return true
		}
	}
	return false
}

func isASCII(w []rune) bool {
	for _, r := range w {
		if r >= 0x80 {
			return false
		}
	}
	return true
}
