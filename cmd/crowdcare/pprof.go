//go:build pprof

package main

// Profiling the server under load (docs/benchmarks.md): a binary built with
// -tags pprof serves net/http/pprof on CROWDCARE_PPROF (e.g. 127.0.0.1:6060)
// from the serve command only, so the children loadtest starts can be
// profiled while it drives them. Never part of a release build.

import (
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof on http.DefaultServeMux
	"os"
)

func init() {
	addr := os.Getenv("CROWDCARE_PPROF")
	if addr == "" || len(os.Args) < 2 || os.Args[1] != "serve" {
		return
	}
	go func() {
		if err := http.ListenAndServe(addr, nil); err != nil {
			os.Stderr.WriteString("pprof: " + err.Error() + "\n")
		}
	}()
}
