package handlers

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/crowdcare/crowdcare/models"
)

func threadID(path string) int64 { return atoi(strings.Split(path, "/")[2]) }

func atoi(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func threadQueryAll() models.ThreadQuery { return models.ThreadQuery{} }

func regexpFind(t *testing.T, s, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no match for %s", pattern)
	}
	return m[1]
}
