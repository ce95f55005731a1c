package accounts

import (
	"testing"
	"time"
)

func TestLoginDelayDoublesUpToTheCap(t *testing.T) {
	want := map[int]time.Duration{0: 0, 4: 0, 5: time.Second, 6: 2 * time.Second, 9: 16 * time.Second,
		14: 512 * time.Second, 15: LoginMaxDelay, 100: LoginMaxDelay}
	for n, d := range want {
		if got := loginDelay(n); got != d {
			t.Errorf("loginDelay(%d) = %v, want %v", n, got, d)
		}
	}
}
