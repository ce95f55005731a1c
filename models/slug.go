package models

import "github.com/crowdcare/crowdcare/models/forum"

// Slugify makes an ASCII URL segment from a title (forum.Slugify). Moved
// to models/forum; this keeps the name handlers and commands use.
func Slugify(title string) string { return forum.Slugify(title) }
