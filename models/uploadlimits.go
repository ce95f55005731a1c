package models

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/crowdcare/crowdcare/models/markup"
)

// UploadLimits are what members may attach, in bytes (1 MB = 1,000,000).
// Admins set them at /admin/uploads; thumbnails count with their images.
type UploadLimits struct {
	PerFile int64 // one file, as uploaded
	PerPost int64 // the files one post shows, together
	PerDay  int64 // what one member uploads in 24 hours
}

// The defaults, and the most an admin may allow: a request carrying a
// post's files must stay within what the server reads in a request.
const (
	MB                   = 1_000_000
	MaxUploadPerFile     = 100 * MB
	MaxUploadPerPost     = 200 * MB
	maxUploadPerDay      = 10_000 * MB
	defaultPerFileMB     = 20
	defaultPerPostMB     = 50
	defaultPerDayMB      = 200
	uploadSettingsPrefix = "uploads."
)

// DefaultUploadLimits apply until an admin changes them.
func DefaultUploadLimits() UploadLimits {
	return UploadLimits{PerFile: defaultPerFileMB * MB, PerPost: defaultPerPostMB * MB, PerDay: defaultPerDayMB * MB}
}

// FormValues is l as the admin form shows it, in whole megabytes.
func (l UploadLimits) FormValues() map[string]string {
	return map[string]string{"per_file_mb": strconv.FormatInt(l.PerFile/MB, 10),
		"per_post_mb": strconv.FormatInt(l.PerPost/MB, 10), "per_day_mb": strconv.FormatInt(l.PerDay/MB, 10)}
}

// UploadLimits reads the limits, with defaults for what was never set.
func (s *Store) UploadLimits(ctx context.Context) (UploadLimits, error) {
	out := DefaultUploadLimits()
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT key, value FROM settings WHERE key LIKE 'uploads.%'`)
	if err != nil {
		return out, fmt.Errorf("load upload limits: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var v []byte
		if err := rows.Scan(&k, &v); err != nil {
			return out, err
		}
		mb, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil || mb <= 0 {
			continue
		}
		switch strings.TrimPrefix(k, uploadSettingsPrefix) {
		case "per_file_mb":
			out.PerFile = mb * MB
		case "per_post_mb":
			out.PerPost = mb * MB
		case "per_day_mb":
			out.PerDay = mb * MB
		}
	}
	return out, rows.Err()
}

// UploadLimitsForm is the admin form as typed, in megabytes.
type UploadLimitsForm struct {
	PerFileMB, PerPostMB, PerDayMB string
}

// SaveUploadLimits validates and stores the admin form (audited).
func (s *Store) SaveUploadLimits(ctx context.Context, actor *User, f UploadLimitsForm) error {
	if !actor.Can(PermManageSite) {
		return ErrForbidden
	}
	v := validator{}
	whole := func(field, s string, most int64) int64 {
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		v.Check(err == nil && n >= 1 && n <= most, field, fmt.Sprintf("Use a whole number of megabytes from 1 to %d.", most))
		return n
	}
	perFile := whole("per_file_mb", f.PerFileMB, MaxUploadPerFile/MB)
	perPost := whole("per_post_mb", f.PerPostMB, MaxUploadPerPost/MB)
	perDay := whole("per_day_mb", f.PerDayMB, maxUploadPerDay/MB)
	if len(v) == 0 {
		v.Check(perPost >= perFile, "per_post_mb", "A post must be allowed at least one file of the largest size.")
		v.Check(perDay >= perPost, "per_day_mb", "A day must allow at least one post's files.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	values := UploadLimits{PerFile: perFile * MB, PerPost: perPost * MB, PerDay: perDay * MB}.FormValues()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for k, val := range values {
			if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value`, uploadSettingsPrefix+k, []byte(val)); err != nil {
				return err
			}
		}
		return logAction(ctx, tx, s.now(), actor, "change_settings", "uploads", 0,
			fmt.Sprintf("Upload limits: %d MB a file, %d MB a post, %d MB a member a day.", perFile, perPost, perDay))
	})
}

// uploadLimitsFor reads the limits only for a post that refers to uploads.
func (s *Store) uploadLimitsFor(ctx context.Context, r markup.Body) (UploadLimits, error) {
	if len(r.Uploads) == 0 {
		return DefaultUploadLimits(), nil
	}
	return s.UploadLimits(ctx)
}
