package handlers

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/policy"
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
	p.Description = p.SiteName + ": ask questions, get answers from the community and our staff."
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
	Composer   composer // the answer form's
	// CanAccept is whether the viewer may accept answers here.
	CanAccept  bool
	Pager      pager
	Article    *models.Article // the thread's published KB article, if any
	JSONLD     template.HTML   // schema.org QAPage, rendered
	Watching   bool
	Staff      bool // shows the thread's moderation tools
	CanAnswer  bool
	Original   *models.Thread // what a duplicate points to
	Categories []models.Category
	Reasons    []string
	// ReplyOnX is the X web intent for answering the original tweet, for ambassadors.
	ReplyOnX string
	// voted holds the viewer's votes when Posts are shared with other viewers.
	voted map[int64]bool
	// flagged holds the posts the viewer has an open flag on.
	flagged map[int64]bool
	// postFlash holds the flash messages shown in their posts (placeFlashes).
	postFlash map[int64]string
	// renderPost turns a prepared post into HTML.
	renderPost func(postView) (template.HTML, error)
}

// placeFlashes moves the flash messages kept for a post on this page
// (flashAt) into that post, where the browser lands (its anchor); the rest
// stay at the top of the page.
func (p *threadPage) placeFlashes() {
	var kept []string
	var keptPosts []int64
	for i, msg := range p.Flashes {
		post := p.flashPosts[i]
		if post != 0 && p.Posts.Has(post) {
			if p.postFlash == nil {
				p.postFlash = map[int64]string{}
			}
			if prev := p.postFlash[post]; prev != "" {
				msg = prev + " " + msg
			}
			p.postFlash[post] = msg
			continue
		}
		kept, keptPosts = append(kept, msg), append(keptPosts, post)
	}
	p.Flashes, p.flashPosts = kept, keptPosts
}

func postIDs(posts []*models.Post) []int64 {
	ids := make([]int64, len(posts))
	for i, p := range posts {
		ids[i] = p.ID
	}
	return ids
}

// OtherAnswers counts the visible answers listed below the accepted one.
func (p threadPage) OtherAnswers() int {
	if p.Posts.Accepted != nil && !p.Posts.Accepted.Deleted {
		return p.Thread.AnswerCount - 1
	}
	return p.Thread.AnswerCount
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
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	// With the thread cache, the thread checked here is the entry's, and the
	// entry goes on to the render: one lookup per view.
	var e *threadEntry
	var t *models.Thread
	if h.threads != nil {
		if e, err = h.sharedThread(ctx, id, pageOf(c)); err != nil {
			return h.mergedOr(c, id, err)
		}
		t = e.thread
	} else if t, err = h.store.Thread(ctx, id); err != nil {
		return h.mergedOr(c, id, err)
	}
	if err := h.checkThread(c, t); err != nil {
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
	answer, _, err := h.takeDraft(c, fmt.Sprintf("/t/%d/answers", t.ID))
	if err != nil {
		return err
	}
	if answer.Values == nil {
		answer = newForm()
	}
	return h.renderThread(c, t, e, http.StatusOK, answer)
}

// mergedOr sends a visitor of a thread that an import merged into another
// of its conversation to that one; any other error stands.
func (h *Handler) mergedOr(c echo.Context, id int64, err error) error {
	if !errors.Is(err, models.ErrNotFound) {
		return err
	}
	to, merr := h.store.MergedInto(c.Request().Context(), id)
	if merr != nil {
		return err
	}
	return c.Redirect(http.StatusMovedPermanently, "/t/"+strconv.FormatInt(to, 10))
}

// renderThread shows a thread page the caller checked t for. e is the thread
// cache's entry for this page of t, if the caller has it; with a cache and
// without e (a rejected answer form shown again) it is looked up here.
// Viewers who see the thread as a visitor does get the shared parts from e;
// staff and the authors of its hidden or queued posts get it loaded and
// rendered for them alone.
func (h *Handler) renderThread(c echo.Context, t *models.Thread, e *threadEntry, code int, answer form) error {
	u := currentUser(c)
	ctx := c.Request().Context()
	var err error
	if e == nil && h.threads != nil {
		if e, err = h.sharedThread(ctx, t.ID, pageOf(c)); err != nil {
			return err
		}
	}
	shared := e != nil && e.plainFor(u)
	if shared && e.thread != t {
		// e came after the caller checked t (a write may have come in
		// between): all of the page comes from e, so e's thread is checked
		// again (it may have moved or gone).
		if err := h.checkThread(c, e.thread); err != nil {
			return err
		}
		t = e.thread
	}
	p := threadPage{page: h.page(c, t.Title), Thread: t, AnswerForm: answer.keyed(), Reasons: models.FlagReasons(),
		CanAccept: policy.MayAcceptIn(u.Actor(), models.PolicyThread(t)),
		Staff:     u.Can(models.PermLock) || u.Can(models.PermMove),
		CanAnswer: policy.MayAnswer(u.Actor(), models.PolicyThread(t)) == nil}
	if u != nil && p.CanAnswer {
		p.Composer = h.newComposer(c, p.AnswerForm, fmt.Sprintf("/t/%d/answers", t.ID), "Answer", 8)
	}
	parts := threadParts{}
	if shared {
		parts = e.threadParts
		if u != nil {
			vt, err := h.viewerOnThread(ctx, u, t.ID, e.posts.Page, e.posts.All())
			if err != nil {
				return err
			}
			p.voted, p.Watching, p.flagged = vt.voted, vt.watching, vt.flagged
		}
		csrf := p.CSRF
		p.renderPost = func(v postView) (template.HTML, error) { return h.postHTML(e, v, csrf) }
	} else {
		if parts, err = h.loadThreadParts(ctx, t, pageOf(c), u); err != nil {
			return err
		}
		p.renderPost = func(v postView) (template.HTML, error) { return h.fragment("thread", "post", v) }
		if u != nil {
			if p.Watching, err = h.store.Watching(ctx, u.ID, t.ID); err != nil {
				return err
			}
			if p.flagged, err = h.store.FlaggedPosts(ctx, u.ID, postIDs(parts.posts.All())); err != nil {
				return err
			}
		}
	}
	p.Posts, p.Article, p.JSONLD, p.Description = parts.posts, parts.article, parts.jsonLD, parts.description
	p.placeFlashes()
	if p.Original, err = h.visibleOriginal(ctx, u, parts.original); err != nil {
		return err
	}
	if p.Staff {
		if p.Categories, err = h.store.Categories(ctx, u); err != nil {
			return err
		}
	}
	p.Canonical = h.cfg.BaseURL + p.PageURL(p.Posts.Page)
	p.Pager = makePager(p.Posts.Paging, p.PageURL)
	if t.SourceID != "" && u.Can(models.PermTriageSocial) {
		link := h.cfg.BaseURL + t.URL()
		if p.Article != nil {
			link = h.cfg.BaseURL + p.Article.URL()
		}
		p.ReplyOnX = "https://x.com/intent/post?" + url.Values{"in_reply_to": {t.SourceID}, "text": {link}}.Encode()
	}
	p.Pager.PrevLabel, p.Pager.NextLabel = "Earlier answers", "Later answers"
	if t.Gone() {
		p.NoIndex = true
	}
	if shared && p.skeletonFits(answer) {
		// errNotShareable was logged where it was found; the page is
		// rendered for this viewer alone instead.
		if err := h.renderCachedThread(c, code, e, p); !errors.Is(err, errNotShareable) {
			return err
		}
	}
	return h.render(c, code, "thread", p)
}

// threadParts is what a thread page shows of one page of a thread besides
// the thread itself: loaded for the thread cache (as a visitor sees it) or
// for one viewer who sees more.
type threadParts struct {
	posts       *models.ThreadPosts
	article     *models.Article
	original    *models.Thread // what t duplicates, whoever may open it: see visibleOriginal
	jsonLD      template.HTML
	description string
}

// loadThreadParts loads page `page` of t as viewer u (nil: a visitor) sees it.
func (h *Handler) loadThreadParts(ctx context.Context, t *models.Thread, page int, u *models.User) (threadParts, error) {
	var p threadParts
	var err error
	if p.posts, err = h.store.ThreadPosts(ctx, t, page, u); err != nil {
		return p, err
	}
	if p.article, err = h.threadArticle(ctx, t); err != nil {
		return p, err
	}
	p.original = h.originalOf(ctx, t)
	p.description = h.summary(p.posts.Question.BodyMD, 160)
	if !t.Gone() {
		if p.jsonLD, err = h.fragment("thread", "jsonld", h.qaPageJSONLD(t, p.posts)); err != nil {
			return p, err
		}
	}
	return p, nil
}

// threadArticle is a solved thread's published KB article, or nil.
func (h *Handler) threadArticle(ctx context.Context, t *models.Thread) (*models.Article, error) {
	if !t.Solved() {
		return nil, nil
	}
	a, err := h.store.ArticleOfLoadedThread(ctx, t)
	if errors.Is(err, models.ErrNotFound) || (err == nil && !a.Published) {
		return nil, nil
	}
	return a, err
}

// originalOf is what a duplicate thread points to, if it can still be shown
// to someone: visibleOriginal says to whom.
func (h *Handler) originalOf(ctx context.Context, t *models.Thread) *models.Thread {
	if t.DuplicateOf == 0 {
		return nil
	}
	orig, err := h.store.Thread(ctx, t.DuplicateOf)
	if err != nil || orig.Gone() {
		return nil
	}
	return orig
}

// visibleOriginal is orig if the viewer may open it, else nil: the page then
// says the thread is closed as a duplicate without naming or linking a
// thread of a private category (it may have moved there since).
func (h *Handler) visibleOriginal(ctx context.Context, u *models.User, orig *models.Thread) (*models.Thread, error) {
	if orig == nil || orig.Category.Group == "" {
		return orig, nil
	}
	ok, err := h.store.CanSeeCategory(ctx, u, orig.Category.ID)
	if err != nil || !ok {
		return nil, err
	}
	return orig, nil
}

type askPage struct {
	page
	Categories []models.Category
	Incidents  []models.Incident
	Form       form
	Composer   composer
	Similar    []models.SearchHit
	Checked    bool // the user asked to check for similar questions
}

func (h *Handler) showAsk(c echo.Context) error {
	if f, ok, err := h.takeDraft(c, "/ask"); ok || err != nil {
		if err != nil {
			return err
		}
		return h.renderAsk(c, http.StatusOK, f, false)
	}
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
	p := askPage{page: h.page(c, "Ask a question"), Categories: cats, Form: f.keyed(), Checked: check}
	p.Composer = h.newComposer(c, p.Form, "/ask", "Details", 12)
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
	if err := h.attachFiles(c, f); err != nil {
		return err
	}
	f.Previewed = wantsPreview(c)
	if code, again := shownAgain(f); again {
		return h.renderAsk(c, code, f, c.FormValue("check") == "1")
	}
	if c.FormValue("check") == "1" {
		return h.renderAsk(c, http.StatusOK, f, true)
	}
	t, err := h.store.CreateThread(c.Request().Context(), currentUser(c), models.NewThread{
		Title: f.Values["title"], CategorySlug: f.Values["category"], Body: f.Values["body"], Tags: f.Values["tags"], Key: f.Key,
	})
	if code, ok := formStatus(c, f, err); ok {
		return h.renderAsk(c, code, f, false)
	}
	if err != nil {
		return err
	}
	h.store.MarkAsked(visitorKey(c)) // this search session did not end on an answer
	h.draftSent(c, "/ask")
	return c.Redirect(http.StatusSeeOther, t.URL())
}
