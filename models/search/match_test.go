package search

import "testing"

func TestFoldedWordsSplitAsTheIndexDoes(t *testing.T) {
	for _, text := range []string{"", "Hub 3 drops Wi-Fi, every evening!", "Über-schnelles Internet", "ルーターが再起動",
		"e-mail's  café\u0301 résumé", "a\x00b", "ÀÉÎ õ 100Mbps", "trailing word"} {
		spans, words := foldedWords(text)
		want := SplitWords(text)
		if len(spans) != len(want) {
			t.Fatalf("%q: %v, want %v", text, spans, want)
		}
		for i, sp := range want {
			if spans[i] != sp || words[i] != FoldWord(text[sp.Start:sp.End]) {
				t.Errorf("%q word %d: %v %q", text, i, spans[i], words[i])
			}
		}
	}
}
