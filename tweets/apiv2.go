package tweets

import (
	"bufio"
	"bytes"
	"encoding/json"
)

// v2Record is one JSON record of an API v2 file: either a response page
// (data + includes + errors; twarc, tweepy, the filtered stream) or, in
// twarc's flattened output, a tweet with its expansions embedded. Decoding
// both into one struct lets a file mix them. matching_rules is not declared:
// its ids are JSON numbers beyond 2^53 and are of no use here.
type v2Record struct {
	Data     json.RawMessage `json:"data"`
	Includes struct {
		Users  list[v2User]  `json:"users"`
		Tweets list[v2Tweet] `json:"tweets"`
	} `json:"includes"`
	Errors list[v2Error] `json:"errors"`
	v2Tweet
}

type v2Tweet struct {
	ID               flexString  `json:"id"`
	Text             string      `json:"text"`
	AuthorID         flexString  `json:"author_id"`
	ConversationID   flexString  `json:"conversation_id"`
	CreatedAt        string      `json:"created_at"`
	Lang             string      `json:"lang"`
	InReplyToUserID  flexString  `json:"in_reply_to_user_id"`
	ReferencedTweets list[v2Ref] `json:"referenced_tweets"`
	Entities         *v2Entities `json:"entities"`
	NoteTweet        *struct {
		Text     string      `json:"text"`
		Entities *v2Entities `json:"entities"`
	} `json:"note_tweet"`
	// twarc's flat shape embeds the expansions.
	Author        *v2User `json:"author"`
	InReplyToUser *v2User `json:"in_reply_to_user"`
}

// v2Ref is a referenced tweet: just type and id in a page, the whole tweet
// in twarc's flat shape.
type v2Ref struct {
	Type string `json:"type"`
	v2Tweet
}

type v2User struct {
	ID       flexString `json:"id"`
	Username string     `json:"username"`
	Name     string     `json:"name"`
}

type v2Entities struct {
	URLs     list[urlEntity] `json:"urls"`
	Mentions list[struct {
		Username string `json:"username"`
	}] `json:"mentions"`
	Hashtags list[struct {
		Tag string `json:"tag"`
	}] `json:"hashtags"`
}

type v2Error struct {
	Title   string `json:"title"`
	Detail  string `json:"detail"`
	Message string `json:"message"`
}

// v2Expansions is what a page's includes (or a flat tweet's embeds) say about
// the tweets in it, keyed by id.
type v2Expansions struct {
	users  map[string]v2User
	tweets map[string]*v2Tweet
}

func (e *v2Expansions) addUser(u *v2User) {
	if u != nil && u.ID != "" {
		e.users[string(u.ID)] = *u
	}
}

func (e *v2Expansions) handle(id flexString) string { return e.users[string(id)].Username }

// readV2 reads API v2 pages and twarc flat tweets, as JSON Lines or as
// pretty-printed documents, and the data arrays academictwitteR saves.
func readV2(br *bufio.Reader, s *sink) error {
	var recs records
	return readJSONRecords(br, s, func(p pos, raw []byte) error {
		var r v2Record
		if err := json.Unmarshal(raw, &r); err != nil {
			s.skip(recs.whole(p), "%s", jsonReason(err))
			return nil
		}
		for _, e := range r.Errors {
			s.res.APIErrors = append(s.res.APIErrors, firstOf(e.Detail, e.Message, e.Title))
		}
		if len(bytes.TrimSpace(r.Data)) == 0 {
			if r.ID == "" && r.Text == "" {
				if len(r.Errors) == 0 {
					s.skip(recs.whole(p), "neither an API v2 page nor a tweet")
				}
				return nil
			}
			return emitV2(s, &r.v2Tweet, flatExpansions(&r.v2Tweet), recs.whole(p))
		}
		x := v2Expansions{users: make(map[string]v2User), tweets: make(map[string]*v2Tweet)}
		for i := range r.Includes.Users {
			x.addUser(&r.Includes.Users[i])
		}
		for i := range r.Includes.Tweets {
			x.tweets[string(r.Includes.Tweets[i].ID)] = &r.Includes.Tweets[i]
		}
		lines := lineFinder{raw: raw, line: p.line}
		return eachData(r.Data, func(raw json.RawMessage) error {
			at := recs.inside(p, &lines, raw)
			var t v2Tweet
			if err := json.Unmarshal(raw, &t); err != nil {
				s.skip(at, "%s", jsonReason(err))
				return nil
			}
			return emitV2(s, &t, &x, at)
		})
	})
}

// eachData calls fn for the page's data: an array in responses, a single
// object in the filtered stream and single-tweet lookups; {} (an empty
// list as R's jsonlite writes it) and null are none.
func eachData(data json.RawMessage, fn func(json.RawMessage) error) error {
	data = bytes.TrimSpace(data)
	switch {
	case bytes.Equal(data, []byte("null")) || isEmptyObject(data):
		return nil
	case data[0] == '[':
		var items []json.RawMessage
		if err := json.Unmarshal(data, &items); err != nil {
			return fn(data) // let the caller report it as a Skip
		}
		for _, it := range items {
			if err := fn(it); err != nil {
				return err
			}
		}
		return nil
	default:
		return fn(data)
	}
}

// flatExpansions gathers what a twarc flat tweet embeds into the same maps a
// page's includes fill.
func flatExpansions(t *v2Tweet) *v2Expansions {
	x := v2Expansions{users: make(map[string]v2User), tweets: make(map[string]*v2Tweet)}
	x.addUser(t.Author)
	x.addUser(t.InReplyToUser)
	for i := range t.ReferencedTweets {
		ref := &t.ReferencedTweets[i].v2Tweet
		x.addUser(ref.Author)
		if ref.Text != "" {
			x.tweets[string(ref.ID)] = ref
		}
	}
	return &x
}

// body returns the full text: note_tweet holds it for posts over 280
// characters, whose text is cut.
func (t *v2Tweet) body() (string, *v2Entities) {
	if n := t.NoteTweet; n != nil && n.Text != "" {
		return n.Text, n.Entities
	}
	return t.Text, t.Entities
}

func (e *v2Entities) present() bool { return e != nil }

func (e *v2Entities) links() []link {
	if e == nil {
		return nil
	}
	out := make([]link, 0, len(e.URLs))
	for _, u := range e.URLs {
		out = append(out, link{URL: u.URL, Expanded: u.ExpandedURL})
	}
	return out
}

func emitV2(s *sink, t *v2Tweet, x *v2Expansions, at pos) error {
	out, err := t.tweet(x)
	if err != nil {
		s.skip(at, "%v", err)
		return nil
	}
	return s.emit(out, at)
}

// tweet converts a v2 tweet; the error is a Skip reason.
func (t *v2Tweet) tweet(x *v2Expansions) (Tweet, error) {
	out := Tweet{
		ID:             string(t.ID),
		ConversationID: string(t.ConversationID),
		AuthorID:       string(t.AuthorID),
		Lang:           t.Lang,
	}
	created, err := parseTime(t.CreatedAt)
	if err != nil {
		return out, err
	}
	out.CreatedAt = created
	author := x.users[string(t.AuthorID)]
	if t.Author != nil {
		author = *t.Author
	}
	out.AuthorID = firstOf(out.AuthorID, string(author.ID))
	out.AuthorHandle, out.AuthorName = author.Username, author.Name
	out.InReplyToUser = x.handle(t.InReplyToUserID)
	if t.InReplyToUser != nil {
		out.InReplyToUser = firstOf(t.InReplyToUser.Username, out.InReplyToUser)
	}

	text, ents := t.body()
	var retweeted *v2Tweet
	for i := range t.ReferencedTweets {
		ref := &t.ReferencedTweets[i]
		switch ref.Type {
		case "replied_to":
			out.InReplyToID = string(ref.ID)
		case "quoted":
			out.Quote = true
		case "retweeted":
			out.Retweet = true
			retweeted = x.tweets[string(ref.ID)]
		}
	}
	var rtHandle string
	if out.Retweet {
		rtHandle = retweetHandle(text)
		if retweeted != nil {
			h := x.handle(retweeted.AuthorID)
			if retweeted.Author != nil {
				h = firstOf(retweeted.Author.Username, h)
			}
			rtHandle = firstOf(h, rtHandle)
			// The retweet's own text is cut; the included original is whole.
			if rtText, rtEnts := retweeted.body(); rtHandle != "" && rtText != "" {
				text, ents = "RT @"+rtHandle+": "+rtText, rtEnts
			}
		}
	}
	finishTweet(&out, text, ents, rtHandle)
	return out, nil
}

func (e *v2Entities) expandedURLs() []string { return expandedURLs(e.URLs) }

func (e *v2Entities) hashtags() []string {
	out := make([]string, 0, len(e.Hashtags))
	for _, h := range e.Hashtags {
		out = append(out, h.Tag)
	}
	return out
}

func (e *v2Entities) mentions() []string {
	out := make([]string, 0, len(e.Mentions))
	for _, m := range e.Mentions {
		out = append(out, m.Username)
	}
	return out
}
