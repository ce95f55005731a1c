package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// exitOf waits for a child process and returns its exit code (-1: killed by
// a signal) and how long it took from now.
func exitOf(t *testing.T, cmd *exec.Cmd) (int, time.Duration) {
	t.Helper()
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode(), time.Since(start)
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, time.Since(start)
	case <-time.After(60 * time.Second): // a guard, not a timing assertion
		t.Fatal("the server did not stop within a minute of SIGTERM")
	}
	return 0, 0
}

// TestShutdownCutsASlowClientAtTheDeadline: a client that sends its form a
// byte at a time would hold the connection for its body's own time limit
// (smallBodyWait, 10 s); on SIGTERM the server waits --shutdown-timeout
// for it, then closes it and exits 1, saying so.
func TestShutdownCutsASlowClientAtTheDeadline(t *testing.T) {
	db := testDatabase(t, "slow.db")
	cmd, base, logs := serveProcess(t, "--db", db, "--shutdown-timeout", "1s")
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// "Expect: 100-continue": the server answers once the handler reads the
	// body, so the request is surely in flight before the signal.
	if _, err := io.WriteString(conn, "POST /login HTTP/1.1\r\nHost: "+u.Host+"\r\nContent-Type: application/x-www-form-urlencoded\r\n"+
		"Content-Length: 100000\r\nExpect: 100-continue\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.Contains(status, "100 Continue") {
		t.Fatalf("no 100 Continue: %q %v", status, err)
	}
	go func() {
		for {
			if _, err := conn.Write([]byte("a")); err != nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	code, took := exitOf(t, cmd)
	if code != 1 {
		t.Errorf("exit code %d after cutting a request off, want 1", code)
	}
	// Not a speed test: without the cut the server would wait for the
	// body's own limit of 10 s, or the client's next byte forever.
	if took >= 8*time.Second {
		t.Errorf("the server took %s to stop with a 1s shutdown deadline", took)
	}
	if !strings.Contains(logs.String(), "closed the connections still open") {
		t.Errorf("the log does not say connections were cut:\n%s", logs.String())
	}
}

// TestShutdownWithoutRequestsInFlightExitsZero: SIGTERM with only idle
// connections open (a browser keeps them) stops the server with exit code 0.
func TestShutdownWithoutRequestsInFlightExitsZero(t *testing.T) {
	db := testDatabase(t, "clean.db")
	cmd, base, logs := serveProcess(t, "--db", db)
	client := &http.Client{}
	for _, path := range []string{"/", "/healthz"} {
		res, err := client.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close() // the connection stays open, idle
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code, _ := exitOf(t, cmd); code != 0 {
		t.Fatalf("exit code %d after a clean shutdown:\n%s", code, logs.String())
	}
	if !strings.Contains(logs.String(), "stopped cleanly") {
		t.Errorf("the log does not say it stopped cleanly:\n%s", logs.String())
	}
}
