package wsgw

import (
	"crypto/tls"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Default values applied to zero fields of Config.
const (
	// DefaultPath is the default WebSocket upgrade path.
	DefaultPath = "/ws"
	// DefaultReadLimit is the default maximum received message size (64 KiB).
	DefaultReadLimit = 64 << 10
	// DefaultHandshakeTimeout is the default bound on request headers,
	// TLS handshake and upgrade response.
	DefaultHandshakeTimeout = 5 * time.Second
	// DefaultPingInterval is the default period of WebSocket pings.
	DefaultPingInterval = 25 * time.Second
	// DefaultPongWait is the default extra time allowed for a pong.
	DefaultPongWait = 10 * time.Second
	// DefaultWriteTimeout is the default bound on one frame write.
	DefaultWriteTimeout = 10 * time.Second
	// DefaultSendQueue is the default per-connection send queue length.
	DefaultSendQueue = 128
)

// Config configures a Server. The zero value is usable: zero (or negative)
// fields take the Default* values.
type Config struct {
	// Path is the URL path that accepts WebSocket upgrades. Default "/ws".
	Path string

	// AllowedOrigins lists the browser origins allowed to connect, as full
	// origins such as "https://example.com" (scheme and host compared
	// case-insensitively, default ports made explicit), besides the same
	// host, which is always allowed: an Origin whose host:port equals the
	// request's Host (the gateway's own pages). The entry "*" allows any
	// origin. Requests without an Origin header (non-browser SIP clients)
	// are always allowed.
	AllowedOrigins []string

	// ReadLimit is the maximum size of one received message in bytes.
	// Default 64 KiB.
	ReadLimit int64

	// HandshakeTimeout bounds reading the HTTP request headers, the TLS
	// handshake and writing the upgrade response. Default 5s.
	HandshakeTimeout time.Duration

	// PingInterval is the period of WebSocket ping frames. A connection from
	// which nothing is received within PingInterval + PongWait is closed.
	// Default 25s.
	PingInterval time.Duration

	// PongWait is the extra time allowed for a pong. Default 10s.
	PongWait time.Duration

	// WriteTimeout bounds each frame write. Default 10s.
	WriteTimeout time.Duration

	// SendQueue is the number of messages that may wait in a connection's
	// outgoing queue. When it is full, Conn.Send fails with ErrSendQueueFull
	// and the connection is closed. Default 128.
	SendQueue int

	// Static serves every path other than Path and "/healthz" (the web
	// dialer). Nil serves a small placeholder page at "/" and 404 elsewhere.
	Static http.Handler

	// TLSConfig, when non-nil, makes Serve speak TLS (WSS). It must provide
	// certificates. Its NextProtos are replaced by "http/1.1" because the
	// WebSocket upgrade needs HTTP/1.1.
	TLSConfig *tls.Config

	// Logger receives connection and refusal logs. Nil means slog.Default().
	Logger *slog.Logger
}

// withDefaults returns a copy of c with every zero field set to its default.
func (c Config) withDefaults() Config {
	if c.Path == "" {
		c.Path = DefaultPath
	}
	if !strings.HasPrefix(c.Path, "/") {
		c.Path = "/" + c.Path
	}
	if c.ReadLimit <= 0 {
		c.ReadLimit = DefaultReadLimit
	}
	if c.HandshakeTimeout <= 0 {
		c.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if c.PingInterval <= 0 {
		c.PingInterval = DefaultPingInterval
	}
	if c.PongWait <= 0 {
		c.PongWait = DefaultPongWait
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.SendQueue <= 0 {
		c.SendQueue = DefaultSendQueue
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}
