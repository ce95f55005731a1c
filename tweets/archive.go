package tweets

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
)

// statusLinkRe matches a link to a tweet: archives record a quote tweet only
// as such a link, with no quoted_status.
var statusLinkRe = regexp.MustCompile(`^https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/\w+/status(?:es)?/\d+/?(?:\?\S*)?$`)

// readArchive reads an X archive data file (window.YTD.tweets.part0 = […]).
// The tweets carry no user object: author, when known, is the account from
// account.js. notes, when the archive has note-tweet.js, complete the text
// of long posts. A note-tweet.js read on its own gives no tweet: its
// records complete tweets.js's, they add none.
func readArchive(br *bufio.Reader, s *sink, author *Account, notes *noteIndex) error {
	lines, ok := skipAssignment(br)
	if !ok {
		s.skip(pos{line: 1}, "no \"=\" after the window.YTD name")
		return nil
	}
	return recordSkip(s, streamArray(br, 1+lines, func(p pos, raw json.RawMessage) error {
		var rec struct {
			Tweet     *v1Status       `json:"tweet"`
			NoteTweet json.RawMessage `json:"noteTweet"`
		}
		if err := json.Unmarshal(raw, &rec); err != nil {
			s.skip(p, "%s", jsonReason(err))
			return nil
		}
		if rec.Tweet == nil {
			if len(rec.NoteTweet) == 0 {
				s.skip(p, "archive record has no \"tweet\" object")
			}
			return nil
		}
		t, err := rec.Tweet.tweet()
		if err != nil {
			s.skip(p, "%v", err)
			return nil
		}
		if rec.Tweet.User == nil && author != nil {
			t.AuthorID, t.AuthorHandle, t.AuthorName = author.ID, author.Handle, author.Name
		}
		if !t.Quote && rec.Tweet.Entities != nil {
			for _, u := range rec.Tweet.Entities.URLs {
				if statusLinkRe.MatchString(u.ExpandedURL) {
					t.Quote = true
					break
				}
			}
		}
		notes.complete(&t)
		return s.emit(t, p)
	}))
}

// readGrailbird reads a pre-2018 archive month file
// (Grailbird.data.tweets_YYYY_MM = […]) of v1.1-style statuses; author,
// from user_details.js, is for statuses without a user object.
func readGrailbird(br *bufio.Reader, s *sink, author *Account) error {
	lines, ok := skipAssignment(br)
	if !ok {
		s.skip(pos{line: 1}, "no \"=\" after the Grailbird variable name")
		return nil
	}
	return recordSkip(s, streamArray(br, 1+lines, func(p pos, raw json.RawMessage) error {
		var st v1Status
		if err := json.Unmarshal(raw, &st); err != nil {
			s.skip(p, "%s", jsonReason(err))
			return nil
		}
		if st.User == nil && author != nil {
			st.User = &v1User{IDStr: flexString(author.ID), ScreenName: author.Handle, Name: author.Name}
		}
		return emitV1(s, &st, p)
	}))
}

// skipAssignment consumes the JavaScript "name =" before an archive's JSON
// and says how many lines that was. The name is short; giving up after 512
// bytes keeps a file that only looked like an archive from being scanned
// to its end.
func skipAssignment(br *bufio.Reader) (lines int, ok bool) {
	for i := 0; i < 512; i++ {
		b, err := br.ReadByte()
		if err != nil {
			return lines, false
		}
		switch b {
		case '=':
			return lines, true
		case '\n':
			lines++
		}
	}
	return lines, false
}

// readAccountFile reads an archive's account.js; a missing file is no
// account, not an error, since people upload tweets.js alone.
func readAccountFile(path string) (*Account, error) {
	return readBeside(path, "account file", readAccount)
}

// readBeside reads an optional file found beside an input; a missing file
// is nil, not an error.
func readBeside[T any](path, what string, read func(io.Reader) (*T, error)) (*T, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", what, err)
	}
	defer f.Close()
	v, err := read(f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return v, nil
}

// readAccount parses window.YTD.account.part0 = [ {"account": {…}} ].
func readAccount(r io.Reader) (*Account, error) {
	br := bufio.NewReader(io.LimitReader(r, 1<<20))
	if _, ok := skipAssignment(br); !ok {
		return nil, errors.New("not an archive account file: no \"=\"")
	}
	var recs []struct {
		Account *struct {
			Username           string     `json:"username"`
			AccountID          flexString `json:"accountId"`
			AccountDisplayName string     `json:"accountDisplayName"`
		} `json:"account"`
	}
	if err := json.NewDecoder(br).Decode(&recs); err != nil {
		return nil, fmt.Errorf("decode account: %w", err)
	}
	for _, r := range recs {
		if a := r.Account; a != nil {
			return &Account{ID: string(a.AccountID), Handle: a.Username, Name: a.AccountDisplayName}, nil
		}
	}
	return nil, nil
}

// readUserDetailsFile reads a Grailbird archive's data/js/user_details.js
// (var user_details = {…}); missing is no account.
func readUserDetailsFile(path string) (*Account, error) {
	return readBeside(path, "user details file", readUserDetails)
}

// readUserDetails parses var user_details = {…}.
func readUserDetails(r io.Reader) (*Account, error) {
	br := bufio.NewReader(io.LimitReader(r, 1<<20))
	if _, ok := skipAssignment(br); !ok {
		return nil, errors.New("not a user details file: no \"=\"")
	}
	var u struct {
		ScreenName string     `json:"screen_name"`
		FullName   string     `json:"full_name"`
		ID         flexString `json:"id"`
	}
	if err := json.NewDecoder(br).Decode(&u); err != nil {
		return nil, fmt.Errorf("decode user details: %w", err)
	}
	if u.ScreenName == "" {
		return nil, nil
	}
	return &Account{ID: string(u.ID), Handle: u.ScreenName, Name: u.FullName}, nil
}
