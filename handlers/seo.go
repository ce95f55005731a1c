package handlers

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
)

type ldPerson struct {
	Type string `json:"@type"`
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

type ldAnswer struct {
	Type        string   `json:"@type"`
	Text        string   `json:"text"`
	DateCreated string   `json:"dateCreated"`
	UpvoteCount int      `json:"upvoteCount"`
	URL         string   `json:"url"`
	Author      ldPerson `json:"author"`
}

type ldQuestion struct {
	Type            string     `json:"@type"`
	Name            string     `json:"name"`
	Text            string     `json:"text"`
	AnswerCount     int        `json:"answerCount"`
	DateCreated     string     `json:"dateCreated"`
	Author          ldPerson   `json:"author"`
	AcceptedAnswer  *ldAnswer  `json:"acceptedAnswer,omitempty"`
	SuggestedAnswer []ldAnswer `json:"suggestedAnswer,omitempty"`
}

type ldQAPage struct {
	Context    string     `json:"@context"`
	Type       string     `json:"@type"`
	MainEntity ldQuestion `json:"mainEntity"`
}

func person(base string, u models.UserRef) ldPerson {
	if u.Deleted() {
		return ldPerson{Type: "Person", Name: models.DeletedMemberName} // no profile left to link to
	}
	return ldPerson{Type: "Person", Name: u.Username, URL: base + u.URL()}
}

// authorName is how a feed names an author.
func authorName(u models.UserRef) string {
	if u.Deleted() {
		return models.DeletedMemberName
	}
	return u.Username
}

func ldTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// qaPageJSONLD describes a thread for search engines: schema.org QAPage.
func (h *Handler) qaPageJSONLD(t *models.Thread, posts *models.ThreadPosts) ldQAPage {
	base := h.cfg.BaseURL
	answer := func(p *models.Post) ldAnswer {
		return ldAnswer{Type: "Answer", Text: h.summary(p.BodyMD, 2000), DateCreated: ldTime(p.CreatedAt),
			UpvoteCount: p.HelpfulCount, URL: base + t.URL() + "#" + p.Anchor(), Author: person(base, p.Author)}
	}
	q := ldQuestion{Type: "Question", Name: t.Title, Text: h.summary(posts.Question.BodyMD, 2000),
		AnswerCount: t.AnswerCount, DateCreated: ldTime(t.CreatedAt), Author: person(base, t.Author)}
	if a := posts.Accepted; a != nil && !a.Deleted {
		acc := answer(a)
		q.AcceptedAnswer = &acc
	}
	for _, p := range posts.Answers {
		if !p.Deleted {
			q.SuggestedAnswer = append(q.SuggestedAnswer, answer(p))
		}
	}
	return ldQAPage{Context: "https://schema.org", Type: "QAPage", MainEntity: q}
}

type ldArticle struct {
	Context       string   `json:"@context"`
	Type          string   `json:"@type"`
	Headline      string   `json:"headline"`
	Description   string   `json:"description"`
	ArticleBody   string   `json:"articleBody"`
	DatePublished string   `json:"datePublished"`
	DateModified  string   `json:"dateModified"`
	URL           string   `json:"url"`
	Author        ldPerson `json:"author"`
	Keywords      string   `json:"keywords,omitempty"`
}

func (h *Handler) articleJSONLD(a *models.Article) ldArticle {
	base := h.cfg.BaseURL
	return ldArticle{Context: "https://schema.org", Type: "Article", Headline: a.Title,
		Description: h.summary(a.ProblemMD, 300), ArticleBody: h.summary(a.SolutionMD, 5000),
		DatePublished: ldTime(a.CreatedAt), DateModified: ldTime(a.UpdatedAt), URL: base + a.URL(),
		Author: person(base, a.Author), Keywords: joinTags(a.Tags)}
}

// sitemap XML, https://www.sitemaps.org/protocol.html
type urlSet struct {
	XMLName xml.Name     `xml:"urlset"`
	NS      string       `xml:"xmlns,attr"`
	URLs    []sitemapURL `xml:"url"`
}

type sitemapURL struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod,omitempty"`
}

type sitemapIndex struct {
	XMLName  xml.Name     `xml:"sitemapindex"`
	NS       string       `xml:"xmlns,attr"`
	Sitemaps []sitemapURL `xml:"sitemap"`
}

const sitemapNS = "http://www.sitemaps.org/schemas/sitemap/0.9"

// showSitemap serves GET /sitemap.xml: solved threads and published articles.
// Past one file's worth it becomes an index of /sitemap.xml?page=N files,
// and only those N answer. It reads every solved thread, so the page cache
// keeps it for sitemapTTL whatever is written (pagecache.go).
func (h *Handler) showSitemap(c echo.Context) error {
	ctx := c.Request().Context()
	pageNo := 0 // the sitemap itself: the only file, or the index
	if c.QueryParams().Has("page") {
		// One address for each file: "?page=01", "?page=0" and the like are not one.
		n, err := strconv.Atoi(c.QueryParam("page"))
		if err != nil || n < 1 || strconv.Itoa(n) != c.QueryParam("page") {
			return echo.ErrNotFound
		}
		pageNo = n
	}
	total, err := h.store.SitemapCount(ctx)
	if err != nil {
		return err
	}
	files := max(1, (total+h.sitemapPerFile-1)/h.sitemapPerFile)
	if pageNo > files {
		return echo.ErrNotFound
	}
	if pageNo == 0 && files > 1 {
		idx := sitemapIndex{NS: sitemapNS}
		for n := 1; n <= files; n++ {
			idx.Sitemaps = append(idx.Sitemaps, sitemapURL{Loc: fmt.Sprintf("%s/sitemap.xml?page=%d", h.cfg.BaseURL, n)})
		}
		return h.writeXML(c, "application/xml; charset=utf-8", idx)
	}
	entries, err := h.store.SitemapEntries(ctx, max(1, pageNo), h.sitemapPerFile)
	if err != nil {
		return err
	}
	set := urlSet{NS: sitemapNS, URLs: []sitemapURL{{Loc: h.cfg.BaseURL + "/"}, {Loc: h.cfg.BaseURL + "/kb"}}}
	for _, e := range entries {
		set.URLs = append(set.URLs, sitemapURL{Loc: h.cfg.BaseURL + e.Path, LastMod: e.LastMod.UTC().Format("2006-01-02")})
	}
	return h.writeXML(c, "application/xml; charset=utf-8", set)
}

func (h *Handler) writeXML(c echo.Context, contentType string, doc any) error {
	b, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("marshal XML: %w", err)
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.Blob(http.StatusOK, contentType, append([]byte(xml.Header), b...))
}

// showRobots serves GET /robots.txt.
func (h *Handler) showRobots(c echo.Context) error {
	body := "User-agent: *\n" +
		"Disallow: /search\n" +
		"Disallow: /login\n" +
		"Disallow: /register\n" +
		"Disallow: /ask\n" +
		"Disallow: /p/\n" +
		"Allow: /\n\n" +
		"Sitemap: " + h.cfg.BaseURL + "/sitemap.xml\n"
	c.Response().Header().Set("Cache-Control", "public, max-age=3600")
	return c.String(http.StatusOK, body)
}

// Atom, RFC 4287.
type atomFeed struct {
	XMLName xml.Name    `xml:"feed"`
	NS      string      `xml:"xmlns,attr"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	Title   string     `xml:"title"`
	ID      string     `xml:"id"`
	Updated string     `xml:"updated"`
	Link    atomLink   `xml:"link"`
	Author  atomAuthor `xml:"author"`
	Summary string     `xml:"summary"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

const feedSize = 30

func (h *Handler) feed(title, self, alternate string) atomFeed {
	return atomFeed{NS: "http://www.w3.org/2005/Atom", Title: title, ID: h.cfg.BaseURL + self,
		Updated: ldTime(time.Unix(0, 0)),
		Links:   []atomLink{{Rel: "self", Href: h.cfg.BaseURL + self}, {Rel: "alternate", Href: h.cfg.BaseURL + alternate}}}
}

func (f *atomFeed) add(e atomEntry, updated time.Time) {
	if u := ldTime(updated); u > f.Updated {
		f.Updated = u
	}
	f.Entries = append(f.Entries, e)
}

// showFeed serves GET /feed.atom: the latest questions.
func (h *Handler) showFeed(c echo.Context) error {
	list, err := h.store.Threads(c.Request().Context(), models.ThreadQuery{Page: 1})
	if err != nil {
		return err
	}
	f := h.feed(h.siteName(c.Request().Context())+": latest questions", "/feed.atom", "/")
	for _, t := range list.Threads {
		f.add(atomEntry{Title: t.Title, ID: h.cfg.BaseURL + "/t/" + strconv.FormatInt(t.ID, 10), Updated: ldTime(t.CreatedAt),
			Link: atomLink{Href: h.cfg.BaseURL + t.URL()}, Author: atomAuthor{Name: authorName(t.Author)},
			Summary: t.Category.Name + ": " + Plural(t.AnswerCount, "answer", "answers")}, t.CreatedAt)
	}
	return h.writeXML(c, "application/atom+xml; charset=utf-8", f)
}

// showKBFeed serves GET /kb/feed.atom: the latest published articles.
func (h *Handler) showKBFeed(c echo.Context) error {
	list, err := h.store.Articles(c.Request().Context(), models.ArticleQuery{Page: 1, PerPage: feedSize, Newest: true})
	if err != nil {
		return err
	}
	f := h.feed(h.siteName(c.Request().Context())+": knowledge base", "/kb/feed.atom", "/kb")
	for _, a := range list.Articles {
		f.add(atomEntry{Title: a.Title, ID: h.cfg.BaseURL + "/kb/" + strconv.FormatInt(a.ID, 10), Updated: ldTime(a.UpdatedAt),
			Link: atomLink{Href: h.cfg.BaseURL + a.URL()}, Author: atomAuthor{Name: authorName(a.Author)},
			Summary: h.summary(a.ProblemMD, 300)}, a.UpdatedAt)
	}
	return h.writeXML(c, "application/atom+xml; charset=utf-8", f)
}
