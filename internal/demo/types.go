// Package demo is the demo forum `crowdcare serve --demo` (make run) seeds:
// "Northwind Community", the support community of a made-up broadband, TV,
// mobile and PC brand. Its content is in content.go, its logo in
// northwind-logo.svg; Seed writes it as history, each event at its time
// relative to the moment of seeding.
package demo

import (
	"github.com/crowdcare/crowdcare/models"
)

// Set is a whole demo forum.
type Set struct {
	Categories []Category
	People     []Person
	Questions  []Question
	// FromX are conversations imported from X as threads (the brand's
	// replies become its official answers).
	FromX []Conversation
	// Mentions are posts from X waiting in the triage inbox.
	Mentions []Mention
	Incident Incident
	// NoResult are searches that found nothing: the KB's to-do list in the
	// insights' self-service figures.
	NoResult []WeightedQuery
}

// Category is a forum category.
type Category struct {
	Slug, Name, Description string
}

// Person is an account. Every author, voter and flagger is one.
type Person struct {
	Username string
	// Role is the account's role from the start: member (""), or admin.
	Role models.Role
	// JoinedDaysAgo is when the account was made.
	JoinedDaysAgo float64
	// WorkEmail, for an employee, is the work address verified (a day
	// after joining) to become an ambassador.
	WorkEmail string
	// SuperuserDaysAgo, when set, is when an admin made the member a superuser.
	SuperuserDaysAgo float64
}

// Question is a thread and what happened in it.
type Question struct {
	Author   string
	Category string // a Category slug, or "general"
	Title    string
	Body     string // Markdown
	Tags     string // comma-separated
	HoursAgo float64
	Answers  []Answer
	// Article is what curators did to the KB article of a solved question.
	Article *Article
}

// Answer is an answer, with what others did to it.
type Answer struct {
	Author     string
	Body       string   // Markdown
	HoursAfter float64  // after the question was asked
	Helpful    []string // usernames who voted it helpful, in that order, over the following hours
	// Accepted: the asker accepted it an hour after it was written (or
	// half way to now, when that is sooner).
	Accepted bool
	// RecommendedBy is the ambassador who marked it "Recommended by
	// Northwind", two hours after it was written (or half way to now).
	RecommendedBy string
	// Flags are members' reports waiting in the flag queue.
	Flags []Flag
	// Member: posted as any member's post is, with the posting rules (a
	// new account's link waits in the approval queue).
	Member bool
}

// Flag is a report on an answer.
type Flag struct {
	By, Reason, Note string
	HoursAfter       float64 // after the answer
}

// Article is what happened to a solved question's KB article.
type Article struct {
	// CuratedBy rewrote it (the article is then "Reviewed by Northwind"),
	// CuratedHoursAfter the acceptance, with this text.
	CuratedBy                string
	CuratedHoursAfter        float64
	Title, Problem, Solution string
	OutdatedBy, OutdatedNote string // marked out of date with this note ...
	OutdatedHoursAgo         float64
}

// Conversation is a customer's post on X with the replies, imported as a
// thread into Category.
type Conversation struct {
	Category string
	Tweets   []Tweet // the first asks; each later one replies to the one before
}

// Tweet is a post on X.
type Tweet struct {
	Handle, Text string
	MinutesAgo   float64
}

// Mention is a post on X that waits in the triage inbox.
type Mention struct {
	Handle, Text string
	MinutesAgo   int
}

// Incident is an open incident: its banner points at the question with
// ThreadTitle; an ambassador opened it HoursAgo.
type Incident struct {
	Category, ThreadTitle, Message, Term, OpenedBy string
	HoursAgo                                       float64
}

// The demo's showcase, for screenshots and audits: the thread with an
// official answer and a recommended one, and the question whose KB article
// is reviewed.
const (
	ShowcaseThread  = "Hub 3 drops Wi-Fi every evening around 8pm"
	ShowcaseArticle = "Fibre 500 drops to under 10 Mbps every evening between 7 and 11pm"
)
