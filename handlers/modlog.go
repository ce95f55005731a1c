package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
)

type logPage struct {
	page
	Lines []logLine
	Pager pager
}

// logLine is an audit-log entry as a moderator reads it.
type logLine struct {
	When       time.Time
	Actor      *models.UserRef // nil when no account did it
	ActorLabel string
	What       string // "Hid a post"
	Target     string // what it was done to, by name
	TargetURL  string
	Reason     string
}

// logActionText says in words what an audited action did, "" for one it does not know.
func logActionText(action string) string {
	switch action {
	case "approve_post":
		return "Approved a post from the queue"
	case "reject_post":
		return "Rejected a post from the queue"
	case "dismiss_flags":
		return "Dismissed the flags on a post"
	case "hide_post":
		return "Hid a post"
	case "unhide_post":
		return "Showed a hidden post again"
	case "recommend_answer":
		return "Recommended an answer"
	case "unrecommend_answer":
		return "Withdrew a recommendation"
	case "lock_thread":
		return "Locked a thread"
	case "unlock_thread":
		return "Unlocked a thread"
	case "pin_thread":
		return "Pinned a thread"
	case "unpin_thread":
		return "Unpinned a thread"
	case "move_thread":
		return "Moved a thread"
	case "close_duplicate":
		return "Closed a thread as a duplicate"
	case "reopen_thread":
		return "Reopened a thread closed as a duplicate"
	case "open_incident":
		return "Opened an incident"
	case "close_incident":
		return "Closed an incident"
	case "suspend_user":
		return "Suspended an account"
	case "unsuspend_user":
		return "Lifted a suspension"
	case "remove_spammer":
		return "Removed a spammer (account suspended, posts hidden)"
	case "set_role":
		return "Changed an account's role"
	case "verify_ambassador":
		return "Verified a work address and became an ambassador"
	case "link_placeholder":
		return "Linked a profile imported from X to an account"
	case "sso_grant_role":
		return "Granted a role through company sign-in"
	case "sso_revoke_role":
		return "Revoked a role granted through company sign-in"
	case "delete_account":
		return "Deleted an account and its personal data"
	case "change_settings":
		return "Changed the site settings"
	case "change_search_synonyms":
		return "Changed the search synonyms"
	case "convert_social":
		return "Converted a conversation into a thread"
	case "append_social":
		return "Added posts from X to a thread as answers"
	case "social_dismissed":
		return "Dismissed posts in the social inbox"
	case "social_spam":
		return "Marked posts in the social inbox as spam"
	case "social_new":
		return "Put posts back in the social inbox"
	case "create_social_rule":
		return "Created a watch rule"
	case "deactivate_social_rule":
		return "Turned off a watch rule"
	case "import_social":
		return "Imported posts from X"
	}
	return ""
}

// describeLog turns an entry into words and a link.
func describeLog(e models.LogEntry) logLine {
	l := logLine{When: e.CreatedAt, ActorLabel: e.ActorLabel, Reason: e.Reason, TargetURL: e.TargetURL()}
	if e.Actor.ID != 0 {
		a := e.Actor
		l.Actor = &a
	}
	l.What = logActionText(e.Action)
	if l.What == "" {
		l.What = strings.ReplaceAll(e.Action, "_", " ")
	}
	if e.Action == "convert_social" && e.TargetType == "social" {
		l.What = "Converted conversations into threads" // lines written before each named its thread
	}
	switch e.TargetType {
	case "social":
		l.Target = "Social inbox"
		if status, ok := strings.CutPrefix(e.Action, "social_"); ok && status != "new" {
			l.TargetURL += "?status=" + status
		}
	case "site":
		l.Target = "Site settings"
	case "post":
		if e.TargetName != "" {
			l.Target = "Post in “" + e.TargetName + "”"
		}
	case "user":
		if (models.UserRef{Username: e.TargetName}).Deleted() {
			l.Target, l.TargetURL = models.DeletedMemberName, "" // no profile left
		} else if e.TargetName != "" {
			l.Target = "@" + e.TargetName
		}
	default:
		l.Target = e.TargetName
	}
	if l.Target == "" {
		l.Target = fmt.Sprintf("%s %d", e.TargetType, e.TargetID) // gone since
	}
	return l
}

func (h *Handler) showModLog(c echo.Context) error {
	list, err := h.store.ModLog(c.Request().Context(), pageOf(c))
	if err != nil {
		return err
	}
	p := logPage{page: h.page(c, "Moderation log")}
	for _, e := range list.Entries {
		p.Lines = append(p.Lines, describeLog(e))
	}
	p.Pager = makePager(list.Paging, func(n int) string { return "/mod/log?page=" + strconv.Itoa(n) })
	p.NoIndex = true
	return h.render(c, http.StatusOK, "mod_log", p)
}
