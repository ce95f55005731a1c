package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/media"
	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/notallowed"
)

// Attachments: members attach images and files to questions and answers,
// through the forms' "files" field (no JavaScript needed) or POST /uploads
// (drag-and-drop and paste in the composer). Either way a file is checked
// and made safe (media.Processor), stored (media.Storage) and recorded for
// its owner; the post whose Markdown refers to it takes it when saved
// (models.attachReferenced), and from then on it reaches those who may read
// that post. GET /uploads/{key}/{name} serves it.

// uploadSlack is what a multipart body carries besides its files (the
// text fields, part headers): added to the file limits for the body limit.
const uploadSlack = 1 << 20

// uploadLimits reads the limits, kept for a few seconds like the site
// settings (every member's thread page shows them under the answer form);
// on a database error the defaults apply. The limits are checked again by
// the statements that record an upload and save a post.
func (h *Handler) uploadLimits(ctx context.Context) models.UploadLimits {
	if cur := h.limits.Load(); cur != nil && time.Since(cur.loaded) <= settingsTTL {
		return cur.value
	}
	lim, err := h.store.UploadLimits(ctx)
	if err != nil {
		h.log.Error("load upload limits", "err", err)
		return models.DefaultUploadLimits()
	}
	h.limits.Store(&cachedLimits{value: lim, loaded: time.Now()})
	return lim
}

type cachedLimits struct {
	value  models.UploadLimits
	loaded time.Time
}

// forgetUploadLimits makes the next request read the saved limits.
func (h *Handler) forgetUploadLimits() { h.limits.Store(nil) }

// fileTooLarge is the refusal of one file over the per-file limit.
func fileTooLarge(name string, size, limit int64) *media.Refusal {
	return &media.Refusal{Reason: fmt.Sprintf("“%s” is %s; files may be at most %s each. Make it smaller, or link to it.",
		name, models.HumanSize(size), models.HumanSize(limit))}
}

// storeUpload checks, processes and stores one uploaded file for u and
// records it, not posted yet. A refusal is a *media.Refusal or a
// *models.ErrNotAllowed (daily limit, suspended, unconfirmed address).
func (h *Handler) storeUpload(ctx context.Context, u *models.User, fh *multipart.FileHeader, lim models.UploadLimits) (*models.Attachment, error) {
	if fh.Size > lim.PerFile {
		return nil, fileTooLarge(fh.Filename, fh.Size, lim.PerFile)
	}
	if err := h.store.UploadAllowed(ctx, u, fh.Size, lim); err != nil {
		return nil, err
	}
	f, err := fh.Open()
	if err != nil {
		return nil, fmt.Errorf("open upload: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, lim.PerFile+1))
	if err != nil {
		return nil, fmt.Errorf("read upload: %w", err)
	}
	if int64(len(data)) > lim.PerFile {
		return nil, fileTooLarge(fh.Filename, int64(len(data)), lim.PerFile)
	}
	p, err := h.images.Process(ctx, data, fh.Filename)
	if err != nil {
		return nil, err
	}
	return h.keepUpload(ctx, u, p, string(p.Kind))
}

// keepUpload stores a processed upload as one of u's, of kind (an image
// or file attachment, or the avatar): files first, then the record; if
// recording fails the files are deleted again.
func (h *Handler) keepUpload(ctx context.Context, u *models.User, p *media.Processed, kind string) (*models.Attachment, error) {
	key, err := models.NewAttachmentKey()
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(p.Data)
	n := models.NewAttachment{Key: key, Kind: kind, ContentType: p.ContentType, Name: p.Name, Size: int64(len(p.Data)),
		Width: p.Width, Height: p.Height, SHA256: hex.EncodeToString(sum[:])}
	if err := h.uploads.Put(ctx, media.FileKey(key), p.ContentType, p.Data); err != nil {
		return nil, err
	}
	if p.Thumb != nil {
		n.ThumbType, n.ThumbSize = p.ThumbType, int64(len(p.Thumb))
		if err := h.uploads.Put(ctx, media.ThumbKey(key), p.ThumbType, p.Thumb); err != nil {
			h.dropFiles(key)
			return nil, err
		}
	}
	var a *models.Attachment
	if kind == models.AttachmentAvatar {
		a, err = h.store.SetAvatar(ctx, u, n)
	} else {
		a, err = h.store.CreateAttachment(ctx, u, n)
	}
	if err != nil {
		h.dropFiles(key)
		return nil, err
	}
	return a, nil
}

// dropFiles deletes the files of an upload that was not recorded.
func (h *Handler) dropFiles(key string) {
	ctx := context.Background()
	for _, k := range []string{media.FileKey(key), media.ThumbKey(key)} {
		if err := h.uploads.Delete(ctx, k); err != nil {
			h.log.Warn("delete an unrecorded upload", "key", k, "err", err)
		}
	}
}

// refusalOf is the reason a member reads for an upload refused, or "".
func refusalOf(err error) string {
	var r *media.Refusal
	if errors.As(err, &r) {
		return r.Reason
	}
	if na, ok := models.IsNotAllowed(err); ok {
		return NotAllowedText(na)
	}
	return ""
}

// uploadFile is POST /uploads (field "file"): one file for the logged-in
// member, answered with JSON {"url", "markdown", "name"} for the composer
// to insert, or a 4xx {"error"} (handleError answers this route in JSON).
func (h *Handler) uploadFile(c echo.Context) error {
	u := currentUser(c)
	if u == nil {
		return echo.NewHTTPError(http.StatusUnauthorized, "Your session has ended. Log in again to attach files; what you typed is kept.")
	}
	form := c.Request().MultipartForm
	if form == nil || len(form.File["file"]) != 1 {
		return echo.NewHTTPError(http.StatusBadRequest, "Send one file in the field “file”.")
	}
	ctx := c.Request().Context()
	a, err := h.storeUpload(ctx, u, form.File["file"][0], h.uploadLimits(ctx))
	if reason := refusalOf(err); reason != "" {
		code := http.StatusUnprocessableEntity
		var na *models.ErrNotAllowed
		switch {
		case errors.As(err, &na) && na.Kind == notallowed.UploadsPerDay:
			code = http.StatusTooManyRequests
		case errors.As(err, &na):
			code = http.StatusForbidden
		case form.File["file"][0].Size > h.uploadLimits(ctx).PerFile:
			code = http.StatusRequestEntityTooLarge
		}
		return echo.NewHTTPError(code, reason)
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusCreated, map[string]string{"url": a.URL(), "markdown": a.Markdown(), "name": a.Name})
}

// attachFiles stores the files of the form's "files" field (the forms that
// post content, without JavaScript) for the member and adds their Markdown
// to the end of f's body. A refused file is named in f.Errors["files"];
// what was typed, and the Markdown of the files that were stored, stay in
// the form, which the caller shows again.
func (h *Handler) attachFiles(c echo.Context, f form) error {
	mf := c.Request().MultipartForm
	if mf == nil {
		return nil
	}
	var files []*multipart.FileHeader
	for _, fh := range mf.File["files"] {
		if fh.Filename != "" || fh.Size > 0 { // a browser sends an empty part when none was chosen
			files = append(files, fh)
		}
	}
	if len(files) == 0 {
		return nil
	}
	ctx := c.Request().Context()
	lim := h.uploadLimits(ctx)
	var total int64
	for _, fh := range files {
		total += fh.Size
	}
	if total > lim.PerPost {
		f.Errors["files"] = fmt.Sprintf("These files come to %s; a post may have at most %s. Nothing you typed was lost.",
			models.HumanSize(total), models.HumanSize(lim.PerPost))
		return nil
	}
	var added, refused []string
	for _, fh := range files {
		a, err := h.storeUpload(ctx, currentUser(c), fh, lim)
		if reason := refusalOf(err); reason != "" {
			refused = append(refused, reason)
			continue
		}
		if err != nil {
			return err
		}
		added = append(added, a.Markdown())
	}
	if len(added) > 0 {
		body := strings.TrimRight(f.Values["body"], " \t\r\n")
		if body != "" {
			body += "\n\n"
		}
		f.Values["body"] = body + strings.Join(added, "\n\n")
	}
	if len(refused) > 0 {
		msg := strings.Join(refused, " ")
		if len(added) > 0 {
			msg += " The other files are attached: see the end of your text."
		}
		f.Errors["files"] = msg
	}
	return nil
}

// serveUpload is GET /uploads/{key}/{name} and /uploads/{key}/thumb: the
// file, to whoever may read the post that shows it (models.AttachmentFor),
// else 404. Its type is the one decided when it was uploaded; the name in
// the address is never looked at. Files that are not images are downloads
// (Content-Disposition: attachment), nothing is sniffed, and a sandboxing
// CSP keeps even a hostile file opened on its own from running anything.
// The content never changes, so browsers keep it for a year (privately:
// visibility can change) and revalidate by ETag.
func (h *Handler) serveUpload(c echo.Context) error {
	ctx := c.Request().Context()
	a, err := h.store.AttachmentFor(ctx, currentUser(c), c.Param("key"))
	if err != nil {
		return err
	}
	thumb := strings.HasSuffix(c.Path(), "/thumb")
	if thumb && a.ThumbType == "" {
		return models.ErrNotFound
	}
	ctype, blobKey, etag := a.ContentType, media.FileKey(a.Key), `"`+a.SHA256[:32]+`"`
	if thumb {
		ctype, blobKey, etag = a.ThumbType, media.ThumbKey(a.Key), `"`+a.SHA256[:32]+`-t"`
	}
	hdr := c.Response().Header()
	if inm := c.Request().Header.Get("If-None-Match"); inm != "" && (inm == "*" || strings.Contains(inm, etag)) {
		// The browser has it: no need to read the storage.
		hdr.Set("ETag", etag)
		hdr.Set("Cache-Control", "private, max-age=31536000, immutable")
		return c.NoContent(http.StatusNotModified)
	}
	hdr.Set(echo.HeaderContentType, ctype)
	hdr.Set(echo.HeaderXContentTypeOptions, "nosniff")
	hdr.Set(echo.HeaderContentSecurityPolicy, "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox")
	hdr.Set("Cross-Origin-Resource-Policy", "same-origin")
	hdr.Set("Cache-Control", "private, max-age=31536000, immutable")
	hdr.Set("ETag", etag)
	disposition := "attachment"
	if a.Kind != models.AttachmentFile {
		disposition = "inline"
	}
	hdr.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": a.Name}))
	f, err := h.uploads.Open(ctx, blobKey)
	if errors.Is(err, media.ErrMissing) {
		h.log.Warn("an attachment's file is missing from the uploads storage", "key", a.Key, "storage", h.uploads.String())
		hdr.Del("Cache-Control")
		return models.ErrNotFound
	}
	if err != nil {
		return err
	}
	defer f.Close()
	// ServeContent answers If-None-Match (304) and ranges (a PDF read page by page).
	http.ServeContent(c.Response(), c.Request(), "", a.CreatedAt, f)
	return nil
}

// maxAvatarUpload is the largest picture accepted for a profile.
const maxAvatarUpload = 5 * models.MB

// saveAvatar is POST /settings/avatar: a new profile picture (field
// "avatar": PNG, JPEG or WebP, cut square, scaled down, re-encoded without
// metadata), or remove=1 for the generated one again.
func (h *Handler) saveAvatar(c echo.Context) error {
	ctx := c.Request().Context()
	u := currentUser(c)
	if c.FormValue("remove") == "1" {
		if err := h.store.RemoveAvatar(ctx, u); err != nil {
			return err
		}
		h.cleaner.Wake()
		h.flash(c, "Your picture is removed: your initials are shown instead.")
		return c.Redirect(http.StatusSeeOther, "/settings")
	}
	refuse := func(reason string) error {
		f := newForm()
		f.Errors["avatar"] = reason
		return h.renderSettings(c, http.StatusUnprocessableEntity, f)
	}
	mf := c.Request().MultipartForm
	if mf == nil || len(mf.File["avatar"]) != 1 || mf.File["avatar"][0].Size == 0 {
		return refuse("Choose a picture to upload.")
	}
	fh := mf.File["avatar"][0]
	if fh.Size > maxAvatarUpload {
		return refuse(fileTooLarge(fh.Filename, fh.Size, maxAvatarUpload).Reason)
	}
	file, err := fh.Open()
	if err != nil {
		return err
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, maxAvatarUpload+1))
	if err != nil {
		return err
	}
	p, err := h.images.ProcessAvatar(ctx, data, fh.Filename)
	if reason := refusalOf(err); reason != "" {
		return refuse(reason)
	}
	if err != nil {
		return err
	}
	_, err = h.keepUpload(ctx, u, p, models.AttachmentAvatar)
	if reason := refusalOf(err); reason != "" {
		return refuse(reason)
	}
	if err != nil {
		return err
	}
	h.cleaner.Wake() // the picture it replaced
	h.flash(c, "Your picture is saved.")
	return c.Redirect(http.StatusSeeOther, "/settings")
}
