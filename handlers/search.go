package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
)

type searchPage struct {
	page
	Results    *models.SearchResults
	Categories []models.Category
	SolvedOnly bool
	Category   string
	Tag        string
	Pager      pager
}

// FilterURL is this search with the solved filter switched.
func (p searchPage) FilterURL(solved bool) string { return p.url(solved, 1) }

// EverywhereURL is this search without its filters.
func (p searchPage) EverywhereURL() string {
	return "/search?" + url.Values{"q": {p.Query}}.Encode()
}

// PageURL is the pager's link to another page of results.
func (p searchPage) PageURL(n int) string { return p.url(p.SolvedOnly, n) }

// SuggestionURL is this search with the suggested query ("Did you mean").
func (p searchPage) SuggestionURL() string {
	if p.Results == nil {
		return ""
	}
	p.Query = p.Results.Suggestion
	return p.url(p.SolvedOnly, 1)
}

func (p searchPage) url(solved bool, n int) string {
	q := url.Values{"q": {p.Query}}
	if solved {
		q.Set("solved", "1")
	}
	if p.Category != "" {
		q.Set("c", p.Category)
	}
	if p.Tag != "" {
		q.Set("tag", p.Tag)
	}
	if n > 1 {
		q.Set("page", strconv.Itoa(n))
	}
	return "/search?" + q.Encode()
}

// showSearch renders GET /search?q=…&solved=1&c=…&tag=…&page=….
func (h *Handler) showSearch(c echo.Context) error {
	ctx := c.Request().Context()
	p := searchPage{page: h.page(c, "Search"), SolvedOnly: c.QueryParam("solved") == "1",
		Category: c.QueryParam("c"), Tag: c.QueryParam("tag")}
	// Result pages are endless combinations: keep them out of search engines.
	p.NoIndex = true
	var err error
	if p.Categories, err = h.store.Categories(ctx, p.User); err != nil {
		return err
	}
	if strings.TrimSpace(p.Query) != "" {
		p.Title = "Search: " + p.Query
		p.Results, err = h.store.Search(ctx, models.SearchQuery{Text: p.Query, SolvedOnly: p.SolvedOnly, Viewer: p.User,
			Category: p.Category, Tag: p.Tag, Page: pageOf(c)})
		if err != nil {
			return err
		}
		if pageOf(c) == 1 {
			h.count(c, models.SearchEvents(p.Query, p.Results.Total)...)
		}
		p.Pager = makePager(p.Results.Paging, p.PageURL)
		p.Pager.PrevLabel, p.Pager.NextLabel = "Better matches", "More results"
	}
	return h.render(c, http.StatusOK, "search", p)
}

type similarHit struct {
	Title  string `json:"title"`
	URL    string `json:"url"`
	Kind   string `json:"kind"`
	Status string `json:"status"`
}

// showSimilar answers GET /search/similar?q=… with up to five solved threads
// or articles as JSON, for the ask page's script.
func (h *Handler) showSimilar(c echo.Context) error {
	hits, err := h.store.Similar(c.Request().Context(), c.QueryParam("q"), currentUser(c))
	if err != nil {
		return err
	}
	out := make([]similarHit, 0, len(hits))
	for _, hit := range hits {
		s := similarHit{Title: hit.Title, URL: hit.URL, Kind: "thread", Status: "Solved"}
		if hit.IsArticle {
			s.Kind, s.Status = "kb", "Knowledge base"
		}
		out = append(out, s)
	}
	c.Response().Header().Set(echo.HeaderCacheControl, ccNoStore)
	return c.JSON(http.StatusOK, map[string]any{"results": out})
}

type searchAdminPage struct {
	page
	Form     form
	Defaults string
}

// showAdminSearch renders GET /admin/search: the synonym list.
func (h *Handler) showAdminSearch(c echo.Context) error {
	text, err := h.store.SearchSynonyms(c.Request().Context())
	if err != nil {
		return err
	}
	f := newForm()
	f.Values["synonyms"] = text
	return h.renderAdminSearch(c, http.StatusOK, f)
}

func (h *Handler) renderAdminSearch(c echo.Context, code int, f form) error {
	p := searchAdminPage{page: h.page(c, "Search"), Form: f, Defaults: models.DefaultSearchSynonyms}
	p.NoIndex = true
	return h.render(c, code, "admin_search", p)
}

// saveAdminSearch handles POST /admin/search: a new synonym list, or the
// defaults again (restore=1). It applies to the next search.
func (h *Handler) saveAdminSearch(c echo.Context) error {
	f := fromRequest(c, "synonyms")
	if c.FormValue("restore") == "1" {
		f.Values["synonyms"] = models.DefaultSearchSynonyms
	}
	err := h.store.SetSearchSynonyms(c.Request().Context(), currentUser(c), f.Values["synonyms"])
	if f.withError(err) {
		return h.renderAdminSearch(c, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	h.flash(c, "Synonyms saved: they apply to the next search.")
	return c.Redirect(http.StatusSeeOther, "/admin/search")
}
