package admin

import "log/slog"

// DefaultMaxBody is the request body limit when Config.MaxBody is zero.
const DefaultMaxBody = 64 << 10

// Config configures the admin API. Only Token is required.
type Config struct {
	// Token is the bearer token clients present in
	// "Authorization: Bearer <token>" (RFC 6750 §2.1). Required: New
	// returns ErrNoToken when it is empty.
	Token string
	// Logger receives audit and failure logs; nil means slog.Default().
	Logger *slog.Logger
	// MaxBody caps request bodies in bytes; zero or negative means
	// DefaultMaxBody. Larger bodies are answered with 413.
	MaxBody int64
}
