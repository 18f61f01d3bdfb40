package b2bua

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/callgate/callgate/b2bua/accounts"
	"github.com/callgate/callgate/b2bua/cdr"
	"github.com/callgate/callgate/b2bua/hep"
	"github.com/callgate/callgate/b2bua/location"
	"github.com/callgate/callgate/b2bua/sipauth"
	"github.com/callgate/callgate/media/dtmf"
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
	// WS configures WebSocket termination for browsers. Its ReadLimit
	// defaults to, and is capped at, MaxMessageSize.
	WS wsgw.Config
	// TLSConfig is used by ServeTLS for SIP over TLS.
	TLSConfig *tls.Config
	// Calls tunes call handling.
	Calls CallConfig
	// Media configures RTP anchoring.
	Media MediaConfig
	// WebRTC configures the browser media leg.
	WebRTC WebRTCConfig
	// Routing configures trunks, the dialplan and inbound numbers.
	Routing RoutingConfig
	// Policies limit individual users, by user name.
	Policies map[string]UserPolicy
	// Accounts persists users added at run time (admin API); nil keeps
	// them in memory. The Server closes it on Shutdown.
	Accounts accounts.Store
	// Records configures call detail records and call event webhooks; the
	// zero value keeps none.
	Records cdr.Config
	// Recording chooses calls to record; the zero value records none.
	Recording RecordingConfig
	// Capture exports SIP messages to a HEP collector (Homer) when its
	// Collector is set.
	Capture hep.Config
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
	// Default MD5 alone: Debian's baresip 1.0 (libre) fails outright on a
	// 401 that also offers SHA-256, and sipp, JsSIP and SIP.js know only
	// MD5. List SHA-256 (first or second) when every client copes; clients
	// that pick the best algorithm they support then use it. WebSocket
	// clients get the MD5 challenge alone either way (JsSIP and SIP.js keep
	// the last challenge header).
	Algorithms []sipauth.Algorithm
	// MaxFailures is how many failed attempts a source may make for one
	// user before it is answered 403 for BanTime; default 5.
	MaxFailures int
	// BanTime is how long a source stays refused; default 5 minutes.
	BanTime time.Duration
	// Tokens enables short-lived token credentials for embedded dialers
	// (see MintToken); disabled while its Secret is empty.
	Tokens TokenConfig
}

// CallConfig tunes the B2BUA's calls.
type CallConfig struct {
	// RingTimeout ends an unanswered call: 480 to the caller, CANCEL to the
	// callees. Default 60 s.
	RingTimeout time.Duration
	// MaxCalls caps concurrent calls; beyond it new calls get 503. Zero
	// means 10000.
	MaxCalls int
	// MaxCallsPerUser caps concurrent calls a user places; beyond it 486.
	// Zero means 10.
	MaxCallsPerUser int
	// SessionExpires is the session interval callgate asks phones and
	// trunks for (RFC 4028 §7.1); default 30 minutes, negative asks for
	// none. Callers' own intervals are honoured either way.
	SessionExpires time.Duration
	// MinSE is the shortest session interval accepted: shorter requests
	// get 422 (RFC 4028 §8.1). Default 90 s, the RFC's minimum.
	MinSE time.Duration
	// AckTimeout ends an answered call whose caller never sends the ACK;
	// default 64*T1 = 32 s (RFC 3261 §13.3.1.4).
	AckTimeout time.Duration
}

// MediaConfig configures where callgate anchors RTP.
type MediaConfig struct {
	// BindIP is the local address RTP sockets bind to; default 0.0.0.0.
	BindIP netip.Addr
	// AdvertiseIP is the address written into SDP (a public or NAT 1:1
	// address); default BindIP when specified, else the host's first
	// non-loopback IPv4 address, else 127.0.0.1.
	AdvertiseIP netip.Addr
	// PortMin and PortMax bound the RTP port range; default 20000–39999.
	PortMin, PortMax int
	// Quarantine keeps a released port unused this long; default 10 s.
	Quarantine time.Duration
	// InactivityTimeout ends a call when no RTP or RTCP arrives from either
	// side for this long; default 30 s, negative disables.
	InactivityTimeout time.Duration
	// LatchAny lets phones behind NAT be learned from their first packets
	// from any address instead of only from their signalled IP.
	LatchAny bool
	// PhoneDTMF is how digits reach phones in calls with a browser:
	// dtmf.ModeAuto (the zero value) sends RFC 4733 telephone-events when
	// the phone negotiated them and SIP INFO otherwise; ModeRFC4733 and
	// ModeInfo force one. Browsers always get INFO (GUIDE §4).
	PhoneDTMF dtmf.Mode
	// BrowserOpus puts Opus on browser legs even when the browser and the
	// phone share a codec, transcoding to the phone's (for quality on
	// lossy networks: Opus FEC and concealment). Off by default: shared
	// codecs pass untouched.
	BrowserOpus bool
}

// WebRTCConfig configures DTLS-SRTP media with browsers: one UDP socket
// for every browser leg (ICE-lite, RFC 8445 §2.5) and a persisted certificate.
type WebRTCConfig struct {
	// UDPConn is the shared ICE socket; nil listens on 0.0.0.0:0.
	UDPConn net.PacketConn
	// PublicIP is advertised in ICE candidates (NAT 1:1); zero means the
	// socket's address.
	PublicIP netip.Addr
	// CertFile keeps the DTLS certificate across restarts; "" is ephemeral.
	CertFile string
	// ICEFailedTimeout ends a browser leg that stops answering ICE checks
	// (or never starts); zero means browserleg's default of 15 s.
	ICEFailedTimeout time.Duration
	// PortMin and PortMax, when set, give each browser leg a port of its
	// own (bound on BindIP) instead of the shared UDPConn.
	PortMin, PortMax int
	// BindIP is where per-leg ports listen; zero means all addresses.
	BindIP netip.Addr
	// FullICE runs full ICE (RFC 8445) instead of ICE-lite.
	FullICE bool
	// PionSRTP keeps every browser leg's SRTP in pion instead of
	// callgate's own inline SRTP path (browserleg.Config.DisableFastPath),
	// which is the default and costs about a third less CPU.
	PionSRTP bool
	// OpusBitrate is the bitrate, in bit/s, of the Opus callgate encodes
	// toward browsers on transcoded calls; 0 picks one by the phone's
	// audio band (20 kbit/s from G.711, 24 kbit/s from G.722).
	OpusBitrate int
	// OpusComplexity is that encoder's complexity, 1–10; 0 means 1,
	// which carries the most calls per core.
	OpusComplexity int
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
	if c.Auth.Tokens.MaxLifetime <= 0 {
		c.Auth.Tokens.MaxLifetime = 24 * time.Hour
	}
	if len(c.Auth.Algorithms) == 0 {
		c.Auth.Algorithms = []sipauth.Algorithm{sipauth.MD5}
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
	if c.Calls.RingTimeout <= 0 {
		c.Calls.RingTimeout = 60 * time.Second
	}
	if c.Calls.SessionExpires == 0 {
		c.Calls.SessionExpires = 30 * time.Minute
	}
	if c.Calls.MinSE <= 0 {
		c.Calls.MinSE = 90 * time.Second
	}
	if c.Calls.SessionExpires > 0 && c.Calls.SessionExpires < c.Calls.MinSE {
		c.Calls.SessionExpires = c.Calls.MinSE
	}
	if c.Calls.AckTimeout <= 0 {
		c.Calls.AckTimeout = 32 * time.Second
	}
	if c.Calls.MaxCalls <= 0 {
		c.Calls.MaxCalls = 10000
	}
	if c.Calls.MaxCallsPerUser <= 0 {
		c.Calls.MaxCallsPerUser = 10
	}
	if !c.Media.BindIP.IsValid() {
		c.Media.BindIP = netip.IPv4Unspecified()
	}
	if !c.Media.AdvertiseIP.IsValid() {
		c.Media.AdvertiseIP = defaultAdvertiseIP(c.Media.BindIP)
	}
	if c.Media.InactivityTimeout == 0 {
		c.Media.InactivityTimeout = 30 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.WS.Logger == nil {
		c.WS.Logger = c.Logger
	}
	if c.WS.ReadLimit <= 0 || c.WS.ReadLimit > MaxMessageSize {
		c.WS.ReadLimit = MaxMessageSize
	}
	return c
}

// defaultAdvertiseIP picks the address to put in SDP when none is set.
func defaultAdvertiseIP(bind netip.Addr) netip.Addr {
	if !bind.IsUnspecified() {
		return bind
	}
	addrs, err := net.InterfaceAddrs()
	if err == nil {
		for _, a := range addrs {
			if pfx, err := netip.ParsePrefix(a.String()); err == nil {
				ip := pfx.Addr()
				if ip.Is4() && !ip.IsLoopback() && !ip.IsLinkLocalUnicast() {
					return ip
				}
			}
		}
	}
	return netip.AddrFrom4([4]byte{127, 0, 0, 1})
}
