package browserleg

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/logging"
	"github.com/pion/webrtc/v4"

	"github.com/callgate/callgate/media"
)

// iceKeepalive is how often a connected agent sends keepalives; an ICE-lite
// agent mostly answers the browser's checks.
const iceKeepalive = 2 * time.Second

// Engine holds what every browser leg shares: the ICE UDP mux on one
// socket, the DTLS certificate and pion's setting engine. It is safe for
// concurrent use.
type Engine struct {
	cfg         Config
	log         *slog.Logger
	mux         ice.UDPMux
	media       *mediaConn    // the shared socket wrapped for the fast path; nil: off
	playout     *playoutClock // ticks the transcoding bridges (playout.go)
	browserRTCP time.Duration // the fast path's report interval toward browsers
	settings    webrtc.SettingEngine
	cert        webrtc.Certificate
	fingerprint string
	addr        netip.AddrPort

	ids atomic.Uint64 // numbers legs in logs

	mu     sync.Mutex
	legs   map[*Leg]struct{}
	closed bool
}

// NewEngine opens (or adopts) the shared UDP socket, loads or creates the
// certificate and prepares the settings every leg uses. A Config.UDPConn
// belongs to the Engine once NewEngine succeeds; on error it is left open.
func NewEngine(cfg Config) (*Engine, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	e := &Engine{cfg: cfg, log: cfg.Logger, legs: make(map[*Leg]struct{}), browserRTCP: browserRTCPInterval}

	cert, generated, err := loadCertificate(cfg.CertFile, time.Now())
	if err != nil {
		return nil, err
	}
	fp, err := fingerprintOf(cert)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCertificate, err)
	}
	e.cert, e.fingerprint = *cert, fp
	if generated && cfg.CertFile != "" {
		e.log.Info("browserleg: generated DTLS certificate", "file", cfg.CertFile, "fingerprint", fp)
	}

	conn, err := e.sharedConn()
	if err != nil {
		return nil, err
	}
	var local net.Addr = &net.UDPAddr{IP: cfg.BindIP.AsSlice()}
	if conn != nil {
		local = conn.LocalAddr()
	}
	ip, err := advertisedIP(cfg.PublicIP, local)
	if err != nil {
		if conn != nil && cfg.UDPConn == nil {
			conn.Close()
		}
		return nil, err
	}
	port := 0
	if ua, ok := local.(*net.UDPAddr); ok {
		port = ua.Port
	}
	e.addr = netip.AddrPortFrom(ip, uint16(port))

	logs := pionLogs{log: e.log}
	se := webrtc.SettingEngine{LoggerFactory: logs}
	// One host candidate with the advertised address whatever the socket's
	// own address is (1:1 NAT).
	if err := se.SetICEAddressRewriteRules(webrtc.ICEAddressRewriteRule{
		External:        []string{ip.String()},
		AsCandidateType: webrtc.ICECandidateTypeHost,
		Mode:            webrtc.ICEAddressRewriteReplace,
	}); err != nil {
		if conn != nil && cfg.UDPConn == nil {
			conn.Close()
		}
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	// RFC 8445 §2.5: a server on a public address runs ICE-lite, offers
	// host candidates only and never starts checks itself.
	se.SetLite(!cfg.FullICE)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	// mDNS candidates (RFC 8839 §5.1 / draft-ietf-mmusic-mdns-ice-candidates)
	// are neither gathered nor resolved: the browser's address is learnt
	// from its checks as a peer-reflexive candidate (RFC 8445 §7.3.1.3).
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetIncludeLoopbackCandidate(true)
	if conn != nil {
		e.mux = webrtc.NewICEUDPMux(logs.NewLogger("udpmux"), e.fastConn(conn))
		se.SetICEUDPMux(e.mux)
	}
	se.SetICETimeouts(cfg.ICEDisconnectedTimeout, cfg.ICEFailedTimeout, iceKeepalive)
	e.settings = se
	e.playout = newPlayoutClock(e.media, runtime.GOMAXPROCS(0), e.log)
	e.log.Debug("browserleg: engine ready", "addr", e.addr, "fingerprint", fp)
	return e, nil
}

// fastConn wraps the shared socket for the SRTP fast path (fastconn.go)
// unless the fast path is off or the socket is not a UDP socket.
func (e *Engine) fastConn(conn net.PacketConn) net.PacketConn {
	if e.cfg.DisableFastPath {
		return conn
	}
	uc, ok := conn.(*net.UDPConn)
	if !ok {
		e.log.Debug("browserleg: SRTP fast path off", "reason", fmt.Sprintf("socket is a %T, not a *net.UDPConn", conn))
		return conn
	}
	e.media = newMediaConn(uc)
	return e.media
}

// Fingerprint returns the certificate fingerprint as it appears in SDP,
// "sha-256 AB:CD:..." (RFC 8122 §5).
func (e *Engine) Fingerprint() string { return e.fingerprint }

// Addr returns the address and port advertised in every leg's host
// candidate; the port is 0 when legs get ports of their own.
func (e *Engine) Addr() netip.AddrPort { return e.addr }

// Close closes every live leg, then the mux and its socket. It is
// idempotent.
func (e *Engine) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	legs := make([]*Leg, 0, len(e.legs))
	for l := range e.legs {
		legs = append(legs, l)
	}
	e.mu.Unlock()
	for _, l := range legs {
		l.Close()
	}
	e.playout.close()
	if e.mux == nil {
		return nil
	}
	return e.mux.Close()
}

// track registers a new leg; false when the engine is closed.
func (e *Engine) track(l *Leg) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return false
	}
	e.legs[l] = struct{}{}
	return true
}

func (e *Engine) isClosed() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closed
}

// forget removes a finished leg.
func (e *Engine) forget(l *Leg) {
	e.mu.Lock()
	delete(e.legs, l)
	e.mu.Unlock()
}

// newAPI builds a pion API for one leg: the shared settings, a media engine
// that knows only codecs, and only the RTCP report interceptors (RFC 3550
// §6.4 sender and receiver reports; audio needs no NACK, TWCC or
// simulcast).
func (e *Engine) newAPI(codecs []media.Codec, logs logging.LoggerFactory, mux ice.UDPMux, watch interceptor.Factory, keys io.Writer) (*webrtc.API, error) {
	me := &webrtc.MediaEngine{}
	for _, c := range codecs {
		if err := me.RegisterCodec(pionCodec(c), webrtc.RTPCodecTypeAudio); err != nil {
			return nil, fmt.Errorf("%w: codec %s/%d: %w", ErrInvalidConfig, c.Name, c.Clock, err)
		}
	}
	ir := &interceptor.Registry{}
	if watch != nil {
		// First, so the report interceptors' writer passes through it.
		ir.Add(watch)
	}
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		return nil, err
	}
	se := e.settings
	se.LoggerFactory = logs
	if mux != nil {
		se.SetICEUDPMux(mux)
	}
	if keys != nil {
		// The leg's master secret, for the SRTP fast path (keylog.go).
		se.SetDTLSKeyLogWriter(keys)
	}
	return webrtc.NewAPI(
		webrtc.WithSettingEngine(se),
		webrtc.WithMediaEngine(me),
		webrtc.WithInterceptorRegistry(ir),
	), nil
}
