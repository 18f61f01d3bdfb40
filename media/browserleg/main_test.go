package browserleg

import (
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// waitNoLeaks polls until no goroutine beyond opts' ignores is left,
// giving pion's short-lived shutdown goroutines time to exit, then
// reports what is still running.
func waitNoLeaks(t *testing.T, opts ...goleak.Option) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if goleak.Find(opts...) == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	goleak.VerifyNone(t, opts...)
}
