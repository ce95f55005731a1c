// Package tweets reads X/Twitter data in every shape an importer meets
// (account archives, API v2 and v1.1 responses, the "Customer Support on
// Twitter" CSV) into one normalised Tweet, streaming: memory stays flat
// however large the input. It knows nothing about the forum or the database.
package tweets

import (
	"fmt"
	"time"
)

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
	Lang      string    // the source's language code, normalised (NormalizeLang), "" when absent
	URLs      []string  // expanded URLs found in the tweet
	Hashtags  []string  // without "#"
	Mentions  []string  // handles without "@"
	Retweet   bool      // a retweet (RT @… or retweeted_status / referenced_tweets type retweeted)
	Quote     bool
	// Inbound is set by the customer-support CSV: true for a customer, false
	// for the brand. nil when the source does not say.
	Inbound *bool
	// Line is the 1-based physical line where the tweet's record starts
	// (in a JSON array or document too), for reports.
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
	// FormatZIP is a ZIP holding files in the formats above: an X archive
	// as X hands it out, a Grailbird archive, or any ZIP of such files.
	// Result.Parts says what was read from it.
	FormatZIP Format = "zip"
)

// Skip is a record that could not be read; the rest of the file still imports.
type Skip struct {
	// File is the file inside a ZIP the record is in, "" for a file read
	// on its own.
	File string
	// Line is the 1-based physical line where the record starts; 0 when
	// the skip is about a whole file inside a ZIP.
	Line int
	// Record is the record's 1-based number in a JSON array or document
	// (its elements can share a line), 0 in line-based input (CSV, JSON
	// Lines), where the line says which.
	Record int
	Reason string // e.g. "truncated JSON", "tweet id is not a number"
}

// Where says where the record is, for reports: "line 12", "record 3 at
// line 12", with the file inside a ZIP first ("data/tweets.js line 12").
func (s Skip) Where() string {
	var at string
	switch {
	case s.Record > 0:
		at = fmt.Sprintf("record %d at line %d", s.Record, s.Line)
	case s.Line > 0:
		at = fmt.Sprintf("line %d", s.Line)
	}
	switch {
	case s.File == "":
		return at
	case at == "":
		return s.File
	}
	return s.File + " " + at
}

// Report is the reason as an import report lists it beside File and Line:
// with the record's number when the format counts records.
func (s Skip) Report() string {
	if s.Record > 0 {
		return fmt.Sprintf("%s (record %d)", s.Reason, s.Record)
	}
	return s.Reason
}

// Result summarises one input.
type Result struct {
	Format  Format // FormatZIP for a ZIP, whose Parts say what was in it
	Gzip    bool   // the input was gzip-compressed
	Read    int    // tweets handed to the callback
	Skipped []Skip // malformed records, in reading order
	// Errors are the API's own errors[] entries (e.g. "Could not find tweet"), as text.
	APIErrors []string
	// Account is the archive owner (from account.js or user_details.js beside
	// an archive file or in the same ZIP), when found; for a ZIP holding
	// several archives, the first one's (each Part has its own).
	Account *Account
	// Parts lists the files read, in order: one for a file read on its own,
	// each tweet file read from a ZIP.
	Parts []Part
}

// Part is one file of an input: the file itself, or a file inside a ZIP.
type Part struct {
	Name    string // the path inside the ZIP, "" for a file read on its own
	Format  Format // "" when the file inside a ZIP was in no known format (a Skip says why)
	Read    int
	Skipped int
	Account *Account // who wrote the tweets that name no author, when known
}

// NothingRead reports a file that had records but none could be read: a
// file in the wrong shape rather than one with a few bad records.
func (p Part) NothingRead() bool { return p.Read == 0 && p.Skipped > 0 }

// Account is an archive's owner.
type Account struct {
	ID     string
	Handle string
	Name   string
}

// ErrUnknownFormat is returned (wrapped, with a description of what was seen)
// when a file is in no known format; nothing is read from it then.
var ErrUnknownFormat = errorString("not a known tweet format")

// ErrTooLarge is returned (wrapped, with what was too large) when a ZIP or a
// gzip file goes past a Limits bound: too many entries, too much data, or
// data that expands too much (a zip bomb). Reading stops there.
var ErrTooLarge = errorString("over an import limit")

type errorString string

func (e errorString) Error() string { return string(e) }
