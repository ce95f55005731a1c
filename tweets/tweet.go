// Package tweets reads X/Twitter data in every shape an importer meets
// (account archives, API v2 and v1.1 responses, the "Customer Support on
// Twitter" CSV) into one normalised Tweet, streaming: memory stays flat
// however large the input. It knows nothing about the forum or the database.
package tweets

import "time"

// Tweet is one post, whatever format it came from.
type Tweet struct {
	ID             string // always a string: many ids exceed 2^53
	ConversationID string // the conversation's root id when the source says so (API v2), else ""
	InReplyToID    string // parent tweet id, "" for a root
	InReplyToUser  string // parent author's handle when known, without "@"
	AuthorID       string // numeric user id when known (or the anonymised id in the CSV data set)
	AuthorHandle   string // screen name without "@"; in the CSV data set the author_id column
	AuthorName     string // display name when known
	// Text is the full text: HTML entities decoded (&amp; -> &), t.co links
	// replaced by their expanded URLs when the entities say so, truncated
	// text replaced by the full text when the file has it (extended_tweet,
	// full_text, note tweets, the retweeted status), emoji and RTL kept.
	Text      string
	CreatedAt time.Time // UTC
	Lang      string    // the source's language code, "" when absent; pseudo-codes (und, qme, zxx, …) passed through
	URLs      []string  // expanded URLs found in the tweet
	Hashtags  []string  // without "#"
	Mentions  []string  // handles without "@"
	Retweet   bool      // a retweet (RT @… or retweeted_status / referenced_tweets type retweeted)
	Quote     bool
	// Inbound is set by the customer-support CSV: true for a customer, false
	// for the brand. nil when the source does not say.
	Inbound *bool
	// Line is the 1-based line (JSON Lines, CSV) or record number (JSON
	// arrays) the tweet came from, for reports.
	Line int
	// Format is the format the tweet was read from. FormatSupportCSV's ids
	// are the data set's row numbers, not X's tweet ids.
	Format Format
}

// Format names a detected input format.
type Format string

// The formats Detect recognises.
const (
	FormatArchive    Format = "x-archive"     // window.YTD.tweets.part0 / window.YTD.tweet.part0 (tweets.js, tweet.js, deleted-tweets.js, …)
	FormatGrailbird  Format = "grailbird"     // Grailbird.data.tweets_YYYY_MM = [ … ] (pre-2018 archives)
	FormatGrailCSV   Format = "grailbird-csv" // the CSV files of a Grailbird archive
	FormatV2         Format = "api-v2"        // API v2 pages or stream lines, JSON or JSON Lines (twarc, tweepy)
	FormatV2Flat     Format = "api-v2-flat"   // twarc's flattened one-tweet-per-line shape
	FormatV1         Format = "api-v1.1"      // v1.1 statuses: array, JSON Lines, single status, or {"statuses": [...]}
	FormatSupportCSV Format = "twcs-csv"      // tweet_id, author_id, inbound, created_at, text, response_tweet_id, in_response_to_tweet_id
)

// Skip is a record that could not be read; the rest of the file still imports.
type Skip struct {
	Line   int    // line or record number
	Reason string // e.g. "truncated JSON", "tweet id is not a number"
}

// Result summarises one file.
type Result struct {
	Format  Format
	Read    int    // tweets handed to the callback
	Skipped []Skip // malformed records, in file order
	// Errors are the API's own errors[] entries (e.g. "Could not find tweet"), as text.
	APIErrors []string
	// Account is the archive owner (from account.js beside an archive file), when found.
	Account *Account
}

// Account is an archive's owner.
type Account struct {
	ID     string
	Handle string
	Name   string
}

// ErrUnknownFormat is returned (wrapped, with a description of what was seen)
// when a file is in no known format; nothing is read from it then.
var ErrUnknownFormat = errorString("not a known tweet format")

type errorString string

func (e errorString) Error() string { return string(e) }
