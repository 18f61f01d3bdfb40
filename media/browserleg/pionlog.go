package browserleg

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/pion/logging"
)

// pionLogs adapts a *slog.Logger to pion's logging.LoggerFactory. pion's
// Info messages (state changes of every connection) go to Debug, Trace is
// dropped; Warn and Error keep their level, except once quiet reports
// true: a leg being torn down makes pion complain about closed streams,
// which is expected then and logged at Debug. Formatting happens only when
// the level is enabled.
type pionLogs struct {
	log   *slog.Logger
	quiet func() bool // nil: never quiet
}

// NewLogger implements logging.LoggerFactory.
func (f pionLogs) NewLogger(scope string) logging.LeveledLogger {
	return pionLogger{log: f.log.With("pion", scope), quiet: f.quiet}
}

type pionLogger struct {
	log   *slog.Logger
	quiet func() bool
}

func (l pionLogger) level(level slog.Level) slog.Level {
	if level > slog.LevelDebug && l.quiet != nil && l.quiet() {
		return slog.LevelDebug
	}
	return level
}

func (l pionLogger) emit(level slog.Level, msg string) {
	l.log.Log(context.Background(), l.level(level), msg)
}

func (l pionLogger) emitf(level slog.Level, format string, args ...any) {
	level = l.level(level)
	if l.log.Enabled(context.Background(), level) {
		l.log.Log(context.Background(), level, fmt.Sprintf(format, args...))
	}
}

func (l pionLogger) Trace(string)          {}
func (l pionLogger) Tracef(string, ...any) {}
func (l pionLogger) Debug(msg string)      { l.emit(slog.LevelDebug, msg) }
func (l pionLogger) Debugf(format string, args ...any) {
	l.emitf(slog.LevelDebug, format, args...)
}
func (l pionLogger) Info(msg string) { l.emit(slog.LevelDebug, msg) }
func (l pionLogger) Infof(format string, args ...any) {
	l.emitf(slog.LevelDebug, format, args...)
}
func (l pionLogger) Warn(msg string) { l.emit(slog.LevelWarn, msg) }
func (l pionLogger) Warnf(format string, args ...any) {
	l.emitf(slog.LevelWarn, format, args...)
}
func (l pionLogger) Error(msg string) { l.emit(slog.LevelError, msg) }
func (l pionLogger) Errorf(format string, args ...any) {
	l.emitf(slog.LevelError, format, args...)
}
