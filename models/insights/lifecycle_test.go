package insights

import (
	"runtime"
	"testing"
	"time"
)

// TestStartTwiceStopsOneFlusher: Start is exported and promoted onto
// models.Store (store.Start), so a second call must not start a second
// flusher that Stop never stops (it would tick on, flushing into the
// store's closed pools every few seconds); nor may Start after Stop start
// one again. After Stop no flusher goroutine is left.
func TestStartTwiceStopsOneFlusher(t *testing.T) {
	in, _ := openInsights(t)
	// Nothing touches the database between here and the check: the
	// buffer is empty, so Stop's last flush writes nothing.
	before := runtime.NumGoroutine()
	in.Start()
	in.Start()
	if err := in.Stop(); err != nil {
		t.Fatal(err)
	}
	in.Start() // after Stop: stays stopped
	if err := in.Stop(); err != nil {
		t.Fatal(err)
	}
	// Goroutines end asynchronously: poll until the count is back.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after Stop, %d before Start: a flusher is still running", runtime.NumGoroutine(), before)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
