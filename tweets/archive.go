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
// account.js.
func readArchive(br *bufio.Reader, s *sink, author *Account) error {
	if !skipAssignment(br) {
		s.skip(1, "no \"=\" after the window.YTD name")
		return nil
	}
	_, err := streamArray(br, 0, func(n int, raw json.RawMessage) error {
		var rec struct {
			Tweet *v1Status `json:"tweet"`
		}
		if err := json.Unmarshal(raw, &rec); err != nil {
			s.skip(n, "%s", jsonReason(err))
			return nil
		}
		if rec.Tweet == nil {
			// note-tweet.js records ({"noteTweet": …}) duplicate a tweet
			// in tweets.js rather than add one.
			s.skip(n, "archive record has no \"tweet\" object")
			return nil
		}
		t, err := rec.Tweet.tweet(n)
		if err != nil {
			s.skip(n, "%v", err)
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
		return s.emit(t)
	})
	return recordSkip(s, err)
}

// readGrailbird reads a pre-2018 archive month file
// (Grailbird.data.tweets_YYYY_MM = […]) of v1.1-style statuses.
func readGrailbird(br *bufio.Reader, s *sink) error {
	if !skipAssignment(br) {
		s.skip(1, "no \"=\" after the Grailbird variable name")
		return nil
	}
	_, err := streamArray(br, 0, func(n int, raw json.RawMessage) error {
		var st v1Status
		if err := json.Unmarshal(raw, &st); err != nil {
			s.skip(n, "%s", jsonReason(err))
			return nil
		}
		return emitV1(s, &st, n)
	})
	return recordSkip(s, err)
}

// skipAssignment consumes the JavaScript "name =" before an archive's JSON.
// The name is short; giving up after 512 bytes keeps a file that only looked
// like an archive from being scanned to its end.
func skipAssignment(br *bufio.Reader) bool {
	for i := 0; i < 512; i++ {
		b, err := br.ReadByte()
		if err != nil {
			return false
		}
		if b == '=' {
			return true
		}
	}
	return false
}

// readAccountFile reads an archive's account.js; a missing file is no
// account, not an error, since people upload tweets.js alone.
func readAccountFile(path string) (*Account, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open account file: %w", err)
	}
	defer f.Close()
	a, err := readAccount(f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return a, nil
}

// readAccount parses window.YTD.account.part0 = [ {"account": {…}} ].
func readAccount(r io.Reader) (*Account, error) {
	br := bufio.NewReader(io.LimitReader(r, 1<<20))
	if !skipAssignment(br) {
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
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open user details file: %w", err)
	}
	defer f.Close()
	br := bufio.NewReader(io.LimitReader(f, 1<<20))
	if !skipAssignment(br) {
		return nil, fmt.Errorf("read %s: no \"=\"", path)
	}
	var u struct {
		ScreenName string     `json:"screen_name"`
		FullName   string     `json:"full_name"`
		ID         flexString `json:"id"`
	}
	if err := json.NewDecoder(br).Decode(&u); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if u.ScreenName == "" {
		return nil, nil
	}
	return &Account{ID: string(u.ID), Handle: u.ScreenName, Name: u.FullName}, nil
}
