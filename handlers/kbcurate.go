package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
)

// requirePerm refuses anyone whose role lacks p: checked on the server for
// every staff route, whatever the page shows.
func requirePerm(p models.Permission) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !currentUser(c).Can(p) {
				return models.ErrForbidden
			}
			return next(c)
		}
	}
}

type articleEditPage struct {
	page
	Article *models.Article
	Form    form
}

func (h *Handler) showEditArticle(c echo.Context) error {
	a, err := h.loadArticle(c)
	if err != nil {
		return err
	}
	f := newForm()
	f.Values["title"], f.Values["problem"], f.Values["solution"] = a.Title, a.ProblemMD, a.SolutionMD
	p := articleEditPage{page: h.page(c, "Edit article"), Article: a, Form: f}
	p.NoIndex = true
	return h.render(c, http.StatusOK, "article_edit", p)
}

func (h *Handler) editArticle(c echo.Context) error {
	a, err := h.loadArticle(c)
	if err != nil {
		return err
	}
	f := fromRequest(c, "title", "problem", "solution")
	err = h.store.EditArticle(c.Request().Context(), currentUser(c), a.ID,
		models.ArticleEdit{Title: f.Values["title"], Problem: f.Values["problem"], Solution: f.Values["solution"]})
	if f.withError(err) {
		p := articleEditPage{page: h.page(c, "Edit article"), Article: a, Form: f}
		p.NoIndex = true
		return h.render(c, http.StatusUnprocessableEntity, "article_edit", p)
	}
	if err != nil {
		return err
	}
	h.flash(c, "The article is saved and marked as reviewed.")
	// By id: the edit may have changed the title, and /kb/{id} leads to the current slug.
	return c.Redirect(http.StatusSeeOther, "/kb/"+strconv.FormatInt(a.ID, 10))
}

func (h *Handler) publishArticle(c echo.Context) error {
	a, err := h.loadArticle(c)
	if err != nil {
		return err
	}
	publish := c.FormValue("published") == "1"
	if err := h.store.SetArticlePublished(c.Request().Context(), currentUser(c), a.ID, publish); err != nil {
		return err
	}
	if publish {
		h.flash(c, "The article is published.")
	} else {
		h.flash(c, "The article is unpublished: only curators can see it.")
	}
	return c.Redirect(http.StatusSeeOther, a.URL())
}

func (h *Handler) markArticleOutdated(c echo.Context) error {
	a, err := h.loadArticle(c)
	if err != nil {
		return err
	}
	f := fromRequest(c, "note")
	outdated := c.FormValue("outdated") != "0"
	err = h.store.SetArticleOutdated(c.Request().Context(), currentUser(c), a.ID, outdated, f.Values["note"])
	if f.withError(err) {
		return h.renderArticle(c, http.StatusUnprocessableEntity, a, f)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, a.URL())
}

func (h *Handler) promoteAnswer(c echo.Context) error {
	a, err := h.loadArticle(c)
	if err != nil {
		return err
	}
	postID, err := strconv.ParseInt(c.FormValue("post_id"), 10, 64)
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Choose an answer to promote.")
	}
	back := a.URL()
	if err := h.store.PromoteAnswer(c.Request().Context(), currentUser(c), a.ID, postID); err != nil {
		return h.refuse(c, err, back)
	}
	h.flash(c, "The solution now comes from the answer you chose.")
	return c.Redirect(http.StatusSeeOther, back)
}
