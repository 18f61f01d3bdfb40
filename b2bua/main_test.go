package b2bua_test

import (
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/emiago/sipgo/sip"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if os.Getenv("CALLGATE_TEST_LOG") == "" {
		sip.SetDefaultLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
	}
	// sipgo opens a fresh UDP socket when a test peer's stack answers a
	// packet that arrives while it is being closed, after its pool has been
	// cleared; that socket and its reader then outlive the peer. The
	// gateway's own goroutines are checked without this exception by
	// TestThousandSequentialCallsLeakNothing and every other function.
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/emiago/sipgo/sip.(*TransportUDP).readUDPConnection"))
}
