package handlers

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
)

type kbIndexPage struct {
	page
	Sections []kbSection // one per category, on the overview
	Category *models.Category
	List     *models.ArticleList // one category's articles, paged
	Pager    pager
}

// Item is an article of the lists, with the brand its "Reviewed by" names.
func (p kbIndexPage) Item(a *models.Article) kbItem { return kbItem{Article: a, Brand: p.Brand.Name} }

type kbItem struct {
	*models.Article
	Brand string
}

type kbSection struct {
	Category models.Category
	Articles []*models.Article
	More     int
	Capped   bool // the category has more than the 1,000 articles a list counts
}

// showKB renders GET /kb (every category's most helpful articles) and
// GET /kb?c=slug (one category, paged).
func (h *Handler) showKB(c echo.Context) error {
	ctx := c.Request().Context()
	p := kbIndexPage{page: h.page(c, "Knowledge base")}
	p.Description = "Solutions to common problems: answers the community accepted, some reviewed by our team."
	p.Canonical = h.cfg.BaseURL + "/kb"
	curator := p.User.Can(models.PermCurateKB)
	if slug := c.QueryParam("c"); slug != "" {
		cat, err := h.store.CategoryBySlug(ctx, slug)
		if err != nil {
			return err
		}
		if err := h.checkCategory(c, cat.ID); err != nil {
			return err
		}
		p.Category, p.Title = cat, "Knowledge base: "+cat.Name
		if p.List, err = h.store.Articles(ctx, models.ArticleQuery{CategoryID: cat.ID, Page: pageOf(c), IncludeHidden: curator, Viewer: p.User}); err != nil {
			return err
		}
		p.Pager = makePager(p.List.Paging, func(n int) string {
			return "/kb?" + url.Values{"c": {cat.Slug}, "page": {strconv.Itoa(n)}}.Encode()
		})
		p.Canonical = h.cfg.BaseURL + "/kb?c=" + url.QueryEscape(cat.Slug)
		return h.render(c, http.StatusOK, "kb", p)
	}
	cats, err := h.store.Categories(ctx, p.User)
	if err != nil {
		return err
	}
	for _, cat := range cats {
		list, err := h.store.Articles(ctx, models.ArticleQuery{CategoryID: cat.ID, PerPage: 5, IncludeHidden: curator, Viewer: p.User})
		if err != nil {
			return err
		}
		if len(list.Articles) > 0 {
			p.Sections = append(p.Sections, kbSection{Category: cat, Articles: list.Articles, More: list.Total - len(list.Articles),
				Capped: list.More})
		}
	}
	return h.render(c, http.StatusOK, "kb", p)
}

type articlePage struct {
	page
	Article   *models.Article
	Vote      int // the viewer's vote: 1, -1 or 0
	Curator   bool
	Answers   []*models.Post // candidates to promote, for curators
	Form      form
	Revisions []models.ArticleRevision
	JSONLD    any
}

// loadArticle reads the :id article the viewer may see (models.CanSeeArticle);
// any other is "not found", so its existence does not leak.
func (h *Handler) loadArticle(c echo.Context) (*models.Article, error) {
	id, err := pathID(c)
	if err != nil {
		return nil, err
	}
	ctx := c.Request().Context()
	a, err := h.store.Article(ctx, id)
	if err != nil {
		return nil, err
	}
	ok, err := h.store.CanSeeArticle(ctx, currentUser(c), a)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, models.ErrNotFound
	}
	return a, nil
}

// showArticle renders GET /kb/:id/:slug. A visitor's page, without a vote
// of theirs to show, holds nothing of theirs (the vote form takes no token
// from them: visitorVote), so the page cache keeps it for every visitor.
func (h *Handler) showArticle(c echo.Context) error {
	a, err := h.loadArticle(c)
	if err != nil {
		return err
	}
	if c.Param("slug") != a.Slug {
		return c.Redirect(http.StatusMovedPermanently, a.URL())
	}
	h.count(c, models.Event{Metric: models.MetricViewArticle})
	return h.renderArticle(c, http.StatusOK, a, newForm())
}

// renderArticle shows an article.
func (h *Handler) renderArticle(c echo.Context, code int, a *models.Article, f form) error {
	ctx := c.Request().Context()
	p := articlePage{page: h.page(c, a.Title), Article: a, Form: f}
	p.Curator = p.User.Can(models.PermCurateKB)
	p.Description = h.summary(a.ProblemMD, 160)
	p.Canonical = h.cfg.BaseURL + a.URL()
	p.NoIndex = !a.Published
	var err error
	// A visitor with no voter id has not voted: no need to ask.
	if voter := h.kbVoter(c, false); voter != "" {
		if p.Vote, err = h.store.ArticleVote(ctx, a.ID, voter); err != nil {
			return err
		}
	}
	p.JSONLD = h.articleJSONLD(a)
	if p.Curator {
		t, err := h.store.Thread(ctx, a.ThreadID)
		if err != nil {
			return err
		}
		posts, err := h.store.ThreadPosts(ctx, t, 1, p.User)
		if err != nil {
			return err
		}
		for _, ans := range append([]*models.Post{posts.Accepted}, posts.Answers...) {
			if ans != nil && !ans.Deleted && !ans.Hidden && !ans.Pending && ans.ID != a.PostID {
				p.Answers = append(p.Answers, ans)
			}
		}
		if p.Revisions, err = h.store.ArticleRevisions(ctx, a.ID); err != nil {
			return err
		}
	}
	return h.render(c, code, "article", p)
}

// kbVoter identifies who votes on an article: the user, or for a visitor a
// random id kept in their session (made when create is set). A visitor's
// session with a voter id makes their article pages their own
// (personalSession): they show the vote.
func (h *Handler) kbVoter(c echo.Context, create bool) string {
	if u := currentUser(c); u != nil {
		return fmt.Sprintf("u:%d", u.ID)
	}
	s := h.session(c)
	if vid, ok := s.Values[voterKey].(string); ok && vid != "" {
		return "s:" + vid
	}
	if !create {
		return ""
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return ""
	}
	vid := hex.EncodeToString(b)
	s.Values[voterKey] = vid
	if err := s.Save(c.Request(), c.Response()); err != nil {
		h.log.Error("save visitor id", "err", err)
		return ""
	}
	return "s:" + vid
}

// voterKey holds a visitor's voter id in their session.
const voterKey = "vid"

// voteArticle handles POST /kb/:id/vote (helpful=yes|no), for visitors too:
// a member's request carries the CSRF token, a visitor's must come from this
// site (visitorVote).
func (h *Handler) voteArticle(c echo.Context) error {
	a, err := h.loadArticle(c)
	if err != nil {
		return err
	}
	helpful := c.FormValue("helpful")
	if helpful != "yes" && helpful != "no" {
		return echo.NewHTTPError(http.StatusBadRequest, "Choose yes or no.")
	}
	voter := h.kbVoter(c, true)
	if voter == "" {
		return fmt.Errorf("no voter id for article %d", a.ID)
	}
	// A visitor's ratings count against their address: a request without
	// a cookie gets a new voter id each time.
	addr := ""
	if currentUser(c) == nil {
		if addr, err = clientAddress(c); err != nil {
			return err
		}
	}
	if err := h.store.VoteArticle(c.Request().Context(), a.ID, voter, addr, helpful == "yes"); err != nil {
		return err
	}
	h.flash(c, "Thanks for your feedback!")
	return c.Redirect(http.StatusSeeOther, a.URL()+"#feedback")
}
