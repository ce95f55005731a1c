package models

import "strings"

// sharedMark starts the path of a job's file (an import's upload, an
// export's archive) kept in the storage the app servers share (a bucket)
// rather than on one server's disk; what follows is its key there.
const sharedMark = "shared:"

// SharedPath is the path recorded for a file stored under key in the
// shared storage.
func SharedPath(key string) string { return sharedMark + key }

// SharedKey is the key of a path SharedPath made, and whether it is one
// (the others are files on the disk of the server that made them).
func SharedKey(path string) (string, bool) {
	return strings.CutPrefix(path, sharedMark)
}
