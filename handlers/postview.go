package handlers

import (
	"html/template"
	"strings"
	"time"

	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/policy"
)

// postView is one post with what the viewer may do to it. Its fields are
// copied, not embedded: text/template finds a promoted field through a slow
// reflective search, and a thread page looks up ~15 fields of 30 posts.
// The thread cache keeps one rendering per distinct view (CSRF aside), so
// every field must stay comparable.
type postView struct {
	ID             int64
	Author         models.UserRef
	IsQuestion     bool
	BodyHTML       template.HTML
	HelpfulCount   int
	CreatedAt      time.Time
	EditedAt       time.Time
	Deleted        bool
	Hidden         bool
	HiddenReason   string
	Pending        bool
	Recommended    *models.UserRef
	Redacted       bool
	ViewerVoted    bool
	Edited         bool
	Anchor         string
	CSRF           string
	Brand          string
	IsAccepted     bool
	IsOfficial     bool // written by an ambassador
	CanVote        bool
	CanAccept      bool
	CanEdit        bool
	CanDelete      bool
	CanSeeHistory  bool
	CanFlag        bool
	CanHide        bool
	CanRecommend   bool
	CanModerate    bool   // sees the author's moderation page
	CanRemoveFiles bool   // may take the post's attachments off (it shows some)
	Flagged        bool   // the viewer has an open flag on it
	Flash          string // the confirmation or refusal of the viewer's action on it
}

// View prepares a post of this thread for the post partial. Each button
// shows exactly when policy allows its action (models/policy: the store
// asks the same functions before doing the work).
func (p threadPage) View(post *models.Post) postView {
	u := p.User
	who, facts := u.Actor(), models.PolicyPost(post, p.Thread)
	may := func(a policy.Action) bool { return policy.Decide(a, who, facts) == nil }
	return postView{
		ID: post.ID, Author: post.Author, IsQuestion: post.IsQuestion, BodyHTML: post.BodyHTML,
		HelpfulCount: post.HelpfulCount, CreatedAt: post.CreatedAt, EditedAt: post.EditedAt, Deleted: post.Deleted,
		Hidden: post.Hidden, HiddenReason: post.HiddenReason, Pending: post.Pending, Recommended: post.Recommended,
		Redacted: post.Redacted, ViewerVoted: post.ViewerVoted || p.voted[post.ID], Edited: post.Edited(), Anchor: post.Anchor(),
		CSRF:          p.CSRF,
		Brand:         p.Brand.Name,
		IsAccepted:    post.ID == p.Thread.AcceptedID,
		IsOfficial:    post.Author.Role == models.RoleAmbassador && !post.IsQuestion,
		CanVote:       may(policy.Vote),
		CanAccept:     may(policy.Accept),
		CanEdit:       may(policy.Edit),
		CanDelete:     may(policy.Delete),
		CanSeeHistory: may(policy.SeeHistory),
		CanFlag:       may(policy.Flag),
		CanHide:       may(policy.Hide),
		CanRecommend:  may(policy.Recommend),
		CanModerate:   u.Can(models.PermSuspend) && u.ID != post.Author.ID,
		CanRemoveFiles: u.Can(models.PermRemoveAttachments) && !post.Deleted &&
			strings.Contains(string(post.BodyHTML), `="/uploads/`),
		Flagged: p.flagged[post.ID],
		Flash:   p.postFlash[post.ID],
	}
}

// Post is a post's HTML with the viewer's controls.
func (p threadPage) Post(post *models.Post) (template.HTML, error) { return p.renderPost(p.View(post)) }
