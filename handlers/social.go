package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/tweets"
)

// MaxUpload is the largest file the import page accepts.
const MaxUpload = 64 << 20

type inboxPage struct {
	page
	Inbox      *models.InboxPage
	View       models.InboxQuery // not Query: that is the layout's search text
	Statuses   []string
	Categories []models.Category
	Pager      pager
	Form       form
	Ticked     map[string]bool // items kept ticked when the form is shown again
}

// URL is this view with another status, language or rule.
func (p inboxPage) URL(status, lang string, rule int64) string {
	q := url.Values{}
	if status != "" && status != "new" {
		q.Set("status", status)
	}
	if lang != "" {
		q.Set("lang", lang)
	}
	if rule != 0 {
		q.Set("rule", strconv.FormatInt(rule, 10))
	}
	if len(q) == 0 {
		return "/mod/social"
	}
	return "/mod/social?" + q.Encode()
}

// PageURL is page n of this view; the triage form returns to its own page.
func (p inboxPage) PageURL(n int) string {
	u := p.URL(p.View.Status, p.View.Lang, p.View.RuleID)
	if n <= 1 {
		return u
	}
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + "page=" + strconv.Itoa(n)
}

// inboxQuery reads the view from a query string: the inbox's own, or that
// of the address the triage form returns to.
func inboxQuery(v url.Values) models.InboxQuery {
	rule, _ := strconv.ParseInt(v.Get("rule"), 10, 64)
	page, err := strconv.Atoi(v.Get("page"))
	if err != nil || page < 1 {
		page = 1
	}
	return models.InboxQuery{Status: oneOf(v.Get("status"), models.InboxStatuses()...), Lang: v.Get("lang"), RuleID: rule, Page: page}
}

func (h *Handler) showSocial(c echo.Context) error {
	return h.renderSocial(c, http.StatusOK, inboxQuery(c.QueryParams()), newForm(), nil)
}

func (h *Handler) renderSocial(c echo.Context, code int, q models.InboxQuery, f form, ticked map[string]bool) error {
	ctx := c.Request().Context()
	u := currentUser(c)
	inbox, err := h.store.Inbox(ctx, u, q)
	if err != nil {
		return err
	}
	cats, err := h.store.Categories(ctx, u)
	if err != nil {
		return err
	}
	p := inboxPage{page: h.page(c, "Social inbox"), Inbox: inbox, View: q, Statuses: models.InboxStatuses(), Categories: cats,
		Form: f, Ticked: ticked}
	p.Pager = makePager(inbox.Paging, p.PageURL)
	p.NoIndex = true
	return h.render(c, code, "social", p)
}

// triageSocial handles the inbox's one form: an action on the checked items.
// A refused action shows the inbox again with the choices and items kept.
func (h *Handler) triageSocial(c echo.Context) error {
	ctx := c.Request().Context()
	u := currentUser(c)
	params, err := c.FormParams()
	if err != nil {
		return echo.ErrBadRequest
	}
	f := fromRequest(c, "action", "category", "title", "thread")
	items := params["items"]
	back := "/mod/social"
	if r := c.FormValue("back"); r != "" {
		back = localPath(r)
	}
	var msg string
	switch f.Values["action"] {
	case "convert":
		var n int
		n, err = h.store.ConvertSocial(ctx, u, items, f.Values["category"], f.Values["title"])
		msg = fmt.Sprintf("%s created.", Plural(n, "thread", "threads"))
	case "append":
		id, _ := threadRef(f.Values["thread"])
		err = h.store.AppendSocial(ctx, u, items, id)
		msg = "Added to the thread."
	case "dismiss", "spam", "restore":
		status := map[string]string{"dismiss": "dismissed", "spam": "spam", "restore": "new"}[f.Values["action"]]
		var n int
		n, err = h.store.SetSocialStatus(ctx, u, items, status)
		msg = fmt.Sprintf("%s updated.", Plural(n, "item", "items"))
	default:
		err = &models.ValidationError{Fields: map[string]string{"action": "Choose what to do with the selected items."}}
	}
	if refused(f, err) {
		ticked := make(map[string]bool, len(items))
		for _, id := range items {
			ticked[id] = true
		}
		var q url.Values
		if bu, perr := url.Parse(back); perr == nil {
			q = bu.Query()
		}
		return h.renderSocial(c, http.StatusUnprocessableEntity, inboxQuery(q), f, ticked)
	}
	return h.done(c, err, back, msg)
}

type rulesPage struct {
	page
	Rules      []models.SocialRule
	Categories []models.Category
	Form       form
}

func (h *Handler) showRules(c echo.Context) error { return h.renderRules(c, http.StatusOK, newForm()) }

func (h *Handler) renderRules(c echo.Context, code int, f form) error {
	ctx := c.Request().Context()
	rules, err := h.store.SocialRules(ctx)
	if err != nil {
		return err
	}
	cats, err := h.store.Categories(ctx, currentUser(c))
	if err != nil {
		return err
	}
	p := rulesPage{page: h.page(c, "Watch rules"), Rules: rules, Categories: cats, Form: f}
	p.NoIndex = true
	return h.render(c, code, "social_rules", p)
}

func (h *Handler) createRule(c echo.Context) error {
	f := fromRequest(c, "name", "keywords", "handles", "hashtags", "exclusions", "category", "trusted")
	_, err := h.store.CreateSocialRule(c.Request().Context(), currentUser(c), models.NewSocialRule{Name: f.Values["name"],
		Keywords: f.Values["keywords"], Handles: f.Values["handles"], Hashtags: f.Values["hashtags"], Exclusions: f.Values["exclusions"],
		CategorySlug: f.Values["category"], Trusted: f.Values["trusted"] == "1"})
	if f.withError(err) {
		return h.renderRules(c, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	h.flash(c, "The rule is saved. It applies to posts imported or fetched from now on.")
	return c.Redirect(http.StatusSeeOther, "/mod/social/rules")
}

func (h *Handler) deactivateRule(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	return h.done(c, h.store.DeactivateSocialRule(c.Request().Context(), currentUser(c), id), "/mod/social/rules", "The rule is switched off.")
}

type importPage struct {
	page
	Form       form
	Categories []models.Category
	Job        *models.ImportJob
	Running    bool
	Threads    []models.ImportedThread // what this import created (the first of them)
	ThreadsAll int
	Space      string // the free disk space, and what an import needs
}

func (h *Handler) showImport(c echo.Context) error {
	f := newForm()
	f.Values["category"] = "general"
	f.Values["triage"] = "1" // the inbox unless the moderator chooses to publish
	return h.renderImport(c, http.StatusOK, f)
}

func (h *Handler) renderImport(c echo.Context, code int, f form) error {
	cats, err := h.store.Categories(c.Request().Context(), currentUser(c))
	if err != nil {
		return err
	}
	p := importPage{page: h.page(c, "Import from X"), Form: f, Categories: cats}
	p.NoIndex = true
	if free, err := h.store.FreeSpace(); err == nil {
		need, _ := models.ImportSpace()
		p.Space = fmt.Sprintf("%s free on the database's disk. An import needs about %s for its WAL plus %d times the size of "+
			"the tweets it holds; a file that would not fit is refused before anything is imported.",
			models.ByteSize(free), models.ByteSize(need), models.ImportGrowth)
	}
	return h.render(c, code, "social_import", p)
}

// uploadImport keeps the upload where the import worker reads it (its
// directory, or the bucket the servers share) and queues a job for it; the
// browser is sent to a page that shows the progress.
func (h *Handler) uploadImport(c echo.Context) error {
	u := currentUser(c)
	f := fromRequest(c, "category", "brand_handle", "triage")
	fh, err := c.FormFile("file")
	if err != nil {
		f.Errors["file"] = "Choose a file to import."
		return h.renderImport(c, http.StatusUnprocessableEntity, f)
	}
	src, err := fh.Open()
	if err != nil {
		return err
	}
	defer src.Close()
	tmp, err := h.imports.CreateFile(filepath.Ext(fh.Filename))
	if err != nil {
		return err
	}
	// The copy is the job's from the moment it is queued; until then every
	// way out of here removes it (kept is where it is by then).
	handedOff := false
	kept := tmp.Name()
	defer func() {
		if !handedOff {
			if err := h.imports.Discard(context.WithoutCancel(c.Request().Context()), kept); err != nil {
				h.log.Error("remove an upload whose import was not queued", "err", err)
			}
		}
	}()
	if _, err := io.Copy(tmp, src); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	// Check the format now (for a ZIP, its directory), so a wrong file is
	// refused on the form, not later.
	if _, err := h.imports.CheckFile(tmp.Name()); err != nil {
		switch {
		case errors.Is(err, tweets.ErrUnknownFormat):
			f.Errors["file"] = "This file is in no format Crowdcare knows (" + err.Error() + "). Nothing was imported."
		case errors.Is(err, tweets.ErrTooLarge):
			f.Errors["file"] = "This file was refused (" + err.Error() + "). Nothing was imported."
		default:
			return err
		}
		return h.renderImport(c, http.StatusUnprocessableEntity, f)
	}
	// Refused before it starts when the disk cannot hold it: a full disk
	// stops every write of the site, not only the import's.
	need, err := models.ImportSpace(tmp.Name())
	if err == nil {
		err = h.store.CheckImportSpace(need)
	}
	if se := (*models.SpaceError)(nil); errors.As(err, &se) {
		f.Errors["file"] = fmt.Sprintf("There is not enough free disk space to import this file: %s free on the database's disk, "+
			"about %s needed. Nothing was imported; free some space and upload it again.", models.ByteSize(se.Free), models.ByteSize(se.Need))
		return h.renderImport(c, http.StatusInsufficientStorage, f)
	}
	if err != nil {
		return err
	}
	// The form's choice: "1" sends everything to the triage inbox (also
	// what the old checkbox sent), "0" publishes threads.
	opts := models.ImportOptions{BrandHandles: []string{f.Values["brand_handle"]}, Category: f.Values["category"],
		Triage: f.Values["triage"] == "1", Actor: u, Source: "upload", Files: []string{fh.Filename}}
	ctx := c.Request().Context()
	err = h.store.CheckImportOptions(ctx, opts)
	if f.withError(err) {
		return h.renderImport(c, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	if kept, err = h.imports.Keep(ctx, tmp.Name()); err != nil {
		return err
	}
	job, err := h.store.QueueImportJob(ctx, u, fh.Filename, kept, opts)
	if err != nil {
		return err
	}
	handedOff = true
	h.imports.Wake()
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/mod/social/import/%d", job))
}

func (h *Handler) showImportJob(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	job, err := h.store.ImportJob(c.Request().Context(), id)
	if err != nil {
		return err
	}
	p := importPage{page: h.page(c, "Import progress"), Job: job, Running: job.Running()}
	if !p.Running {
		if p.Threads, p.ThreadsAll, err = h.store.JobThreads(c.Request().Context(), job, 200); err != nil {
			return err
		}
	}
	p.NoIndex = true
	return h.render(c, http.StatusOK, "social_job", p)
}
