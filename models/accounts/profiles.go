package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/crowdcare/crowdcare/models/markup"
)

// Profile is a user's public summary: the account and the counts of what
// they wrote that a viewer may see (models counts them: they are the
// forum's rows, read with its visibility rules).
type Profile struct {
	User          *User
	Questions     int
	Answers       int
	AcceptedCount int
	HelpfulVotes  int
}

// Profile text limits, in characters.
const (
	DisplayNameMaxLen = 50
	BioMaxLen         = 300
)

// ProfileEdit is what a member says about themselves on their profile.
type ProfileEdit struct {
	DisplayName string
	Bio         string
}

// normalize folds the display name to one line and the bio's line breaks
// to at most one blank line, trimming both.
func (e *ProfileEdit) normalize() {
	e.DisplayName = strings.Join(strings.Fields(markup.CleanText(e.DisplayName)), " ")
	bio := strings.ReplaceAll(strings.ReplaceAll(markup.CleanText(e.Bio), "\r\n", "\n"), "\r", "\n")
	lines := strings.Split(bio, "\n")
	var kept []string
	blank := 0
	for _, l := range lines {
		l = strings.Join(strings.Fields(l), " ")
		if l == "" {
			blank++
			if blank > 1 || len(kept) == 0 {
				continue
			}
		} else {
			blank = 0
		}
		kept = append(kept, l)
	}
	e.Bio = strings.TrimSpace(strings.Join(kept, "\n"))
}

func (e ProfileEdit) validate() validator {
	v := validator{}
	v.Check(utf8.RuneCountInString(e.DisplayName) <= DisplayNameMaxLen, "display_name",
		fmt.Sprintf("Use at most %d characters.", DisplayNameMaxLen))
	v.Check(!containsControl(e.DisplayName), "display_name", "Use letters, digits, spaces and punctuation only.")
	v.Check(utf8.RuneCountInString(e.Bio) <= BioMaxLen, "bio", fmt.Sprintf("Use at most %d characters.", BioMaxLen))
	v.Check(!containsControl(strings.ReplaceAll(e.Bio, "\n", " ")), "bio", "Use letters, digits, spaces and punctuation only.")
	return v
}

// SaveProfile stores u's display name and bio: plain text, shown escaped.
func (a *Accounts) SaveProfile(ctx context.Context, u *User, e ProfileEdit) error {
	if err := a.suspended(u); err != nil {
		return err
	}
	e.normalize()
	if err := e.validate().Err(); err != nil {
		return err
	}
	// Suspended or deleted since the request read u: the row as stored
	// decides, and nothing is written.
	res, err := a.db.Exec(ctx, `UPDATE users SET display_name = ?, bio = ? WHERE id = ? AND deleted_at IS NULL
		AND COALESCE(suspended_until, 0) <= ?`, e.DisplayName, e.Bio, u.ID, a.now().Unix())
	if err != nil {
		return fmt.Errorf("save profile of %d: %w", u.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	var until int64
	var why string
	err = a.db.Primary().QueryRowContext(ctx, `SELECT COALESCE(suspended_until, 0), suspend_reason FROM users
		WHERE id = ? AND deleted_at IS NULL`, u.ID).Scan(&until, &why)
	if errors.Is(err, sql.ErrNoRows) {
		return a.deps.Forbidden
	}
	if err != nil {
		return fmt.Errorf("save profile of %d: %w", u.ID, err)
	}
	return a.deps.Refusal(time.Unix(until, 0), why)
}

func containsControl(s string) bool { _, found := markup.FirstControl(s); return found }
