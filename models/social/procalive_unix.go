//go:build linux || darwin

package social

import (
	"errors"
	"os"
	"syscall"
)

// OtherProcessAlive reports whether pid is a process other than this one
// that still runs: a job it runs is not interrupted. (A pid reused by an
// unrelated process keeps its job "running" until that process ends.)
func OtherProcessAlive(pid int) bool {
	if pid <= 0 || pid == os.Getpid() {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
