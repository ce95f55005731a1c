package main

import (
	"os"
	osuser "os/user"
)

// operator says who runs a command, for the audit log: the operating-system
// user and the host, as well as they can be told.
func operator() string {
	name, host := "an unknown user", "an unknown host"
	if u, err := osuser.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		host = h
	}
	return "command line (" + name + "@" + host + ")"
}
