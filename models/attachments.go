package models

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/crowdcare/crowdcare/models/notallowed"
)

// Attachments are files members attach to questions and answers (and their
// avatars). Their bytes are in the uploads storage under BlobKey; a row
// says what the file is and which post shows it. Who may fetch one is the
// post's business: an attachment of a post in a private category, or of a
// hidden, removed or queued post, reaches exactly those who may read that
// post (AttachmentFor). One not posted yet is its owner's alone, and is
// removed after OrphanAge.

// Attachment kinds.
const (
	AttachmentImage  = "image"
	AttachmentFile   = "file"
	AttachmentAvatar = "avatar"
)

// OrphanAge is how long an upload waits for the post that uses it.
const OrphanAge = 24 * time.Hour

// MaxAttachmentsPerPost bounds how many files one post may show.
const MaxAttachmentsPerPost = 20

// Attachment is one uploaded file.
type Attachment struct {
	ID          int64
	Key         string
	OwnerID     int64
	PostID      int64 // 0: not posted yet
	Kind        string
	ContentType string
	Name        string
	Size        int64
	ThumbType   string // "" : no thumbnail
	ThumbSize   int64
	Width       int
	Height      int
	SHA256      string
	CreatedAt   time.Time
	RemovedAt   time.Time // zero unless a moderator removed it
}

// NewAttachment is a processed upload, stored under Key, to record.
type NewAttachment struct {
	Key               string
	Kind              string
	ContentType, Name string
	Size              int64
	ThumbType         string
	ThumbSize         int64
	Width, Height     int
	SHA256            string
}

// NewAttachmentKey makes the random key of an upload: 26 characters of
// base32, 128 bits, so nobody finds a file by guessing its address.
func NewAttachmentKey() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)), nil
}

// attachmentKeyRE is the shape of a key, as addresses carry it.
var attachmentKeyRE = regexp.MustCompile(`^[a-z2-7]{26}$`)

// ValidAttachmentKey reports whether s can be an attachment's key.
func ValidAttachmentKey(s string) bool { return attachmentKeyRE.MatchString(s) }

// URL is the attachment's address: its key, then its name for whoever
// saves it (the name is never looked at when it is served).
func (a *Attachment) URL() string { return "/uploads/" + a.Key + "/" + url.PathEscape(a.Name) }

// ThumbURL is its thumbnail's address, "" when it has none.
func (a *Attachment) ThumbURL() string {
	if a.ThumbType == "" {
		return ""
	}
	return "/uploads/" + a.Key + "/thumb"
}

// Removed reports whether a moderator removed it.
func (a *Attachment) Removed() bool { return !a.RemovedAt.IsZero() }

// Markdown is what a post carries to show the attachment: an image (its
// thumbnail linking to the whole when it has one), or a link to a file
// with its size.
func (a *Attachment) Markdown() string {
	alt := markdownText(strings.TrimSuffix(a.Name, nameExt(a.Name)))
	switch {
	case a.Kind != AttachmentImage:
		return fmt.Sprintf("[%s](%s) (%s)", markdownText(a.Name), a.URL(), HumanSize(a.Size))
	case a.ThumbType != "":
		return fmt.Sprintf("[![%s](%s)](%s)", alt, a.ThumbURL(), a.URL())
	}
	return fmt.Sprintf("![%s](%s)", alt, a.URL())
}

func nameExt(name string) string {
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		return name[i:]
	}
	return ""
}

// markdownText escapes what Markdown would read as markup in a file name
// (names keep letters, digits, dots, dashes and underscores: a dot or a
// dash inside a name is no markup).
func markdownText(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_{}[]()<>#!|~", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// HumanSize writes a byte count as people read it: "840 KB", "3.2 MB".
func HumanSize(n int64) string {
	switch {
	case n < 1000:
		return strconv.FormatInt(n, 10) + " bytes"
	case n < 1000*1000:
		return strconv.FormatInt((n+500)/1000, 10) + " KB"
	case n < 10*1000*1000:
		return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + " MB"
	}
	return strconv.FormatInt((n+500_000)/1_000_000, 10) + " MB"
}

const attachmentColumns = `a.id, a.key, a.owner_id, COALESCE(a.post_id, 0), a.kind, a.content_type, a.name, a.size,
	a.thumb_type, a.thumb_size, a.width, a.height, a.sha256, a.created_at, COALESCE(a.removed_at, 0)`

func scanAttachment(row interface{ Scan(...any) error }, extra ...any) (*Attachment, error) {
	var a Attachment
	var created, removed int64
	dest := append([]any{&a.ID, &a.Key, &a.OwnerID, &a.PostID, &a.Kind, &a.ContentType, &a.Name, &a.Size,
		&a.ThumbType, &a.ThumbSize, &a.Width, &a.Height, &a.SHA256, &created, &removed}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	a.CreatedAt = time.Unix(created, 0)
	if removed != 0 {
		a.RemovedAt = time.Unix(removed, 0)
	}
	return &a, nil
}

// CanUpload refuses a member who may not post now (suspended, or asked to
// confirm their address first): they may not upload either.
func (s *Store) CanUpload(ctx context.Context, u *User) error {
	if err := s.suspendedErr(u); err != nil {
		return err
	}
	return s.unverifiedErr(ctx, u)
}

// UploadedToday is what owner uploaded in the last 24 hours, in bytes
// (thumbnails counted): the daily limit counts it.
func (s *Store) UploadedToday(ctx context.Context, ownerID int64) (int64, error) {
	var n int64
	err := s.reader(ctx).QueryRowContext(ctx, `SELECT COALESCE(SUM(size + thumb_size), 0) FROM attachments
		WHERE owner_id = ? AND created_at > ? AND kind != 'avatar'`, ownerID, s.now().Add(-24*time.Hour).Unix()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("uploads today: %w", err)
	}
	return n, nil
}

// dailyLimitErr is the refusal of an upload past the daily limit.
func dailyLimitErr(limit int64) error {
	return &ErrNotAllowed{Kind: notallowed.UploadsPerDay, Bytes: limit}
}

// CreateAttachment records an upload whose files are stored, for owner, not
// posted yet. The daily limit is checked by the statement that records it,
// so uploads sent in parallel cannot all slip under it: past it the caller
// gets ErrNotAllowed and deletes the stored files.
func (s *Store) CreateAttachment(ctx context.Context, owner *User, n NewAttachment) (*Attachment, error) {
	lim, err := s.UploadLimits(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now().Unix()
	var id int64
	err = s.inQuietTx(ctx, func(tx *sql.Tx) error {
		// Suspended or deleted while the upload came in: not recorded, and
		// the caller deletes the files.
		if err := s.stillMayWrite(ctx, tx, owner); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO attachments (key, owner_id, kind, content_type, name, size, thumb_type,
			thumb_size, width, height, sha256, created_at)
			SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
			WHERE ? + (SELECT COALESCE(SUM(size + thumb_size), 0) FROM attachments
				WHERE owner_id = ? AND created_at > ? AND kind != 'avatar') <= ?
			RETURNING id`,
			n.Key, owner.ID, n.Kind, n.ContentType, n.Name, n.Size, n.ThumbType, n.ThumbSize, n.Width, n.Height, n.SHA256, now,
			n.Size+n.ThumbSize, owner.ID, now-24*3600, lim.PerDay).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return dailyLimitErr(lim.PerDay)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("record upload: %w", err)
	}
	return s.Attachment(ctx, n.Key)
}

// Attachment loads one attachment by key, whoever may see it.
func (s *Store) Attachment(ctx context.Context, key string) (*Attachment, error) {
	a, err := scanAttachment(s.reader(ctx).QueryRowContext(ctx, `SELECT `+attachmentColumns+` FROM attachments a WHERE a.key = ?`, key))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load attachment: %w", err)
	}
	return a, nil
}

// AttachmentFor loads the attachment under key if viewer (nil: a visitor)
// may fetch it, and ErrNotFound otherwise, so that a private file's
// existence does not leak: an avatar is everyone's; a file not posted yet
// is its owner's; a posted one follows its post: a private category's
// members (and staff who see private categories), and for a hidden,
// removed or queued post (or thread) its author and the staff who may hide
// posts. A removed attachment is nobody's.
func (s *Store) AttachmentFor(ctx context.Context, viewer *User, key string) (*Attachment, error) {
	if !ValidAttachmentKey(key) {
		return nil, ErrNotFound
	}
	var postAuthor, threadAuthor, categoryID int64
	var postHidden, threadHidden bool
	a, err := scanAttachment(s.reader(ctx).QueryRowContext(ctx, `SELECT `+attachmentColumns+`,
		COALESCE(p.author_id, 0), CASE WHEN p.deleted_at IS NOT NULL OR p.hidden_at IS NOT NULL OR p.pending = 1 THEN 1 ELSE 0 END,
		COALESCE(t.author_id, 0), CASE WHEN t.deleted_at IS NOT NULL OR t.hidden_at IS NOT NULL OR t.pending = 1 THEN 1 ELSE 0 END,
		COALESCE(t.category_id, 0)
		FROM attachments a LEFT JOIN posts p ON p.id = a.post_id LEFT JOIN threads t ON t.id = p.thread_id
		WHERE a.key = ?`, key), &postAuthor, &postHidden, &threadAuthor, &threadHidden, &categoryID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load attachment: %w", err)
	}
	var viewerID int64
	if viewer != nil {
		viewerID = viewer.ID
	}
	switch {
	case a.Removed():
		return nil, ErrNotFound
	case a.Kind == AttachmentAvatar:
		return a, nil
	case a.PostID == 0:
		if viewerID == 0 || viewerID != a.OwnerID {
			return nil, ErrNotFound
		}
		return a, nil
	}
	staff := viewer.Can(PermHide)
	if postHidden && !staff && (viewerID == 0 || viewerID != postAuthor) {
		return nil, ErrNotFound
	}
	if threadHidden && !staff && (viewerID == 0 || viewerID != threadAuthor) {
		return nil, ErrNotFound
	}
	ok, err := s.CanSeeCategory(ctx, viewer, categoryID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNotFound
	}
	return a, nil
}

// PostAttachments lists what a post shows, removed ones too, in upload order.
func (s *Store) PostAttachments(ctx context.Context, postID int64) ([]*Attachment, error) {
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT `+attachmentColumns+` FROM attachments a WHERE a.post_id = ? ORDER BY a.id`, postID)
	if err != nil {
		return nil, fmt.Errorf("post %d attachments: %w", postID, err)
	}
	defer rows.Close()
	var out []*Attachment
	for rows.Next() {
		a, err := scanAttachment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// attachReferenced gives post postID the uploads its Markdown refers to
// that are author's and not posted yet, in the transaction that saves the
// post, and refuses the post when what it then shows is over the per-post
// limits. An upload already shown by a post stays that post's: another
// post may link to it and shows it to whoever may see the first.
func (s *Store) attachReferenced(ctx context.Context, tx *sql.Tx, authorID, postID int64, keys []string, lim UploadLimits) error {
	if len(keys) == 0 {
		return nil
	}
	args := append([]any{postID, authorID}, stringArgs(keys)...)
	res, err := tx.ExecContext(ctx, `UPDATE attachments SET post_id = ? WHERE owner_id = ? AND post_id IS NULL
		AND kind != 'avatar' AND removed_at IS NULL AND key IN (`+placeholders(len(keys))+`)`, args...)
	if err != nil {
		return fmt.Errorf("attach uploads: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	var count int
	var total int64
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(size + thumb_size), 0) FROM attachments
		WHERE post_id = ? AND removed_at IS NULL`, postID).Scan(&count, &total); err != nil {
		return fmt.Errorf("attach uploads: %w", err)
	}
	if total > lim.PerPost {
		return &ValidationError{Fields: map[string]string{"body": fmt.Sprintf("The files attached to this post come to %s; "+
			"a post may have at most %s. Remove some of them from the text (they are kept for a day, unposted).",
			HumanSize(total), HumanSize(lim.PerPost))}}
	}
	if count > MaxAttachmentsPerPost {
		return &ValidationError{Fields: map[string]string{"body": fmt.Sprintf("This post has %d files attached; "+
			"a post may have at most %d. Remove some of them from the text.", count, MaxAttachmentsPerPost)}}
	}
	return nil
}

func stringArgs(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// RemoveAttachment is a moderator taking a file off a post: its row says
// who removed it and when, its files are deleted from the storage (by the
// uploads cleaner, queued in the same transaction), and the audit log
// records it with the reason. The post's text is left as it is; the file's
// address answers "not found" from now on.
func (s *Store) RemoveAttachment(ctx context.Context, actor *User, key, reason string) (*Attachment, error) {
	if !actor.Can(PermRemoveAttachments) {
		return nil, ErrForbidden
	}
	a, err := s.Attachment(ctx, key)
	if err != nil {
		return nil, err
	}
	if a.Kind == AttachmentAvatar || a.PostID == 0 {
		return nil, ErrNotFound // not shown by any post: nothing a moderator sees
	}
	if a.Removed() {
		return a, nil
	}
	reason = strings.TrimSpace(cleanText(reason))
	if len([]rune(reason)) > 500 {
		return nil, &ValidationError{Fields: map[string]string{"reason": "Keep the reason under 500 characters."}}
	}
	now := s.now()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE attachments SET removed_at = ?, removed_by = ? WHERE id = ? AND removed_at IS NULL`,
			now.Unix(), actor.ID, a.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // removed meanwhile
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO upload_trash (key, queued_at) VALUES (?, ?) ON CONFLICT DO NOTHING`, a.Key, now.Unix()); err != nil {
			return err
		}
		why := "Removed the attachment " + a.Name
		if reason != "" {
			why += ": " + reason
		}
		return logAction(ctx, tx, now, actor, "remove_attachment", "post", a.PostID, why)
	})
	if err != nil {
		return nil, fmt.Errorf("remove attachment: %w", err)
	}
	a.RemovedAt = now
	return a, nil
}

// DropOrphanAttachments forgets the uploads no post took within OrphanAge
// of their upload and queues their files for deletion; it returns how many.
func (s *Store) DropOrphanAttachments(ctx context.Context) (int, error) {
	before := s.now().Add(-OrphanAge).Unix()
	var n int64
	err := s.inQuietTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO upload_trash (key, queued_at)
			SELECT key, CAST(? AS BIGINT) FROM attachments WHERE post_id IS NULL AND kind != 'avatar' AND created_at < ?
			ON CONFLICT DO NOTHING`, s.now().Unix(), before); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM attachments WHERE post_id IS NULL AND kind != 'avatar' AND created_at < ?`, before)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("drop orphan uploads: %w", err)
	}
	return int(n), nil
}

// TrashedUploads lists up to n attachment keys whose files are to be deleted.
func (s *Store) TrashedUploads(ctx context.Context, n int) ([]string, error) {
	keys, err := column[string](s.reader(ctx).QueryContext(ctx, `SELECT key FROM upload_trash ORDER BY queued_at LIMIT ?`, n))
	if err != nil {
		return nil, fmt.Errorf("trashed uploads: %w", err)
	}
	return keys, nil
}

// ForgetTrashed drops keys whose files the storage has deleted.
func (s *Store) ForgetTrashed(ctx context.Context, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	err := s.inQuietTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM upload_trash WHERE key IN (`+placeholders(len(keys))+`)`, stringArgs(keys)...)
		return err
	})
	if err != nil {
		return fmt.Errorf("forget trashed uploads: %w", err)
	}
	return nil
}

// AttachmentKeys lists every attachment's key (removed ones' too), for
// backups and consistency checks.
func (s *Store) AttachmentKeys(ctx context.Context) ([]string, error) {
	keys, err := column[string](s.reader(ctx).QueryContext(ctx, `SELECT key FROM attachments WHERE removed_at IS NULL ORDER BY id`))
	if err != nil {
		return nil, fmt.Errorf("attachment keys: %w", err)
	}
	return keys, nil
}

// UploadAllowed refuses, before anything is processed or stored, an upload
// of size bytes by owner that the daily limit would not take, or an owner
// who may not post now. CreateAttachment checks the daily limit again as
// it records the upload.
func (s *Store) UploadAllowed(ctx context.Context, owner *User, size int64, lim UploadLimits) error {
	if err := s.CanUpload(ctx, owner); err != nil {
		return err
	}
	today, err := s.UploadedToday(ctx, owner.ID)
	if err != nil {
		return err
	}
	if today+size > lim.PerDay {
		return dailyLimitErr(lim.PerDay)
	}
	return nil
}

// SetAvatar makes n (an image already stored under n.Key) u's profile
// picture, replacing the one before, whose files are queued for deletion.
func (s *Store) SetAvatar(ctx context.Context, u *User, n NewAttachment) (*Attachment, error) {
	if err := s.suspendedErr(u); err != nil {
		return nil, err
	}
	n.Kind = AttachmentAvatar
	a := &Attachment{Key: n.Key, Name: n.Name}
	now := s.now().Unix()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// An upload is slow: the account may have been suspended or
		// deleted (its profile erased) since the request read it.
		if err := s.stillMayWrite(ctx, tx, u); err != nil {
			return err
		}
		if err := s.dropAvatar(ctx, tx, u.ID, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO attachments (key, owner_id, kind, content_type, name, size, width, height, sha256, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, n.Key, u.ID, n.Kind, n.ContentType, n.Name, n.Size, n.Width, n.Height, n.SHA256, now); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE users SET avatar_url = ? WHERE id = ?`, a.URL(), u.ID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("set avatar: %w", err)
	}
	return s.Attachment(ctx, n.Key)
}

// RemoveAvatar returns u to the generated picture.
func (s *Store) RemoveAvatar(ctx context.Context, u *User) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.dropAvatar(ctx, tx, u.ID, s.now().Unix()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE users SET avatar_url = '' WHERE id = ?`, u.ID)
		return err
	})
	if err != nil {
		return fmt.Errorf("remove avatar: %w", err)
	}
	return nil
}

func (s *Store) dropAvatar(ctx context.Context, tx *sql.Tx, userID, now int64) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO upload_trash (key, queued_at)
		SELECT key, CAST(? AS BIGINT) FROM attachments WHERE owner_id = ? AND kind = 'avatar'
		ON CONFLICT DO NOTHING`, now, userID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM attachments WHERE owner_id = ? AND kind = 'avatar'`, userID)
	return err
}
