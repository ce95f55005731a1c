package search

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/models/markup"
)

// Facet tokens live in the index's facets column. They are made of letters
// and digits only, so the tokenizer keeps each one whole.
func FacetCategory(id int64) string { return "zc" + strconv.FormatInt(id, 10) }
func FacetTag(id int64) string      { return "zt" + strconv.FormatInt(id, 10) }

// The facets of a question's state: solved (or with a published article),
// open, and with a published article.
const (
	FacetSolved = "zsolved"
	FacetOpen   = "zopen"
	FacetKB     = "zkb"
)

// ThreadRowID is a question's row in the index: the thread's id, so newer
// questions have higher row ids. A solved thread and its article are one
// row.
func ThreadRowID(threadID int64) int64 { return threadID }

func indexText(s string) string { return SegmentCJK(markup.CleanText(s)) }

// Doc is one question as the index holds it.
type Doc struct {
	Title   string // the thread's title, and a curated article's when it differs
	Body    string // the question and the accepted answer
	Answers string // the other answers
	Lang    string // the thread's language, "" when not known yet
}

// Columns are a question's text columns of search_index, in order: title,
// body, answers, joined, tstems, stems. st stems in the thread's language
// (NewStemmer); nil makes one.
func Columns(d Doc, st *Stemmer) []any {
	if st == nil {
		st = NewStemmer(d.Lang)
	}
	title, body, answers := markup.CleanText(d.Title), markup.CleanText(d.Body), markup.CleanText(d.Answers)
	joined := JoinedForms(title, body, answers)
	return []any{indexText(title), indexText(body), indexText(answers), joined,
		st.StemsOf(JoinedForms(title), title), st.StemsOf(joined, body, answers)}
}

// titleWords are the words of a title kept for suggestions: letters only,
// 3 to 30 of them, outside the scripts written without spaces.
func titleWords(title string) []string {
	seen := map[string]bool{}
	var out []string
	for _, sp := range SplitWords(title) {
		w := FoldWord(title[sp.Start:sp.End])
		if n := utf8.RuneCountInString(w); n < 3 || n > 30 || seen[w] || !Stemmable(w) {
			continue
		}
		seen[w] = true
		out = append(out, w)
	}
	return out
}

// AddTitleWords records a title's words for suggestions ("Did you mean"),
// in the transaction of the change that wrote the title.
func AddTitleWords(ctx context.Context, tx db.Querier, title string) error {
	words := titleWords(title)
	if len(words) == 0 {
		return nil
	}
	args := make([]any, len(words))
	for i, w := range words {
		args[i] = w
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO search_words (word) VALUES `+
		strings.TrimSuffix(strings.Repeat("(?),", len(words)), ",")+` ON CONFLICT DO NOTHING`, args...)
	if err != nil {
		return fmt.Errorf("record title words: %w", err)
	}
	return nil
}
