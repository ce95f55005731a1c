//go:build linux || darwin

package models

import (
	"fmt"
	"syscall"
)

// diskFree is the space an unprivileged process may still use on the file
// system holding dir (statfs's available blocks, not counting root's reserve).
func diskFree(dir string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, fmt.Errorf("free space of %s: %w", dir, err)
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}
