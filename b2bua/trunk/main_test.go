package trunk

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
	goleak.VerifyTestMain(m)
}

// testLogger discards logs unless CALLGATE_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("CALLGATE_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}
