package handlers

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
)

// back returns to the post (or thread) after a staff action, with a flash
// message, or shows why it was refused; back to a post, the message is
// shown in the post (flashFor).
func (h *Handler) done(c echo.Context, err error, back, msg string) error {
	if err != nil {
		if models.IsValidation(err) {
			h.flashFor(c, back, "Not done: "+validationSummary(err))
			return c.Redirect(http.StatusSeeOther, back)
		}
		return h.refuse(c, err, back)
	}
	if msg != "" {
		h.flashFor(c, back, msg)
	}
	return c.Redirect(http.StatusSeeOther, back)
}

// refused reports whether err is a validation error, copying its messages
// into f: the form is then shown again (422) with what was typed. Other
// refusals (not allowed, forbidden) go back with a flash through done.
func refused(f form, err error) bool {
	return models.IsValidation(err) && f.withError(err)
}

func validationSummary(err error) string {
	if ve, ok := err.(*models.ValidationError); ok {
		for _, msg := range ve.Fields {
			return msg
		}
	}
	return err.Error()
}

func (h *Handler) hidePost(c echo.Context) error {
	f := fromRequest(c, "reason")
	return h.formAction(c, "/p/%d", "The post is hidden. Its author sees your reason.", f, h.modFormAgain(c, "hide", f), func(id int64) error {
		return h.store.HidePost(c.Request().Context(), currentUser(c), id, f.Values["reason"])
	})
}

func (h *Handler) unhidePost(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	err = h.store.UnhidePost(c.Request().Context(), currentUser(c), id, c.FormValue("reason"))
	return h.done(c, err, fmt.Sprintf("/p/%d", id), "The post is visible again.")
}

func (h *Handler) recommendAnswer(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	undo := c.FormValue("undo") == "1"
	err = h.store.RecommendAnswer(c.Request().Context(), currentUser(c), id, undo)
	msg := "The answer is marked as recommended."
	if undo {
		msg = "The recommendation is withdrawn."
	}
	return h.done(c, err, fmt.Sprintf("/p/%d", id), msg)
}

// loadFlaggable loads the :id post for the flag form, which shows it: a
// removed, hidden or queued post is not there to flag.
func (h *Handler) loadFlaggable(c echo.Context) (*models.Post, *models.Thread, error) {
	p, t, err := h.loadPost(c)
	if err != nil {
		return nil, nil, err
	}
	if p.Deleted || p.Hidden || p.Pending {
		return nil, nil, models.ErrNotFound
	}
	return p, t, nil
}

// showFlagPost renders the flag form for a post.
func (h *Handler) showFlagPost(c echo.Context) error {
	p, t, err := h.loadFlaggable(c)
	if err != nil {
		return err
	}
	return h.renderFlag(c, http.StatusOK, p, t, newForm())
}

func (h *Handler) renderFlag(c echo.Context, code int, p *models.Post, t *models.Thread, f form) error {
	pg := editPage{page: h.page(c, "Flag a post"), Post: p, Thread: t, Form: f}
	pg.NoIndex = true
	return h.render(c, code, "flag", pg)
}

func (h *Handler) flagPost(c echo.Context) error {
	p, t, err := h.loadFlaggable(c)
	if err != nil {
		return err
	}
	f := fromRequest(c, "reason", "note")
	err = h.store.FlagPost(c.Request().Context(), currentUser(c), p.ID, f.Values["reason"], f.Values["note"])
	if refused(f, err) {
		return h.renderFlag(c, http.StatusUnprocessableEntity, p, t, f) // shown again with the chosen reason and the note
	}
	return h.done(c, err, fmt.Sprintf("/p/%d", p.ID), "Thanks: the moderators will look at it.")
}

// modFormPage shows one refused moderation form of the thread page on a
// page of its own (422), with what was typed and what is wrong with it.
type modFormPage struct {
	page
	Action     string // hide, move or duplicate: the form shown
	Post       *models.Post
	Thread     *models.Thread
	Categories []models.Category
	Form       form
}

// renderModForm shows the form of action again for the :id post (hide) or
// thread (move, duplicate).
func (h *Handler) renderModForm(c echo.Context, action string, f form) error {
	p := modFormPage{Action: action, Form: f}
	var err error
	if action == "hide" {
		p.Post, p.Thread, err = h.loadPost(c)
	} else {
		p.Thread, err = h.loadThread(c)
	}
	if err != nil {
		return err
	}
	if action == "move" {
		if p.Categories, err = h.store.Categories(c.Request().Context(), currentUser(c)); err != nil {
			return err
		}
	}
	p.page = h.page(c, map[string]string{"hide": "Hide a post", "move": "Move a thread", "duplicate": "Close as a duplicate"}[action])
	p.NoIndex = true
	return h.render(c, http.StatusUnprocessableEntity, "mod_form", p)
}

// formAction runs a staff action on the :id of the path and returns to
// back (a format for the id) with msg, or with a flash saying why it was
// refused. With again, a validation error instead shows the form again
// (422): f holds what was typed and takes the messages.
func (h *Handler) formAction(c echo.Context, back, msg string, f form, again func(id int64) error, fn func(id int64) error) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	err = fn(id)
	if again != nil && refused(f, err) {
		return again(id)
	}
	return h.done(c, err, fmt.Sprintf(back, id), msg)
}

// threadStaffAction runs a thread action from a form without typed fields.
func (h *Handler) threadStaffAction(c echo.Context, msg string, fn func(id int64) error) error {
	return h.formAction(c, "/t/%d", msg, form{}, nil, fn)
}

// modFormAgain shows the thread page's form of action again with f.
func (h *Handler) modFormAgain(c echo.Context, action string, f form) func(int64) error {
	return func(int64) error { return h.renderModForm(c, action, f) }
}

func (h *Handler) lockThread(c echo.Context) error {
	lock := c.FormValue("locked") == "1"
	msg := "The thread is unlocked."
	if lock {
		msg = "The thread is locked: no new answers."
	}
	return h.threadStaffAction(c, msg, func(id int64) error {
		return h.store.LockThread(c.Request().Context(), currentUser(c), id, lock, c.FormValue("reason"))
	})
}

func (h *Handler) pinThread(c echo.Context) error {
	pin := c.FormValue("pinned") == "1"
	return h.threadStaffAction(c, "Done.", func(id int64) error {
		return h.store.PinThread(c.Request().Context(), currentUser(c), id, pin)
	})
}

func (h *Handler) moveThread(c echo.Context) error {
	f := fromRequest(c, "category", "reason")
	return h.formAction(c, "/t/%d", "The thread is moved.", f, h.modFormAgain(c, "move", f), func(id int64) error {
		return h.store.MoveThread(c.Request().Context(), currentUser(c), id, f.Values["category"], f.Values["reason"])
	})
}

func (h *Handler) closeDuplicate(c echo.Context) error {
	f := fromRequest(c, "original", "reason")
	original, err := originalThread(f.Values["original"])
	msg := "The thread is closed as a duplicate."
	if original == 0 {
		msg = "The thread is reopened."
	}
	return h.formAction(c, "/t/%d", msg, f, h.modFormAgain(c, "duplicate", f), func(id int64) error {
		if err != nil {
			return err
		}
		return h.store.CloseAsDuplicate(c.Request().Context(), currentUser(c), id, original, f.Values["reason"])
	})
}

// originalThread reads the duplicate form's original thread: a number or a
// pasted thread address; empty or 0 reopens.
func originalThread(raw string) (int64, error) {
	if strings.TrimSpace(raw) == "" {
		return 0, nil
	}
	if id, ok := threadRef(raw); ok {
		return id, nil
	}
	return 0, &models.ValidationError{Fields: map[string]string{"original": "Give the original thread's number or address."}}
}

type flagsPage struct {
	page
	Flags   []models.FlaggedPost
	Reasons []string
}

func (h *Handler) showFlags(c echo.Context) error {
	flags, err := h.store.FlagQueue(c.Request().Context(), currentUser(c))
	if err != nil {
		return err
	}
	p := flagsPage{page: h.page(c, "Flagged posts"), Flags: flags}
	p.NoIndex = true
	return h.render(c, http.StatusOK, "mod_flags", p)
}

func (h *Handler) dismissFlags(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	err = h.store.DismissFlags(c.Request().Context(), currentUser(c), id, c.FormValue("reason"))
	return h.done(c, err, "/mod/flags", "The flags are dismissed.")
}

type queuePage struct {
	page
	Posts []*models.Post
}

func (h *Handler) showQueue(c echo.Context) error {
	posts, err := h.store.ApprovalQueue(c.Request().Context(), currentUser(c))
	if err != nil {
		return err
	}
	p := queuePage{page: h.page(c, "Approval queue"), Posts: posts}
	p.NoIndex = true
	return h.render(c, http.StatusOK, "mod_queue", p)
}

func (h *Handler) approvePost(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	approve := c.FormValue("approve") == "1"
	err = h.store.ApprovePost(c.Request().Context(), currentUser(c), id, approve, c.FormValue("reason"))
	msg := "Approved and published."
	if !approve {
		msg = "Not approved: the post stays hidden."
	}
	return h.done(c, err, "/mod/queue", msg)
}
