package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
)

// A question, answer or edit sent after the member's session ended
// elsewhere (log out everywhere, a password change) is not lost: instead of
// a redirect, the login page comes back with what was typed in hidden
// fields of its own form, CSRF token and all. Once the member has logged
// in, the draft is kept in the database under the new session (a
// 50,000-character answer does not fit in a cookie; the cookie only says a
// draft waits), and the form it came from shows it again, ready to send.
// Nothing is sent for the member, and no script is needed.

// draftKey is the session value naming the form whose draft waits.
const draftKey = "draft"

// draftForm is a form whose typed text is kept.
type draftForm struct {
	Action  string // the address it posts to, e.g. /t/12/answers
	Noun    string // what was being sent: "question", "answer", "edit"
	fields  []string
	restore string // the page that shows it again
}

// draftFormAt recognises the forms whose typed text is kept, by the
// address they post to.
func draftFormAt(path string) (draftForm, bool) {
	if path == "/ask" {
		return draftForm{Action: path, Noun: "question", fields: []string{"title", "category", "body", "tags"}, restore: "/ask"}, true
	}
	parts := strings.Split(path, "/") // "", "t", "12", "answers"
	if len(parts) != 4 || parts[0] != "" {
		return draftForm{}, false
	}
	id, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || id < 1 || strconv.FormatInt(id, 10) != parts[2] {
		return draftForm{}, false
	}
	switch {
	case parts[1] == "t" && parts[3] == "answers":
		return draftForm{Action: path, Noun: "answer", fields: []string{"body"}, restore: "/t/" + parts[2] + "#answer"}, true
	case parts[1] == "p" && parts[3] == "edit":
		return draftForm{Action: path, Noun: "edit", fields: []string{"body", "title", "tags"}, restore: path}, true
	}
	return draftForm{}, false
}

// maxDraftField bounds each kept field, in characters: above any form's
// own limit (a post's 50,000), so nothing typed within the limits is cut.
const maxDraftField = 60000

// draftField is one field of a kept draft.
type draftField struct{ Name, Value string }

// loginDraft is a draft the login page carries.
type loginDraft struct {
	draftForm
	Fields []draftField // sent back as hidden inputs named "draft_" + Name
	// HadFiles: the form carried files, which are not kept for a visitor.
	HadFiles bool
}

// draftFrom reads the fields of the form at action from the request, each
// named prefix + its name; nil when action is no such form.
func draftFrom(c echo.Context, action, prefix string) *loginDraft {
	f, ok := draftFormAt(action)
	if !ok {
		return nil
	}
	d := &loginDraft{draftForm: f}
	for _, name := range f.fields {
		v := c.FormValue(prefix + name)
		if utf8.RuneCountInString(v) > maxDraftField {
			v = string([]rune(v)[:maxDraftField])
		}
		d.Fields = append(d.Fields, draftField{Name: name, Value: v})
	}
	return d
}

// requireMember is requireUser for members' routes, except that a question,
// answer or edit sent without a live session gets the login page with what
// was typed (401) instead of a redirect that would drop it.
func (h *Handler) requireMember(next echo.HandlerFunc) echo.HandlerFunc {
	visitor := requireUser(next)
	return func(c echo.Context) error {
		if currentUser(c) == nil && c.Request().Method == http.MethodPost {
			if d := draftFrom(c, c.Request().URL.Path, ""); d != nil {
				if mf := c.Request().MultipartForm; mf != nil {
					for _, fh := range mf.File["files"] {
						d.HadFiles = d.HadFiles || fh.Size > 0
					}
				}
				return h.renderLogin(c, http.StatusUnauthorized, newForm(), d.restore, d)
			}
		}
		return visitor(c)
	}
}

// keepDraft stores d for the session just started.
func (h *Handler) keepDraft(c echo.Context, d *loginDraft) error {
	sid, _ := h.session(c).Values["sid"].(string)
	fields := make(map[string]string, len(d.Fields))
	for _, f := range d.Fields {
		fields[f.Name] = f.Value
	}
	return h.store.SaveDraft(c.Request().Context(), sid, d.Action, fields)
}

// takeDraft returns the draft kept for the form at action, if this session
// has one, and forgets it: it is shown once.
func (h *Handler) takeDraft(c echo.Context, action string) (form, bool, error) {
	s := h.session(c)
	if waiting, _ := s.Values[draftKey].(string); waiting != action || currentUser(c) == nil {
		return form{}, false, nil
	}
	sid, _ := s.Values["sid"].(string)
	delete(s.Values, draftKey)
	if err := s.Save(c.Request(), c.Response()); err != nil {
		return form{}, false, err
	}
	fields, err := h.store.TakeDraft(c.Request().Context(), sid, action)
	if errors.Is(err, models.ErrNotFound) {
		return form{}, false, nil
	}
	if err != nil {
		return form{}, false, err
	}
	f := newForm()
	for k, v := range fields {
		f.Values[k] = v
	}
	f.Restored = true
	return f, true, nil
}
