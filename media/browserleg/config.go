package browserleg

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/callgate/callgate/media/codec"
)

// Defaults applied by NewEngine to zero Config fields.
const (
	// DefaultICEDisconnectedTimeout is how long without a packet from the
	// browser before ICE reports "disconnected" (logged, not fatal).
	DefaultICEDisconnectedTimeout = 5 * time.Second
	// DefaultICEFailedTimeout is how long without a packet from the browser
	// before ICE fails and the Leg ends with ErrICEFailed. Browsers send a
	// consent check at least every 5 s even when muted or on hold
	// (RFC 7675 §5.1), so 15 s tolerates two lost checks.
	DefaultICEFailedTimeout = 15 * time.Second
	// DefaultGatherTimeout bounds the wait for ICE gathering before a
	// description is returned; with one host candidate on a mux it takes
	// microseconds.
	DefaultGatherTimeout = 5 * time.Second
)

// Config configures an Engine. The zero value works: an ephemeral
// certificate, a socket on 0.0.0.0:<random> and the first non-loopback
// IPv4 address advertised.
type Config struct {
	// UDPConn is the one UDP socket all browser legs share through pion's
	// ICE UDP mux. The Engine takes ownership and closes it in Close. nil
	// means listen on 0.0.0.0:0 (tests pass a socket on 127.0.0.1:0).
	// Ignored when PortMin and PortMax are set.
	UDPConn net.PacketConn

	// PortMin and PortMax, when both are set, give every leg a UDP port of
	// its own from this range (bound on BindIP) instead of the shared
	// socket: for firewalls and load balancers that expect a port per
	// call. A range with no free port makes new legs fail.
	PortMin, PortMax int
	// BindIP is the address range-mode sockets bind to; zero means all
	// IPv4 addresses.
	BindIP netip.Addr

	// FullICE makes callgate a full ICE agent (RFC 8445) that runs
	// connectivity checks itself, for deployments where it is not on a
	// public address; the default is ICE-lite (RFC 8445 §2.5).
	FullICE bool

	// PublicIP is the 1:1 NAT address advertised in our host candidate.
	// Zero means the socket's own address; for a socket on an unspecified
	// address, the first non-loopback IPv4 address of the host, else
	// 127.0.0.1. Must be IPv4.
	PublicIP netip.Addr

	// CertFile is a PEM file holding our ECDSA P-256 DTLS certificate and
	// key. It is generated on first use and written with mode 0600 so the
	// fingerprint stays stable across restarts. "" means an ephemeral
	// in-memory certificate.
	CertFile string

	// DisableFastPath keeps every leg's SRTP in pion. By default, once a
	// leg's DTLS association is up, its SRTP and SRTCP bypass pion: they
	// are decrypted and handed over in the goroutine that reads the
	// socket, and encrypted and sent by WriteRTP itself, which costs far
	// less CPU per call. A leg whose keys cannot be derived stays on
	// pion's path either way.
	DisableFastPath bool

	// Opus tunes the Opus encoder of transcoding bridges (toward a browser
	// that sends and takes only Opus); the zero value is codec's default.
	Opus codec.OpusConfig

	// ICEDisconnectedTimeout: 0 means DefaultICEDisconnectedTimeout.
	ICEDisconnectedTimeout time.Duration
	// ICEFailedTimeout: 0 means DefaultICEFailedTimeout.
	ICEFailedTimeout time.Duration
	// GatherTimeout: 0 means DefaultGatherTimeout.
	GatherTimeout time.Duration

	// Logger receives the engine's and pion's logs; nil means
	// slog.Default().
	Logger *slog.Logger
}

// withDefaults returns a copy of c with zero fields filled in.
func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.ICEDisconnectedTimeout <= 0 {
		c.ICEDisconnectedTimeout = DefaultICEDisconnectedTimeout
	}
	if c.ICEFailedTimeout <= 0 {
		c.ICEFailedTimeout = DefaultICEFailedTimeout
	}
	if c.ICEFailedTimeout < c.ICEDisconnectedTimeout {
		c.ICEFailedTimeout = c.ICEDisconnectedTimeout
	}
	if c.GatherTimeout <= 0 {
		c.GatherTimeout = DefaultGatherTimeout
	}
	if !c.BindIP.IsValid() {
		c.BindIP = netip.IPv4Unspecified()
	}
	return c
}

// portRange reports whether legs get ports of their own.
func (c Config) portRange() bool { return c.PortMin > 0 && c.PortMax > 0 }

// validate checks the port range.
func (c Config) validate() error {
	if err := c.Opus.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	if !c.portRange() {
		if c.PortMin != 0 || c.PortMax != 0 {
			return fmt.Errorf("%w: set both PortMin and PortMax, or neither", ErrInvalidConfig)
		}
		return nil
	}
	if c.PortMin > c.PortMax || c.PortMax > 65535 {
		return fmt.Errorf("%w: port range %d-%d", ErrInvalidConfig, c.PortMin, c.PortMax)
	}
	if !c.BindIP.Unmap().Is4() {
		return fmt.Errorf("%w: bind IP %s is not IPv4", ErrInvalidConfig, c.BindIP)
	}
	return nil
}

// interfaceAddrs lists the host's interface addresses; a variable so tests
// can stub it.
var interfaceAddrs = hostIPv4s

// advertisedIP picks the address for our host candidate: the configured
// public IP, else the socket's own address, else (unspecified socket) the
// first non-loopback IPv4 address, else loopback.
func advertisedIP(public netip.Addr, local net.Addr) (netip.Addr, error) {
	if public.IsValid() {
		public = public.Unmap()
		if !public.Is4() || public.IsUnspecified() {
			return netip.Addr{}, fmt.Errorf("%w: public IP %s is not a usable IPv4 address", ErrInvalidConfig, public)
		}
		return public, nil
	}
	ua, ok := local.(*net.UDPAddr)
	if !ok {
		return netip.Addr{}, fmt.Errorf("%w: socket address %v is not UDP", ErrInvalidConfig, local)
	}
	ip, ok := netip.AddrFromSlice(ua.IP)
	if ok && !ip.Unmap().IsUnspecified() {
		ip = ip.Unmap()
		if !ip.Is4() {
			return netip.Addr{}, fmt.Errorf("%w: socket address %s is not IPv4", ErrInvalidConfig, ip)
		}
		return ip, nil
	}
	for _, a := range interfaceAddrs() {
		if a.Is4() && !a.IsLoopback() && !a.IsLinkLocalUnicast() && !a.IsUnspecified() {
			return a, nil
		}
	}
	return netip.AddrFrom4([4]byte{127, 0, 0, 1}), nil
}

// hostIPv4s returns the addresses of the interfaces that are up, in the
// order the system lists them.
func hostIPv4s() []netip.Addr {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil
	}
	var out []netip.Addr
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			if ip, ok := netip.AddrFromSlice(ipn.IP); ok {
				out = append(out, ip.Unmap())
			}
		}
	}
	return out
}
