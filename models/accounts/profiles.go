package accounts

import (
	"context"
	"fmt"
	"strings"
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
	if _, err := a.db.Exec(ctx, `UPDATE users SET display_name = ?, bio = ? WHERE id = ? AND deleted_at IS NULL`,
		e.DisplayName, e.Bio, u.ID); err != nil {
		return fmt.Errorf("save profile of %d: %w", u.ID, err)
	}
	return nil
}

func containsControl(s string) bool { _, found := markup.FirstControl(s); return found }
