package b2bua

import (
	"context"
	"log/slog"
)

// minLevelHandler passes on only records at or above min. sipgo logs
// connection reference counting at Warn on every TCP close; the gateway's
// log keeps the stack's errors and drops that noise.
type minLevelHandler struct {
	slog.Handler
	min slog.Level
}

func (h minLevelHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevelHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevelHandler{Handler: h.Handler.WithAttrs(attrs), min: h.min}
}

func (h minLevelHandler) WithGroup(name string) slog.Handler {
	return minLevelHandler{Handler: h.Handler.WithGroup(name), min: h.min}
}

// stackLogger is the logger handed to sipgo.
func stackLogger(l *slog.Logger) *slog.Logger {
	return slog.New(minLevelHandler{Handler: l.Handler(), min: slog.LevelError}).With("component", "sipgo")
}
