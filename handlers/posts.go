package handlers

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
)

// loadPost reads the :id post and its thread.
func (h *Handler) loadPost(c echo.Context) (*models.Post, *models.Thread, error) {
	id, err := pathID(c)
	if err != nil {
		return nil, nil, err
	}
	ctx := c.Request().Context()
	p, err := h.store.Post(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	t, err := h.store.Thread(ctx, p.ThreadID)
	if err != nil {
		return nil, nil, err
	}
	if err := h.checkThread(c, t); err != nil {
		return nil, nil, err
	}
	return p, t, nil
}

// postURL is the thread page that shows p, with p's anchor.
func (h *Handler) postURL(c echo.Context, p *models.Post, t *models.Thread) (string, error) {
	n, err := h.store.AnswerPage(c.Request().Context(), p, t)
	if err != nil {
		return "", err
	}
	u := t.URL()
	if n > 1 {
		u += fmt.Sprintf("?page=%d", n)
	}
	return u + "#" + p.Anchor(), nil
}

// showPost is a permalink: GET /p/:id redirects to the post within its thread.
func (h *Handler) showPost(c echo.Context) error {
	p, t, err := h.loadPost(c)
	if err != nil {
		return err
	}
	u, err := h.postURL(c, p, t)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, u)
}

func (h *Handler) createAnswer(c echo.Context) error {
	t, err := h.loadThread(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if t.Gone() {
		return models.ErrNotFound
	}
	f := fromRequest(c, "body")
	if err := h.attachFiles(c, f); err != nil {
		return err
	}
	f.Previewed = wantsPreview(c)
	if code, again := shownAgain(f); again {
		return h.renderThread(c, t, nil, code, f)
	}
	p, err := h.store.SubmitAnswer(ctx, currentUser(c), t.ID, f.Values["body"], f.Key)
	if code, ok := formStatus(c, f, err); ok {
		// The thread as it is now, as this viewer may see it: locked
		// meanwhile, the page keeps what was typed to copy instead of
		// offering the form again.
		now, err := h.loadThread(c)
		if err != nil {
			return err
		}
		return h.renderThread(c, now, nil, code, f)
	}
	if err != nil {
		return err
	}
	h.draftSent(c, fmt.Sprintf("/t/%d/answers", t.ID))
	if p.Pending {
		h.flashAt(c, p.ID, "Your answer is posted. Others will see it once a moderator approves it.")
	} else {
		h.flashAt(c, p.ID, "Your answer is posted.")
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/p/%d", p.ID))
}

// refuse shows why an action was not taken on the page the user came from
// (in the post, when that is a post's address).
func (h *Handler) refuse(c echo.Context, err error, back string) error {
	if na, ok := models.IsNotAllowed(err); ok {
		h.flashFor(c, back, NotAllowedText(na))
		return c.Redirect(http.StatusSeeOther, back)
	}
	if r, ok := policyRefusal(err); ok {
		h.flashFor(c, back, refusalText(r))
		return c.Redirect(http.StatusSeeOther, back)
	}
	return err
}

func (h *Handler) acceptAnswer(c echo.Context) error {
	p, _, err := h.loadPost(c)
	if err != nil {
		return err // a private or hidden thread is "not found" here too
	}
	undo := c.FormValue("undo") == "1"
	t, err := h.store.Accept(c.Request().Context(), currentUser(c), p.ID, undo)
	if err != nil {
		return h.refuse(c, err, fmt.Sprintf("/p/%d", p.ID))
	}
	if undo {
		h.flashAt(c, p.ID, "The answer is no longer marked as accepted.")
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/p/%d", p.ID))
	}
	h.flashAt(c, p.ID, "Thanks! The thread is marked as solved.")
	return c.Redirect(http.StatusSeeOther, t.URL()+"#"+p.Anchor())
}

func (h *Handler) voteAnswer(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if _, _, err := h.loadPost(c); err != nil {
		return err
	}
	undo := c.FormValue("undo") == "1"
	if err := h.store.Vote(c.Request().Context(), currentUser(c), id, undo); err != nil {
		return h.refuse(c, err, fmt.Sprintf("/p/%d", id))
	}
	if undo {
		h.flashAt(c, id, "Your vote is withdrawn.")
	} else {
		h.flashAt(c, id, "Thanks: your vote counts.")
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/p/%d", id))
}

type editPage struct {
	page
	Post     *models.Post
	Thread   *models.Thread
	Form     form
	Composer composer
	// TitleOnly is a superuser retitling someone else's question.
	TitleOnly bool
}

// loadEditable loads the :id post and refuses anyone who may not change it.
func (h *Handler) loadEditable(c echo.Context) (*models.Post, *models.Thread, error) {
	p, t, err := h.loadPost(c)
	if err != nil {
		return nil, nil, err
	}
	if p.Deleted || t.Deleted {
		return nil, nil, models.ErrNotFound
	}
	return p, t, nil
}

// editable refuses anyone who may neither edit the post nor retitle it.
func editable(u *models.User, p *models.Post) error {
	if models.CanEdit(u, p) || (p.IsQuestion && u.Can(models.PermEditTitles)) {
		return nil
	}
	return models.ErrForbidden
}

func (h *Handler) showEditPost(c echo.Context) error {
	p, t, err := h.loadEditable(c)
	if err != nil {
		return err
	}
	if err := editable(currentUser(c), p); err != nil {
		return err
	}
	f, restored, err := h.takeDraft(c, fmt.Sprintf("/p/%d/edit", p.ID))
	if err != nil {
		return err
	}
	if !restored {
		f = newForm()
		f.Values["body"] = p.BodyMD
		f.Values["title"] = t.Title
		f.Values["tags"] = joinTags(t.Tags)
	}
	return h.renderEdit(c, http.StatusOK, p, t, f)
}

func (h *Handler) renderEdit(c echo.Context, code int, p *models.Post, t *models.Thread, f form) error {
	title := "Edit your answer"
	if p.IsQuestion {
		title = "Edit your question"
	}
	pg := editPage{page: h.page(c, title), Post: p, Thread: t, Form: f.keyed(), TitleOnly: !models.CanEdit(currentUser(c), p)}
	if pg.TitleOnly {
		pg.Title = "Edit the title and tags"
	} else {
		label := "Answer"
		if p.IsQuestion {
			label = "Details"
		}
		pg.Composer = h.newComposer(c, pg.Form, fmt.Sprintf("/p/%d/edit", p.ID), label, 14)
	}
	pg.NoIndex = true
	return h.render(c, code, "edit", pg)
}

func (h *Handler) editPost(c echo.Context) error {
	p, t, err := h.loadEditable(c)
	if err != nil {
		return err
	}
	if err := editable(currentUser(c), p); err != nil {
		return err
	}
	f := fromRequest(c, "body", "title", "tags")
	if models.CanEdit(currentUser(c), p) {
		if err := h.attachFiles(c, f); err != nil {
			return err
		}
		f.Previewed = wantsPreview(c)
	}
	if code, again := shownAgain(f); again {
		return h.renderEdit(c, code, p, t, f)
	}
	err = h.store.EditPost(c.Request().Context(), currentUser(c), p.ID,
		models.PostEdit{Body: f.Values["body"], Title: f.Values["title"], Tags: f.Values["tags"], Key: f.Key})
	if code, ok := formStatus(c, f, err); ok {
		return h.renderEdit(c, code, p, t, f)
	}
	if err != nil {
		return err
	}
	h.draftSent(c, fmt.Sprintf("/p/%d/edit", p.ID))
	h.flashAt(c, p.ID, "Your changes are saved.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/p/%d", p.ID))
}

func (h *Handler) showDeletePost(c echo.Context) error {
	p, t, err := h.loadEditable(c)
	if err != nil {
		return err
	}
	if !models.CanEdit(currentUser(c), p) {
		return models.ErrForbidden
	}
	pg := editPage{page: h.page(c, "Remove this post?"), Post: p, Thread: t}
	pg.NoIndex = true
	return h.render(c, http.StatusOK, "delete", pg)
}

func (h *Handler) deletePost(c echo.Context) error {
	p, t, err := h.loadEditable(c)
	if err != nil {
		return err
	}
	if !models.CanEdit(currentUser(c), p) {
		return models.ErrForbidden
	}
	if err := h.store.DeletePost(c.Request().Context(), currentUser(c), p.ID); err != nil {
		return err
	}
	if p.IsQuestion {
		h.flash(c, "The question was removed.")
		return c.Redirect(http.StatusSeeOther, "/")
	}
	h.flash(c, "The answer was removed.")
	return c.Redirect(http.StatusSeeOther, t.URL())
}

type revisionsPage struct {
	page
	Post      *models.Post
	Thread    *models.Thread
	Revisions []models.Revision
}

// showRevisions lists a post's earlier versions to its author and to staff.
func (h *Handler) showRevisions(c echo.Context) error {
	p, t, err := h.loadPost(c)
	if err != nil {
		return err
	}
	if !models.CanSeeRevisions(currentUser(c), p) {
		return models.ErrForbidden
	}
	revs, err := h.store.Revisions(c.Request().Context(), p.ID)
	if err != nil {
		return err
	}
	pg := revisionsPage{page: h.page(c, "Edit history"), Post: p, Thread: t, Revisions: revs}
	pg.NoIndex = true
	return h.render(c, http.StatusOK, "revisions", pg)
}

func joinTags(tags []string) string {
	out := ""
	for i, t := range tags {
		if i > 0 {
			out += ", "
		}
		out += t
	}
	return out
}
