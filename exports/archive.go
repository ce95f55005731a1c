package exports

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/crowdcare/crowdcare/models"
)

// writeArchive writes a member's data as a ZIP to out:
//
//	README.txt          what each file holds
//	profile.json        the account and profile
//	settings.json       the member's settings
//	posts.json          every post they wrote, with its revisions
//	posts/<id>.md       each post as Markdown, with its thread's title
//	votes.json          posts they found helpful, KB articles they rated
//	watches.json        threads they watch
//	notifications.json  their notifications
//
// Posts and notifications are streamed: a large account is never held in
// memory whole.
func writeArchive(ctx context.Context, store *models.Store, userID int64, cfg Config, out io.Writer) error {
	z := zip.NewWriter(out)
	u, err := store.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	modified := store.Now().UTC()
	file := func(name string) (io.Writer, error) {
		return z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: modified})
	}
	writeJSON := func(name string, v any) error {
		w, err := file(name)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	w, err := file("README.txt")
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w, readme, u.Username, cfg.SiteName, modified.Format(time.RFC3339), cfg.BaseURL); err != nil {
		return err
	}
	profile, settings, err := store.ExportAccount(ctx, userID)
	if err != nil {
		return err
	}
	if err := writeJSON("profile.json", profile); err != nil {
		return err
	}
	if err := writeJSON("settings.json", settings); err != nil {
		return err
	}
	votes, err := store.ExportVotes(ctx, u)
	if err != nil {
		return err
	}
	if err := writeJSON("votes.json", votes); err != nil {
		return err
	}
	watches, err := store.ExportWatches(ctx, u)
	if err != nil {
		return err
	}
	if err := writeJSON("watches.json", watches); err != nil {
		return err
	}
	// posts.json is a JSON array written one post at a time; each post's
	// Markdown follows once the array is done, as a ZIP is written one file
	// at a time: the posts are read twice rather than kept.
	if err := jsonArray(file, "posts.json", func(each func(any) error) error {
		return store.ExportPosts(ctx, u, func(p models.ExportPost) error { return each(p) })
	}); err != nil {
		return err
	}
	err = store.ExportPosts(ctx, u, func(p models.ExportPost) error {
		w, err := file(fmt.Sprintf("posts/%d.md", p.ID))
		if err != nil {
			return err
		}
		_, err = io.WriteString(w, postMarkdown(p))
		return err
	})
	if err != nil {
		return err
	}
	if err := jsonArray(file, "notifications.json", func(each func(any) error) error {
		return store.ExportNotifications(ctx, userID, func(n models.ExportNotification) error { return each(n) })
	}); err != nil {
		return err
	}
	return z.Close()
}

// jsonArray writes the values fill gives each as one indented JSON array.
func jsonArray(file func(string) (io.Writer, error), name string, fill func(each func(any) error) error) error {
	w, err := file(name)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, "["); err != nil {
		return err
	}
	n := 0
	err = fill(func(v any) error {
		b, err := json.MarshalIndent(v, "  ", "  ")
		if err != nil {
			return err
		}
		sep := ",\n  "
		if n == 0 {
			sep = "\n  "
		}
		n++
		if _, err := io.WriteString(w, sep); err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	})
	if err != nil {
		return err
	}
	end := "\n]\n"
	if n == 0 {
		end = "]\n"
	}
	_, err = io.WriteString(w, end)
	return err
}

// postMarkdown is one post as a Markdown file: a heading with its thread's
// title, a line saying what and when, and the text as the member wrote it.
func postMarkdown(p models.ExportPost) string {
	var b strings.Builder
	kind := "Answer"
	if p.Question {
		kind = "Question"
	}
	fmt.Fprintf(&b, "# %s\n\n", oneLine(p.ThreadTitle))
	fmt.Fprintf(&b, "_%s, %s_", kind, p.CreatedAt.Format("2 Jan 2006 15:04 UTC"))
	if p.EditedAt != nil {
		fmt.Fprintf(&b, " _(edited %s)_", p.EditedAt.Format("2 Jan 2006 15:04 UTC"))
	}
	switch {
	case p.Deleted:
		b.WriteString(" _(removed)_")
	case p.Hidden:
		b.WriteString(" _(hidden by a moderator)_")
	}
	b.WriteString("\n\n")
	b.WriteString(p.BodyMarkdown)
	b.WriteString("\n")
	return b.String()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

const readme = `Your data
=========

Account: %s, on %s. Made %s.

profile.json        your account and profile: username, display name, bio,
                    email address, role, reputation, groups, sign-in identities
settings.json       your settings
posts.json          every question and answer you wrote (removed ones too),
                    with their earlier versions ("revisions")
posts/<id>.md       each of them as Markdown, as you wrote it
votes.json          the posts you found helpful and the KB articles you rated
watches.json        the threads you watch
notifications.json  your notifications

Times are UTC. Threads you can no longer open are named by id only.
Your account: %s/settings
`
