// Package forum is the forum's threads, posts and categories: the types
// and what they say of themselves (their addresses, whether a thread is
// solved or gone), the limits on a question's shape and the lists' page
// sizes, the pure text rules (slugs, cleaning what is stored), and the SQL
// of the forum's own tables that has moved here from models:
//   - categories (listing, creating) and who may see which category and
//     thread: the conditions VisibleThread and VisiblePost that every
//     domain listing threads takes, the private categories' groups, the
//     per-request memo;
//   - the composer's drafts and the forms' submission keys;
//   - reading a thread and a post (ThreadColumns, ScanThread, PostColumns,
//     ScanPost: other domains' queries take them), a thread page's posts
//     as the viewer may see them (ThreadPosts, VotedPosts, ThreadInsiders,
//     AnswerPage), the thread lists and the paging every paged list uses
//     (Paging, ListPaging, CountUpTo);
//   - helpful votes, one transaction with the points they give;
//   - the statements of editing and removing a post (ReviseIn, RetitleIn,
//     RemovePostIn, in the caller's transaction) and the revisions an edit
//     keeps.
//
// It takes the database layer, a *db.DB (models/db), and Deps: the little
// it needs of the store (the clock, the store's version, the not-found
// error) and of other domains (a thread's source on X, social's; what a
// vote needs of policy and of the accounts' reputation, Votes), wired in
// models. So it imports nothing of models; models.Store embeds a *Forum,
// so its methods are the store's. It imports models/accounts (a post's
// author, the viewer), models/policy and models/db.
//
// Still in models, calling it: the steps that span domains (asking and
// answering: search, notify, kb, insights; accepting; hiding; editing and
// deleting a post: search, kb, attachments; a category's group: its
// reputation moves) and the texts users read (a category form's
// messages are made by models.CreateCategory from ErrCategoryTaken, the
// edit budget's by models.EditPost from EditLimitError).
package forum

import (
	"fmt"
	"html/template"
	"strconv"
	"time"

	"github.com/crowdcare/crowdcare/models/accounts"
)

// Limits on what a question may hold.
const (
	TitleMin = 10
	TitleMax = 150
	BodyMin  = 20
	BodyMax  = 50000
	TagsMax  = 5
	TagMax   = 30
)

// MaxListPage is the deepest page a list of threads, articles, answers,
// notifications or inbox conversations shows, and ListCountLimit how far
// such a list counts its rows: OFFSET and COUNT(*) read every row they pass,
// so without a bound one request for "?page=47000" of a forum of a million
// threads reads all of them. Past that, a narrower list (a category, a
// tag, a filter) or search finds the rest. A page number past MaxListPage is
// refused before any query runs.
const (
	MaxListPage    = 50
	ListCountLimit = MaxListPage * ThreadsPerPage
)

// Page sizes.
const (
	ThreadsPerPage = 20
	AnswersPerPage = 30
)

// Category groups threads.
type Category struct {
	ID          int64
	Slug        string
	Name        string
	Description string
	// ThreadCount is its visible threads, counted up to ListCountLimit+1 (see ManyThreads).
	ThreadCount int
	Group       string // '' for a public category
}

// URL is the category page.
func (c Category) URL() string { return "/c/" + c.Slug }

// ManyThreads reports that the category holds more threads than were counted.
func (c Category) ManyThreads() bool { return c.ThreadCount > ListCountLimit }

// Thread is a question with its answers' summary.
type Thread struct {
	ID             int64
	Category       Category
	Author         accounts.UserRef
	Title          string
	Slug           string
	QuestionID     int64
	AcceptedID     int64
	AnswerCount    int
	Tags           []string
	CreatedAt      time.Time
	LastActivityAt time.Time
	Deleted        bool  // removed by its author
	Hidden         bool  // hidden by a moderator
	Pending        bool  // waiting in the approval queue
	Locked         bool  // no new answers
	Pinned         bool  // listed first in its category
	DuplicateOf    int64 // the original, when closed as a duplicate
	// OfficialAnswer is set when an ambassador answered.
	OfficialAnswer bool
	// SourceURL is the original post on X for imported threads, "" when
	// the source's ids are not X's.
	SourceURL string
	// SourceID is the original tweet's id, for "Reply on X".
	SourceID string
	// FromX says the thread started as a post on X, linked or not.
	FromX bool
}

// Gone reports whether the thread is out of the lists for everyone but staff.
func (t *Thread) Gone() bool { return t.Deleted || t.Hidden || t.Pending }

// URL is the canonical thread address.
func (t *Thread) URL() string { return ThreadURL(t.ID, t.Slug) }

// ThreadURL is the canonical address of thread id, whose slug is slug.
func ThreadURL(id int64, slug string) string { return "/t/" + strconv.FormatInt(id, 10) + "/" + slug }

// Solved reports whether an answer is accepted.
func (t *Thread) Solved() bool { return t.AcceptedID != 0 }

// Post is a question body or an answer.
type Post struct {
	ID           int64
	ThreadID     int64
	Author       accounts.UserRef
	IsQuestion   bool
	BodyMD       string
	BodyHTML     template.HTML // rendered by goldmark without raw HTML when saved
	HelpfulCount int
	CreatedAt    time.Time
	EditedAt     time.Time // zero if never edited
	Deleted      bool
	Hidden       bool   // hidden by a moderator
	HiddenReason string // shown to the author and staff
	Pending      bool   // waiting in the approval queue
	// Recommended names the ambassador who marked it "Recommended by <brand>".
	Recommended *accounts.UserRef
	// Redacted is set when the viewer may not read a hidden post's text.
	Redacted bool
	// ViewerVoted is whether the user the post was loaded for voted it helpful.
	ViewerVoted bool
}

// Edited reports whether the post was changed after it was written.
func (p *Post) Edited() bool { return !p.EditedAt.IsZero() }

// Anchor is the post's id within the thread page.
func (p *Post) Anchor() string { return fmt.Sprintf("p%d", p.ID) }
