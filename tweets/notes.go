package tweets

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"unicode"
)

// maxNoteText bounds the note tweets held while an archive is read: 2,500
// posts of X's longest, far more than the archives of people who write them.
const maxNoteText = 64 << 20

// noteIndex holds an archive's note tweets (note-tweet.js): the whole text
// of posts longer than 280 characters, whose tweets.js record is cut. The
// records do not name their tweet, so a note completes the tweet posted in
// the same second whose text it begins with (or the one it names, if a
// later archive adds tweetId).
type noteIndex struct {
	byTweet  map[string]string
	bySecond map[int64][]string
	size     int
}

type noteRecord struct {
	NoteTweet *struct {
		TweetID   flexString `json:"tweetId"`
		CreatedAt string     `json:"createdAt"`
		Core      struct {
			Text string `json:"text"`
			URLs list[struct {
				ShortURL    string `json:"shortUrl"`
				URL         string `json:"url"`
				ExpandedURL string `json:"expandedUrl"`
				Expanded    string `json:"expanded_url"`
			}] `json:"urls"`
		} `json:"core"`
	} `json:"noteTweet"`
}

// readNotesFile reads note-tweet.js beside an archive file; missing is none.
func readNotesFile(path string) (*noteIndex, error) {
	return readBeside(path, "note tweets file", func(r io.Reader) (*noteIndex, error) { return readNotes(r, nil) })
}

// readNotes adds the notes in r to idx (a new index when nil). A damaged
// record or file costs only the notes in it: the tweets keep their cut
// text, as without the file.
func readNotes(r io.Reader, idx *noteIndex) (*noteIndex, error) {
	br := bufio.NewReaderSize(r, headSize)
	head, err := peekHead(br)
	if err != nil {
		return idx, err
	}
	if !strings.HasPrefix(string(head), "window.YTD.note_tweet.") {
		return idx, nil
	}
	if _, ok := skipAssignment(br); !ok {
		return idx, nil
	}
	if idx == nil {
		idx = &noteIndex{byTweet: map[string]string{}, bySecond: map[int64][]string{}}
	}
	err = streamArray(br, 1, func(_ pos, raw json.RawMessage) error {
		var rec noteRecord
		if json.Unmarshal(raw, &rec) != nil || rec.NoteTweet == nil || rec.NoteTweet.Core.Text == "" || idx.size > maxNoteText {
			return nil
		}
		n := rec.NoteTweet
		links := make([]link, 0, len(n.Core.URLs))
		for _, u := range n.Core.URLs {
			links = append(links, link{URL: firstOf(u.ShortURL, u.URL), Expanded: firstOf(u.ExpandedURL, u.Expanded)})
		}
		text := cleanText(n.Core.Text, links)
		idx.size += len(text)
		if n.TweetID != "" {
			idx.byTweet[string(n.TweetID)] = text
		}
		if created, err := parseTime(n.CreatedAt); err == nil && !created.IsZero() {
			idx.bySecond[created.Unix()] = append(idx.bySecond[created.Unix()], text)
		}
		return nil
	})
	var bad *badJSON
	if errors.As(err, &bad) {
		return idx, nil
	}
	return idx, err
}

// complete gives t the whole text of its note tweet, when the archive has
// one: its links, hashtags and mentions are added to the tweet's.
func (idx *noteIndex) complete(t *Tweet) {
	if idx == nil {
		return
	}
	full, ok := idx.byTweet[t.ID]
	if !ok {
		cut, wasCut := shortened(t.Text)
		if cut = squash(cut); !wasCut || cut == "" {
			return
		}
		for _, note := range idx.bySecond[t.CreatedAt.Unix()] {
			if n := squash(note); len(n) > len(cut) && strings.HasPrefix(n, cut) {
				full, ok = note, true
				break
			}
		}
	}
	if !ok || len(full) <= len(t.Text) {
		return
	}
	t.Text = full
	t.URLs = dedupe(append(t.URLs, urlsIn(full)...))
	t.Hashtags = dedupe(append(t.Hashtags, hashtagsIn(full)...))
	t.Mentions = dedupe(append(t.Mentions, mentionsIn(full)...))
}

// shortened is a text without what X adds when it cuts one: an ellipsis,
// and maybe a link to the whole post. A text without the ellipsis was not
// cut (cut is false), whatever a note says.
func shortened(text string) (rest string, cut bool) {
	text = strings.TrimSpace(text)
	if locs := urlRe.FindAllStringIndex(text, -1); len(locs) > 0 && locs[len(locs)-1][1] == len(text) {
		text = strings.TrimSpace(text[:locs[len(locs)-1][0]])
	}
	if rest, cut = strings.CutSuffix(text, "…"); !cut {
		rest, cut = strings.CutSuffix(text, "...")
	}
	return strings.TrimSpace(rest), cut
}

// squash collapses each run of white space into one space, since a cut
// text and its note may break lines differently.
func squash(s string) string {
	return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
}
