// Package templates embeds the HTML templates.
package templates

import "embed"

// Files holds layouts/, partials/ and pages/.
//
//go:embed layouts partials pages
var Files embed.FS
