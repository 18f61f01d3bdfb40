package e2e

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no goroutine of the harness (packet capture,
// ctrl_tcp and driver readers, the page server, process waiters) outlives
// the tests.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
