package handlers

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
)

type listPage struct {
	page
	Category   *models.Category // nil on the home page
	Categories []models.Category
	List       *models.ThreadList
	Show       string
	Sort       string
	Tag        string
	Pager      pager
	Incidents  []models.Incident // known problems: all on the home page, the category's on its page
}

// URL builds this list's address with other filter, sort or page values.
func (p listPage) URL(show, sort string, pageNo int) string {
	base := "/"
	if p.Category != nil {
		base = p.Category.URL()
	}
	q := url.Values{}
	if show != models.ShowAll {
		q.Set("show", show)
	}
	if sort != models.SortNewest {
		q.Set("sort", sort)
	}
	if p.Tag != "" {
		q.Set("tag", p.Tag)
	}
	if pageNo > 1 {
		q.Set("page", strconv.Itoa(pageNo))
	}
	if len(q) == 0 {
		return base
	}
	return base + "?" + q.Encode()
}

// PageURL is the pager's link to another page of the same list.
func (p listPage) PageURL(n int) string { return p.URL(p.Show, p.Sort, n) }

func pageOf(c echo.Context) int {
	n, err := strconv.Atoi(c.QueryParam("page"))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

func oneOf(v string, allowed ...string) string {
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	return allowed[0]
}

func (h *Handler) showHome(c echo.Context) error { return h.showList(c, nil) }

func (h *Handler) showCategory(c echo.Context) error {
	cat, err := h.store.CategoryBySlug(c.Request().Context(), c.Param("slug"))
	if err != nil {
		return err
	}
	if err := h.checkCategory(c, cat.ID); err != nil {
		return err
	}
	return h.showList(c, cat)
}

func (h *Handler) showList(c echo.Context, cat *models.Category) error {
	ctx := c.Request().Context()
	p := listPage{
		Category: cat,
		Show:     oneOf(c.QueryParam("show"), models.ShowAll, models.ShowUnanswered, models.ShowSolved),
		Sort:     oneOf(c.QueryParam("sort"), models.SortNewest, models.SortActive),
		Tag:      c.QueryParam("tag"),
	}
	q := models.ThreadQuery{Show: p.Show, Sort: p.Sort, Tag: p.Tag, Page: pageOf(c), Viewer: currentUser(c)}
	title := "Latest questions"
	p.page = h.page(c, title)
	p.Description = h.cfg.SiteName + ": ask questions, get answers from the community and our staff."
	if cat != nil {
		q.CategoryID = cat.ID
		p.Title = cat.Name
		if cat.Description != "" {
			p.Description = cat.Description
		}
	}
	var err error
	if p.Categories, err = h.store.Categories(ctx, p.User); err != nil {
		return err
	}
	if p.List, err = h.store.Threads(ctx, q); err != nil {
		return err
	}
	if p.Incidents, err = h.store.OpenIncidents(ctx, q.CategoryID, p.User); err != nil {
		return err
	}
	if p.List.Page > 1 {
		p.Title += fmt.Sprintf(" (page %d)", p.List.Page)
	}
	p.Canonical = h.cfg.BaseURL + p.URL(p.Show, p.Sort, p.List.Page)
	p.Pager = makePager(p.List.Paging, p.PageURL)
	return h.render(c, http.StatusOK, "list", p)
}

type threadPage struct {
	page
	Thread     *models.Thread
	Posts      *models.ThreadPosts
	AnswerForm form
	// CanAccept is whether the viewer may accept answers here.
	CanAccept  bool
	Pager      pager
	Article    *models.Article // the thread's published KB article, if any
	JSONLD     any             // schema.org QAPage
	Watching   bool
	Staff      bool // shows the thread's moderation tools
	CanAnswer  bool
	Original   *models.Thread // what a duplicate points to
	Categories []models.Category
	Reasons    []string
	// ReplyOnX is the X web intent for answering the original tweet, for ambassadors.
	ReplyOnX string
}

// OtherAnswers counts the visible answers listed below the accepted one.
func (p threadPage) OtherAnswers() int {
	if p.Posts.Accepted != nil && !p.Posts.Accepted.Deleted {
		return p.Thread.AnswerCount - 1
	}
	return p.Thread.AnswerCount
}

// postView is one post with what the viewer may do to it. Its fields are
// copied, not embedded: text/template finds a promoted field through a slow
// reflective search, and a thread page looks up ~15 fields of 30 posts.
type postView struct {
	ID            int64
	Author        models.UserRef
	IsQuestion    bool
	BodyHTML      template.HTML
	HelpfulCount  int
	CreatedAt     time.Time
	EditedAt      time.Time
	Deleted       bool
	Hidden        bool
	HiddenReason  string
	Pending       bool
	Recommended   *models.UserRef
	Redacted      bool
	ViewerVoted   bool
	Edited        bool
	Anchor        string
	CSRF          string
	Brand         string
	IsAccepted    bool
	IsOfficial    bool // written by an ambassador
	CanVote       bool
	CanAccept     bool
	CanEdit       bool
	CanDelete     bool
	CanSeeHistory bool
	CanFlag       bool
	CanHide       bool
	CanRecommend  bool
	CanModerate   bool // sees the author's moderation page
}

// View prepares a post of this thread for the post partial.
func (p threadPage) View(post *models.Post) postView {
	u := p.User
	live := !p.Thread.Deleted && !post.Deleted && !post.Hidden && !post.Pending
	return postView{
		ID: post.ID, Author: post.Author, IsQuestion: post.IsQuestion, BodyHTML: post.BodyHTML,
		HelpfulCount: post.HelpfulCount, CreatedAt: post.CreatedAt, EditedAt: post.EditedAt, Deleted: post.Deleted,
		Hidden: post.Hidden, HiddenReason: post.HiddenReason, Pending: post.Pending, Recommended: post.Recommended,
		Redacted: post.Redacted, ViewerVoted: post.ViewerVoted, Edited: post.Edited(), Anchor: post.Anchor(),
		CSRF:          p.CSRF,
		Brand:         p.Brand,
		IsAccepted:    post.ID == p.Thread.AcceptedID,
		IsOfficial:    post.Author.Role == models.RoleAmbassador && !post.IsQuestion,
		CanVote:       u != nil && u.ID != post.Author.ID && live,
		CanAccept:     p.CanAccept && !post.IsQuestion && live,
		CanEdit:       (models.CanEdit(u, post) || (post.IsQuestion && u.Can(models.PermEditTitles))) && !p.Thread.Deleted,
		CanDelete:     models.CanEdit(u, post) && !p.Thread.Deleted,
		CanSeeHistory: u != nil && (u.ID == post.Author.ID || u.Can(models.PermSeeRevisions)),
		CanFlag:       u != nil && u.ID != post.Author.ID && live,
		CanHide:       u.Can(models.PermHide) && !post.Deleted,
		CanRecommend:  u.Can(models.PermRecommend) && !post.IsQuestion && live,
		CanModerate:   u.Can(models.PermSuspend) && u.ID != post.Author.ID,
	}
}

// PageURL is the pager's link to another page of answers.
func (p threadPage) PageURL(n int) string {
	if n <= 1 {
		return p.Thread.URL()
	}
	return p.Thread.URL() + "?page=" + strconv.Itoa(n)
}

func pathID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, echo.ErrNotFound
	}
	return id, nil
}

// showThread renders GET /t/:id/:slug, redirecting other slugs to the canonical one.
func (h *Handler) showThread(c echo.Context) error {
	t, err := h.loadThread(c)
	if err != nil {
		return err
	}
	if c.Param("slug") != t.Slug {
		target := t.URL()
		if q := c.Request().URL.RawQuery; q != "" {
			target += "?" + q
		}
		return c.Redirect(http.StatusMovedPermanently, target)
	}
	if t.Solved() {
		h.count(c, models.Event{Metric: models.MetricViewSolved})
	}
	return h.renderThread(c, t, http.StatusOK, newForm())
}

func (h *Handler) renderThread(c echo.Context, t *models.Thread, code int, answer form) error {
	u := currentUser(c)
	posts, err := h.store.ThreadPosts(c.Request().Context(), t, pageOf(c), u)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := threadPage{page: h.page(c, t.Title), Thread: t, Posts: posts, AnswerForm: answer, Reasons: models.FlagReasons(),
		CanAccept: u != nil && !t.Gone() && (u.ID == t.Author.ID || u.Can(models.PermAcceptAny)),
		Staff:     u.Can(models.PermLock) || u.Can(models.PermMove),
		CanAnswer: !t.Gone() && (!t.Locked || u.Can(models.PermLock))}
	if u != nil {
		if p.Watching, err = h.store.Watching(ctx, u.ID, t.ID); err != nil {
			return err
		}
	}
	if p.Staff {
		if p.Categories, err = h.store.Categories(ctx, u); err != nil {
			return err
		}
	}
	if t.DuplicateOf != 0 {
		if orig, err := h.store.Thread(ctx, t.DuplicateOf); err == nil && !orig.Gone() {
			p.Original = orig
		}
	}
	p.Description = summary(posts.Question.BodyMD, 160)
	p.Canonical = h.cfg.BaseURL + p.PageURL(posts.Page)
	p.Pager = makePager(posts.Paging, p.PageURL)
	if !t.Gone() {
		p.JSONLD = qaPageJSONLD(h.cfg.BaseURL, t, posts)
	}
	if t.Solved() {
		a, err := h.store.ArticleOfLoadedThread(ctx, t)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return err
		}
		if a != nil && a.Published {
			p.Article = a
		}
	}
	if t.SourceID != "" && u.Can(models.PermTriageSocial) {
		link := h.cfg.BaseURL + t.URL()
		if p.Article != nil {
			link = h.cfg.BaseURL + p.Article.URL()
		}
		p.ReplyOnX = "https://x.com/intent/post?" + url.Values{"in_reply_to": {t.SourceID}, "text": {link}}.Encode()
	}
	p.Pager.PrevLabel, p.Pager.NextLabel = "← Earlier answers", "Later answers →"
	if t.Gone() {
		p.NoIndex = true
	}
	return h.render(c, code, "thread", p)
}

type askPage struct {
	page
	Categories []models.Category
	Incidents  []models.Incident
	Form       form
	Similar    []models.SearchHit
	Checked    bool // the user asked to check for similar questions
}

func (h *Handler) showAsk(c echo.Context) error {
	f := newForm()
	f.Values["category"] = c.QueryParam("category")
	f.Values["title"] = c.QueryParam("title")
	return h.renderAsk(c, http.StatusOK, f, f.Values["title"] != "")
}

// renderAsk shows the ask form; with check it also lists solved questions
// similar to the title typed.
func (h *Handler) renderAsk(c echo.Context, code int, f form, check bool) error {
	ctx := c.Request().Context()
	cats, err := h.store.Categories(ctx, currentUser(c))
	if err != nil {
		return err
	}
	p := askPage{page: h.page(c, "Ask a question"), Categories: cats, Form: f, Checked: check}
	p.NoIndex = true
	if p.Incidents, err = h.store.OpenIncidents(ctx, 0, p.User); err != nil {
		return err
	}
	if check {
		if p.Similar, err = h.store.Similar(ctx, f.Values["title"], p.User); err != nil {
			return err
		}
	}
	return h.render(c, code, "ask", p)
}

func (h *Handler) createThread(c echo.Context) error {
	f := fromRequest(c, "title", "category", "body", "tags")
	if c.FormValue("check") == "1" {
		return h.renderAsk(c, http.StatusOK, f, true)
	}
	t, err := h.store.CreateThread(c.Request().Context(), currentUser(c), models.NewThread{
		Title: f.Values["title"], CategorySlug: f.Values["category"], Body: f.Values["body"], Tags: f.Values["tags"],
	})
	if f.withError(err) {
		return h.renderAsk(c, http.StatusUnprocessableEntity, f, false)
	}
	if err != nil {
		return err
	}
	h.store.CountVisit(visitorKey(c), models.Event{Metric: models.MetricAsked}) // this search session did not end on an answer
	return c.Redirect(http.StatusSeeOther, t.URL())
}
