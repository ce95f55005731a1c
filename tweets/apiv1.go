package tweets

import (
	"bufio"
	"encoding/json"
)

// v1Status is the API v1.1 status, which archives (tweets.js, Grailbird)
// reuse with numbers turned into strings; flexString/flexBool absorb that.
// Only the fields the importer uses are declared: an odd value elsewhere must
// not cost the record.
type v1Status struct {
	ID                   flexString  `json:"id"`
	IDStr                flexString  `json:"id_str"`
	Text                 string      `json:"text"`
	FullText             string      `json:"full_text"`
	ExtendedTweet        *v1Extended `json:"extended_tweet"`
	Entities             *v1Entities `json:"entities"`
	CreatedAt            string      `json:"created_at"`
	User                 *v1User     `json:"user"`
	RetweetedStatus      *v1Status   `json:"retweeted_status"`
	QuotedStatus         *v1Status   `json:"quoted_status"`
	IsQuoteStatus        flexBool    `json:"is_quote_status"`
	QuotedStatusIDStr    flexString  `json:"quoted_status_id_str"`
	InReplyToStatusIDStr flexString  `json:"in_reply_to_status_id_str"`
	InReplyToStatusID    flexString  `json:"in_reply_to_status_id"`
	InReplyToScreenName  string      `json:"in_reply_to_screen_name"`
	Lang                 string      `json:"lang"`
	// A search response, not a status: standard search has statuses,
	// premium and enterprise search (30-day, full-archive) results.
	Statuses *list[flexValue] `json:"statuses"`
	Results  *list[flexValue] `json:"results"`
}

type v1Extended struct {
	FullText string      `json:"full_text"`
	Entities *v1Entities `json:"entities"`
}

type v1User struct {
	ID         flexString `json:"id"`
	IDStr      flexString `json:"id_str"`
	ScreenName string     `json:"screen_name"`
	Name       string     `json:"name"`
}

// v1Entities keeps plain slices: archives and v1.1 responses always write
// lists as arrays, and list's tolerance costs a sixth of reading them.
type v1Entities struct {
	URLs     []urlEntity `json:"urls"`
	Media    []urlEntity `json:"media"`
	Hashtags []struct {
		Text string `json:"text"`
	} `json:"hashtags"`
	UserMentions []struct {
		ScreenName string `json:"screen_name"`
	} `json:"user_mentions"`
}

// flexValue keeps one element of a nested array raw, so that one bad status
// in a search response is one Skip rather than a lost response.
type flexValue struct{ raw json.RawMessage }

func (v *flexValue) UnmarshalJSON(b []byte) error {
	v.raw = append(v.raw[:0], b...)
	return nil
}

func (e *v1Entities) present() bool { return e != nil }

// links lists both URL and media entities: media t.co links are replaced by
// the page that shows the picture, which says more than a dead short link.
func (e *v1Entities) links() []link {
	if e == nil {
		return nil
	}
	out := make([]link, 0, len(e.URLs)+len(e.Media))
	for _, u := range e.URLs {
		out = append(out, link{URL: u.URL, Expanded: u.ExpandedURL})
	}
	for _, u := range e.Media {
		out = append(out, link{URL: u.URL, Expanded: u.ExpandedURL})
	}
	return out
}

// body returns the fullest text the status carries and the entities that
// go with that text (extended_tweet has its own, with other indices).
// extended_tweet is taken whenever present rather than only when truncated
// is set: it never holds less than text.
func (s *v1Status) body() (string, *v1Entities) {
	if x := s.ExtendedTweet; x != nil && x.FullText != "" {
		if x.Entities != nil {
			return x.FullText, x.Entities
		}
		return x.FullText, s.Entities
	}
	if s.FullText != "" {
		return s.FullText, s.Entities
	}
	return s.Text, s.Entities
}

// tweet converts a status; the error is a Skip reason.
func (s *v1Status) tweet() (Tweet, error) {
	t := Tweet{
		ID:            firstOf(string(s.IDStr), string(s.ID)),
		InReplyToID:   firstOf(string(s.InReplyToStatusIDStr), string(s.InReplyToStatusID)),
		InReplyToUser: s.InReplyToScreenName,
		Lang:          s.Lang,
		Quote:         s.QuotedStatus != nil || bool(s.IsQuoteStatus) || s.QuotedStatusIDStr != "",
	}
	created, err := parseTime(s.CreatedAt)
	if err != nil {
		return t, err
	}
	t.CreatedAt = created
	if u := s.User; u != nil {
		t.AuthorID = firstOf(string(u.IDStr), string(u.ID))
		t.AuthorHandle = u.ScreenName
		t.AuthorName = u.Name
	}
	text, ents := s.body()
	var rtHandle string
	if rs := s.RetweetedStatus; rs != nil {
		t.Retweet = true
		if rs.User != nil {
			rtHandle = rs.User.ScreenName
		}
		rtHandle = firstOf(rtHandle, retweetHandle(text))
		// The retweet's own text is cut at 140 characters; the original
		// inside it is whole.
		if rsText, rsEnts := rs.body(); rtHandle != "" && rsText != "" {
			text, ents = "RT @"+rtHandle+": "+rsText, rsEnts
		}
	}
	finishTweet(&t, text, ents, rtHandle)
	return t, nil
}

// readV1 reads v1.1 statuses in any of their shapes: an array, JSON Lines, a
// single status or a search response (standard, premium or enterprise).
func readV1(br *bufio.Reader, s *sink) error {
	var recs records
	return readJSONRecords(br, s, func(p pos, raw []byte) error {
		var st v1Status
		if err := json.Unmarshal(raw, &st); err != nil {
			s.skip(recs.whole(p), "%s", jsonReason(err))
			return nil
		}
		statuses := st.Statuses
		if statuses == nil {
			statuses = st.Results
		}
		if statuses == nil {
			return emitV1(s, &st, recs.whole(p))
		}
		lines := lineFinder{raw: raw, line: p.line}
		for _, v := range *statuses {
			at := recs.inside(p, &lines, v.raw)
			var inner v1Status
			if err := json.Unmarshal(v.raw, &inner); err != nil {
				s.skip(at, "%s", jsonReason(err))
				continue
			}
			if err := emitV1(s, &inner, at); err != nil {
				return err
			}
		}
		return nil
	})
}

func emitV1(s *sink, st *v1Status, at pos) error {
	if st.IDStr == "" && st.ID == "" && st.Text == "" && st.FullText == "" {
		// Streams interleave delete and limit notices with statuses.
		s.skip(at, "not a status (a stream notice or another object)")
		return nil
	}
	t, err := st.tweet()
	if err != nil {
		s.skip(at, "%v", err)
		return nil
	}
	return s.emit(t, at)
}

func (e *v1Entities) expandedURLs() []string { return expandedURLs(e.URLs) }

func (e *v1Entities) hashtags() []string {
	out := make([]string, 0, len(e.Hashtags))
	for _, h := range e.Hashtags {
		out = append(out, h.Text)
	}
	return out
}

func (e *v1Entities) mentions() []string {
	out := make([]string, 0, len(e.UserMentions))
	for _, m := range e.UserMentions {
		out = append(out, m.ScreenName)
	}
	return out
}
