package b2bua

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"time"

	"github.com/callgate/callgate/b2bua/location"
	"github.com/callgate/callgate/b2bua/sipauth"
	"github.com/callgate/callgate/wsgw"
)

// Config configures a Server. The zero value works: domain "localhost", no
// users (every request that needs authentication is refused), an in-memory
// location store and wsgw defaults.
type Config struct {
	// Domain is the SIP domain served (the host part of users' AORs).
	Domain string
	// Aliases are further hosts accepted in Request-URIs besides Domain and
	// IP literals.
	Aliases []string
	// ServerName is sent in Server and User-Agent headers; default "callgate".
	ServerName string
	// Users maps a user name to its secret (password or HA1 values).
	Users map[string]sipauth.Secret
	// Auth tunes digest authentication and failure bans.
	Auth AuthConfig
	// Registrar tunes registration expiry limits.
	Registrar RegistrarConfig
	// Store is the location service; nil means an in-memory store. The
	// Server closes it on Shutdown.
	Store location.Store
	// WS configures WebSocket termination for browsers.
	WS wsgw.Config
	// TLSConfig is used by ServeTLS for SIP over TLS.
	TLSConfig *tls.Config
	// Logger receives all logs; nil means slog.Default().
	Logger *slog.Logger
	// DNSDial connects to the DNS server for lookups of names other than
	// .invalid ones (which are always answered NXDOMAIN locally). Nil uses
	// the system's resolver configuration. Tests pass a dialer that fails so
	// no query leaves the machine.
	DNSDial func(ctx context.Context, network, address string) (net.Conn, error)
}

// AuthConfig tunes digest authentication (RFC 3261 §22, RFC 8760).
type AuthConfig struct {
	// Realm defaults to the domain.
	Realm string
	// NonceTTL is how long a nonce stays fresh; default 5 minutes.
	NonceTTL time.Duration
	// Algorithms offered, one challenge each, in this order (RFC 8760 §2.3).
	// Default MD5 then SHA-256: many desk phones, sipp, JsSIP and SIP.js read
	// only the first challenge and implement only MD5, so SHA-256 first
	// would lock them out; clients that pick the best algorithm they support
	// still find SHA-256. WebSocket clients always get MD5 first.
	Algorithms []sipauth.Algorithm
	// MaxFailures is how many failed attempts a source may make for one
	// user before it is answered 403 for BanTime; default 5.
	MaxFailures int
	// BanTime is how long a source stays refused; default 5 minutes.
	BanTime time.Duration
}

// RegistrarConfig tunes the registrar (RFC 3261 §10.3).
type RegistrarConfig struct {
	// MinExpires is the shortest accepted registration; shorter requests get
	// 423 Interval Too Brief. Default 60 s.
	MinExpires time.Duration
	// MaxExpires caps granted expiry; default 3600 s.
	MaxExpires time.Duration
	// DefaultExpires applies when the request names none; default 3600 s.
	DefaultExpires time.Duration
}

// withDefaults returns c with zero fields replaced by defaults.
func (c Config) withDefaults() Config {
	if c.Domain == "" {
		c.Domain = "localhost"
	}
	if c.ServerName == "" {
		c.ServerName = "callgate"
	}
	if c.Auth.Realm == "" {
		c.Auth.Realm = c.Domain
	}
	if len(c.Auth.Algorithms) == 0 {
		c.Auth.Algorithms = []sipauth.Algorithm{sipauth.MD5, sipauth.SHA256}
	}
	if c.Auth.MaxFailures <= 0 {
		c.Auth.MaxFailures = 5
	}
	if c.Auth.BanTime <= 0 {
		c.Auth.BanTime = 5 * time.Minute
	}
	if c.Registrar.MinExpires <= 0 {
		c.Registrar.MinExpires = 60 * time.Second
	}
	if c.Registrar.MaxExpires <= 0 {
		c.Registrar.MaxExpires = time.Hour
	}
	if c.Registrar.MaxExpires < c.Registrar.MinExpires {
		c.Registrar.MaxExpires = c.Registrar.MinExpires
	}
	if c.Registrar.DefaultExpires <= 0 {
		c.Registrar.DefaultExpires = time.Hour
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.WS.Logger == nil {
		c.WS.Logger = c.Logger
	}
	return c
}
