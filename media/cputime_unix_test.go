//go:build unix

package media

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time this process has used (user and system): on a
// machine others share, a benchmark's CPU time per operation says what its
// wall time would be with the cores to itself.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
