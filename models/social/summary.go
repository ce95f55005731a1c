package social

import (
	"fmt"
	"sort"
)

// SkippedRecord is a record a file could not give.
type SkippedRecord struct {
	File   string
	Line   int
	Reason string
}

// String is the record as import reports list it: "file line 3: reason",
// leaving out what is not known.
func (r SkippedRecord) String() string {
	switch {
	case r.Line > 0 && r.File != "":
		return fmt.Sprintf("%s line %d: %s", r.File, r.Line, r.Reason)
	case r.Line > 0:
		return fmt.Sprintf("line %d: %s", r.Line, r.Reason)
	case r.File != "":
		return r.File + ": " + r.Reason
	}
	return r.Reason
}

// ImportSummary says what an import did, or with DryRun would do.
type ImportSummary struct {
	Read       int
	Imported   int // new items stored
	Duplicates int // already imported earlier (by tweet id)
	Filtered   map[string]int
	Threads    int // threads created
	Answers    int // answers added (to new or existing threads), questions that became answers included
	Merged     int // earlier imports' threads merged into another of their conversation, which the new tweets linked
	Inbox      int // items waiting for triage
	Skipped    []SkippedRecord
	DryRun     bool
}

// FilteredTotal is the number of filtered items, all reasons together.
func (s *ImportSummary) FilteredTotal() int {
	n := 0
	for _, v := range s.Filtered {
		n += v
	}
	return n
}

// FilterReasons lists the reasons in a stable order, for reports.
func (s *ImportSummary) FilterReasons() []string {
	var out []string
	for k := range s.Filtered {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
