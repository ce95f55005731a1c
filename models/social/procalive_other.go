//go:build !(linux || darwin)

package social

import "os"

// OtherProcessAlive cannot look at processes here: any other process's job
// counts as still running.
func OtherProcessAlive(pid int) bool { return pid > 0 && pid != os.Getpid() }
