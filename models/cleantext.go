package models

import "github.com/crowdcare/crowdcare/models/markup"

// cleanText and firstControl are markup's (CleanText, FirstControl), under
// the names this package's files use.
func cleanText(s string) string { return markup.CleanText(s) }

func firstControl(s string) (rune, bool) { return markup.FirstControl(s) }
