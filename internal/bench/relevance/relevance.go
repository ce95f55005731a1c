// Package relevance is the search relevance set: realistic support threads
// with overlapping vocabulary (data/threads*.txt), written to sit beside the
// demo content, and queries phrased the way customers phrase them, each
// with the title of the question that answers it (data/queries*.txt).
//
// It is data only, with no store behind it, so that the search conformance
// tests in models can read it as well as the benchmarks (internal/bench
// seeds it and measures the ranking on it; `crowdcare bench search` prints
// the figures).
package relevance

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed data/*.txt
var files embed.FS

// Thread is one fixture thread.
type Thread struct {
	Category, Tags, Title, Question, Accepted string
	Others                                    []string // answers not accepted
}

// Query is a query and the title of the question it should find.
type Query struct {
	Query, Want string
}

func read(pattern string, fn func(line string) error) error {
	names, err := fs.Glob(files, "data/"+pattern)
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		b, err := files.ReadFile(name)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "#") {
				continue
			}
			if err := fn(strings.TrimSpace(line)); err != nil {
				return fmt.Errorf("%s:%d: %w", name, i+1, err)
			}
		}
	}
	return nil
}

// Threads parses the fixture threads: blocks of "X: text" lines separated
// by blank lines (C category, G tags, T title, Q question, A the accepted
// answer, O another answer).
func Threads() ([]Thread, error) {
	var out []Thread
	var cur *Thread
	err := read("threads*.txt", func(line string) error {
		if line == "" {
			cur = nil
			return nil
		}
		if cur == nil {
			out = append(out, Thread{})
			cur = &out[len(out)-1]
		}
		key, text, ok := strings.Cut(line, ": ")
		if !ok {
			return fmt.Errorf("not a field: %q", line)
		}
		switch key {
		case "C":
			cur.Category = text
		case "G":
			cur.Tags = text
		case "T":
			cur.Title = text
		case "Q":
			cur.Question = text
		case "A":
			cur.Accepted = text
		case "O":
			cur.Others = append(cur.Others, text)
		default:
			return fmt.Errorf("unknown field %q", key)
		}
		return nil
	})
	return out, err
}

// Queries are the relevance set's queries.
func Queries() ([]Query, error) {
	var out []Query
	err := read("queries*.txt", func(line string) error {
		if line == "" {
			return nil
		}
		q, want, ok := strings.Cut(line, " | ")
		if !ok {
			return fmt.Errorf("not 'query | title': %q", line)
		}
		out = append(out, Query{Query: strings.TrimSpace(q), Want: strings.TrimSpace(want)})
		return nil
	})
	return out, err
}
