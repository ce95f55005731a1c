package handlers

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
)

type profilePage struct {
	page
	Profile   *models.Profile
	Tab       string
	Questions *models.ThreadList // the questions tab's, or the watching tab's threads
	Answers   *models.AnswerList
	Pager     pager
	Own       bool // the viewer's own profile: it also lists what they watch
}

// PageURL is the pager's link within the current tab.
func (p profilePage) PageURL(n int) string {
	q := url.Values{"tab": {p.Tab}}
	if n > 1 {
		q.Set("page", strconv.Itoa(n))
	}
	return p.Profile.User.URL() + "?" + q.Encode()
}

func (h *Handler) showProfile(c echo.Context) error {
	ctx := c.Request().Context()
	prof, err := h.store.Profile(ctx, c.Param("username"), currentUser(c))
	if err != nil {
		return err
	}
	p := profilePage{page: h.page(c, prof.User.Username), Profile: prof,
		Tab: oneOf(c.QueryParam("tab"), "questions", "answers", "watching")}
	p.Own = p.User != nil && p.User.ID == prof.User.ID
	if p.Tab == "watching" && !p.Own {
		p.Tab = "questions" // what a member watches is theirs alone
	}
	p.Description = prof.User.Username + "'s questions and answers on " + h.cfg.SiteName + "."
	switch p.Tab {
	case "answers":
		p.Answers, err = h.store.UserAnswers(ctx, prof.User.ID, pageOf(c), p.User)
	case "watching":
		p.Questions, err = h.store.Threads(ctx, models.ThreadQuery{WatchedBy: prof.User.ID, Sort: models.SortActive, Page: pageOf(c), Viewer: p.User})
	default:
		p.Questions, err = h.store.Threads(ctx, models.ThreadQuery{AuthorID: prof.User.ID, Page: pageOf(c), Viewer: p.User})
	}
	if err != nil {
		return err
	}
	if p.Answers != nil {
		p.Pager = makePager(p.Answers.Paging, p.PageURL)
	} else {
		p.Pager = makePager(p.Questions.Paging, p.PageURL)
	}
	return h.render(c, http.StatusOK, "profile", p)
}
