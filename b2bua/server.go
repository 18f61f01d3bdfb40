package b2bua

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callgate/callgate/b2bua/cdr"
	"github.com/callgate/callgate/b2bua/hep"
	"github.com/callgate/callgate/b2bua/location"
	"github.com/callgate/callgate/b2bua/metrics"
	"github.com/callgate/callgate/b2bua/sipauth"
	"github.com/callgate/callgate/media"
	"github.com/callgate/callgate/media/browserleg"
	"github.com/callgate/callgate/media/codec"
	"github.com/callgate/callgate/wsgw"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/gobwas/ws"
)

// udpBufferSize is the socket buffer asked for on SIP UDP listeners.
const udpBufferSize = 4 << 20

// stackLoggerOnce guards sipgo's global logger.
var stackLoggerOnce sync.Once

// MaxMessageSize is the largest SIP message callgate reads from a
// WebSocket or a UDP datagram. sipgo reads both into a buffer of this
// size and would cut a longer message short without a word, so a browser
// sending more is closed with 1009 (Config.WS.ReadLimit is capped here),
// and a longer datagram fails to parse and is dropped. A browser's
// INVITE, SDP and ICE candidates included, is a few KiB; UDP messages are
// meant to stay under 1,300 bytes (RFC 3261 §18.1.1). TCP and TLS
// reassemble messages of up to 64 KiB whatever the buffer. Each WebSocket
// and TCP connection holds one such buffer, which is why it is not larger.
const MaxMessageSize = 32 << 10

func init() {
	sip.TransportBufferReadSize = MaxMessageSize
}

// Server is callgate's SIP signalling server. Create it with New, start the
// listeners it should serve (ServeUDP, ServeTCP, ServeTLS, ServeHTTP), and
// stop it with Shutdown.
type Server struct {
	cfg   Config
	log   *slog.Logger
	ua    *sipgo.UserAgent
	sip   *sipgo.Server
	auth  *sipauth.Authenticator
	bans  *banList
	store location.Store
	ws    *wsgw.Server
	wsl   *connListener

	client   *sipgo.Client
	counters counters
	ports    *media.PortPool
	webrtc   *browserleg.Engine
	calls    *callTable
	rt       atomic.Pointer[router]
	users    *directory
	records  *cdr.Recorder
	metrics  *metrics.Metrics
	capture  *hep.Exporter
	// recordQ feeds finished calls' records to one writer goroutine.
	recordQ      chan pendingRecord
	recordsDone  chan struct{}
	recordMu     sync.RWMutex // guards recordClosed and sending on recordQ
	recordClosed bool

	capturePorts  []uint16
	trunksOnce    sync.Once
	trunksStarted atomic.Bool
	reloadMu      sync.Mutex // serialises reloads and router rebuilds

	// Listening addresses, recorded as listeners start.
	addrMu    sync.RWMutex
	udpLocal  sip.Addr
	listeners map[string]netip.AddrPort // by transport: UDP, TCP, TLS, WS

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu        sync.Mutex
	closers   []func() error
	closeOnce sync.Once
	closeErr  error
}

// New builds a Server from cfg. It does not listen yet.
func New(cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	s := &Server{cfg: cfg, log: cfg.Logger}
	s.ctx, s.cancel = context.WithCancel(context.Background())

	s.store = cfg.Store
	if s.store == nil {
		s.store = location.NewMemory()
	}
	s.auth = sipauth.New(sipauth.Config{
		Realm:      cfg.Auth.Realm,
		NonceTTL:   cfg.Auth.NonceTTL,
		Algorithms: cfg.Auth.Algorithms,
	})
	s.bans = newBanList(cfg.Auth.MaxFailures, cfg.Auth.BanTime)

	// sipgo keeps one unsynchronised process-wide logger for its
	// connections; the first server sets it, before any stack goroutine runs.
	stackLoggerOnce.Do(func() { sip.SetDefaultLogger(stackLogger(cfg.Logger)) })
	refuseDial := func(net.Addr) ws.Dialer {
		return ws.Dialer{NetDial: func(context.Context, string, string) (net.Conn, error) {
			return nil, ErrNoDial
		}}
	}
	ua, err := sipgo.NewUA(
		sipgo.WithUserAgent(cfg.ServerName),
		sipgo.WithUserAgentHostname(cfg.Domain),
		sipgo.WithUserAgentDNSResolver(newGuardedResolver(cfg.DNSDial)),
		sipgo.WithUserAgentTransportLayerOptions(
			sip.WithTransportLayerLogger(stackLogger(cfg.Logger)),
			sip.WithTransportLayerTransports(sip.TransportsConfig{
				WS: &sip.TransportWS{DialerCreate: refuseDial},
			}),
		),
		// Not sip.WithTransactionLayerTerminateOnConnClose: in sipgo
		// v1.7.2 it can run a client transaction's state machine before
		// the transaction has one, a nil call that crashes the process
		// when a WebSocket closes just as a request to it goes out. A
		// closed WebSocket ends its calls' legs in call.onConnGone.
		sipgo.WithUserAgentTransactionLayerOptions(
			sip.WithTransactionLayerLogger(stackLogger(cfg.Logger)),
		),
	)
	if err != nil {
		return nil, fmt.Errorf("b2bua: create user agent: %w", err)
	}
	s.ua = ua
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(stackLogger(cfg.Logger)))
	if err != nil {
		_ = ua.Close()
		return nil, fmt.Errorf("b2bua: create sip server: %w", err)
	}
	s.sip = srv
	client, err := sipgo.NewClient(ua, sipgo.WithClientLogger(stackLogger(cfg.Logger)))
	if err != nil {
		_ = ua.Close()
		return nil, fmt.Errorf("b2bua: create sip client: %w", err)
	}
	s.client = client
	pool, err := media.NewPortPool(media.PortPoolConfig{
		BindIP: cfg.Media.BindIP, Min: cfg.Media.PortMin, Max: cfg.Media.PortMax, Quarantine: cfg.Media.Quarantine,
	})
	if err != nil {
		_ = ua.Close()
		return nil, fmt.Errorf("b2bua: rtp ports: %w", err)
	}
	s.ports = pool
	engine, err := browserleg.NewEngine(browserleg.Config{
		UDPConn: cfg.WebRTC.UDPConn, PublicIP: cfg.WebRTC.PublicIP, CertFile: cfg.WebRTC.CertFile, Logger: cfg.Logger,
		ICEFailedTimeout: cfg.WebRTC.ICEFailedTimeout, ICEDisconnectedTimeout: min(cfg.WebRTC.ICEFailedTimeout, 5*time.Second),
		PortMin: cfg.WebRTC.PortMin, PortMax: cfg.WebRTC.PortMax, BindIP: cfg.WebRTC.BindIP, FullICE: cfg.WebRTC.FullICE,
		DisableFastPath: cfg.WebRTC.PionSRTP,
		Opus:            codec.OpusConfig{Bitrate: cfg.WebRTC.OpusBitrate, Complexity: cfg.WebRTC.OpusComplexity},
	})
	if err != nil {
		_ = ua.Close()
		return nil, fmt.Errorf("b2bua: webrtc engine: %w", err)
	}
	s.webrtc = engine
	s.calls = newCallTable()
	if err := s.setupRouting(); err != nil {
		_ = engine.Close()
		_ = ua.Close()
		return nil, err
	}
	if err := s.setupObservability(); err != nil {
		_ = s.routing().trunks.Close()
		_ = engine.Close()
		_ = ua.Close()
		return nil, err
	}
	s.listeners = make(map[string]netip.AddrPort)
	s.routes()

	s.wsl = newConnListener(&net.TCPAddr{IP: net.IPv4zero})
	s.ws = wsgw.New(cfg.WS, newWSBridge(s, s.wsl))
	s.goServe("ws-bridge", func() error { return srv.ServeWS(s.wsl) })
	s.wg.Add(1)
	go s.janitor()
	return s, nil
}

// goServe runs fn in a tracked goroutine and logs an unexpected end.
func (s *Server) goServe(name string, fn func() error) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := fn(); err != nil && !errors.Is(err, net.ErrClosed) && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("listener stopped", "listener", name, "error", err)
		}
	}()
}

// addCloser registers something Shutdown must close.
func (s *Server) addCloser(c func() error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx.Err() != nil {
		return ErrClosed
	}
	s.closers = append(s.closers, c)
	return nil
}

// ServeUDP serves SIP over UDP on pc until Shutdown; it returns at once.
func (s *Server) ServeUDP(pc net.PacketConn) error {
	if err := s.addCloser(pc.Close); err != nil {
		return err
	}
	if uc, ok := pc.(*net.UDPConn); ok {
		// Bursts of signalling overflow the default 208 KiB buffer long
		// before the CPU is busy; the kernel caps this at rmem_max.
		_ = uc.SetReadBuffer(udpBufferSize)
		_ = uc.SetWriteBuffer(udpBufferSize)
	}
	s.log.Info("SIP listening", "transport", "udp", "addr", pc.LocalAddr().String())
	s.recordListener("UDP", pc.LocalAddr())
	s.goServe("udp", func() error { return s.sip.ServeUDP(pc) })
	s.startTrunks()
	return nil
}

// ServeTCP serves SIP over TCP on l until Shutdown; it returns at once.
func (s *Server) ServeTCP(l net.Listener) error {
	if err := s.addCloser(l.Close); err != nil {
		return err
	}
	s.log.Info("SIP listening", "transport", "tcp", "addr", l.Addr().String())
	s.recordListener("TCP", l.Addr())
	s.goServe("tcp", func() error { return s.sip.ServeTCP(l) })
	s.startTrunks()
	return nil
}

// ServeTLS serves SIP over TLS on the plain TCP listener l, using
// Config.TLSConfig; it returns at once.
func (s *Server) ServeTLS(l net.Listener) error {
	if s.cfg.TLSConfig == nil {
		return fmt.Errorf("b2bua: ServeTLS needs Config.TLSConfig")
	}
	tl := tls.NewListener(l, s.cfg.TLSConfig)
	if err := s.addCloser(tl.Close); err != nil {
		return err
	}
	s.log.Info("SIP listening", "transport", "tls", "addr", l.Addr().String())
	s.recordListener("TLS", l.Addr())
	s.goServe("tls", func() error { return s.sip.ServeTLS(tl) })
	s.startTrunks()
	return nil
}

// ServeHTTP serves the web dialer and SIP over WebSocket (WSS when
// Config.WS.TLSConfig is set) on l; it returns at once.
func (s *Server) ServeHTTP(l net.Listener) error {
	if s.ctx.Err() != nil {
		return ErrClosed
	}
	s.log.Info("HTTP/WebSocket listening", "addr", l.Addr().String(), "tls", s.cfg.WS.TLSConfig != nil)
	s.recordListener("WS", l.Addr())
	s.goServe("http", func() error { return s.ws.Serve(l) })
	return nil
}

// HTTPHandler returns the HTTP handler that serves the dialer and the
// WebSocket endpoint, for embedding in another server.
func (s *Server) HTTPHandler() http.Handler { return s.ws.Handler() }

// Shutdown stops accepting, closes WebSockets cleanly, closes the SIP
// listeners and the location store, and waits for its goroutines or ctx.
func (s *Server) Shutdown(ctx context.Context) error {
	s.closeOnce.Do(func() {
		// Calls first: new ones get 503, active ones get time to finish and
		// are then hung up with BYE while the stack can still send it.
		s.drainCalls(ctx)
		// Unregister from providers while the stack can still send.
		s.reloadMu.Lock()
		err := s.routing().trunks.Close()
		s.reloadMu.Unlock()
		if err != nil {
			s.log.Warn("closing trunks", "error", err)
		}
		s.mu.Lock()
		s.cancel()
		closers := s.closers
		s.closers = nil
		s.mu.Unlock()

		var errs []error
		if err := s.ws.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, fmt.Errorf("websocket shutdown: %w", err))
		}
		_ = s.wsl.Close()
		for _, c := range closers {
			if err := c(); err != nil && !errors.Is(err, net.ErrClosed) {
				errs = append(errs, err)
			}
		}
		_ = s.ua.Close()
		done := make(chan struct{})
		go func() { s.wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
			errs = append(errs, fmt.Errorf("b2bua: shutdown: %w", context.Cause(ctx)))
		}
		_ = s.webrtc.Close()
		if err := s.closeObservability(); err != nil {
			errs = append(errs, fmt.Errorf("close call records: %w", err))
		}
		if err := s.users.store.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close accounts: %w", err))
		}
		if err := s.store.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close location store: %w", err))
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// Close shuts down without waiting; idempotent.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return s.Shutdown(ctx)
}

// janitor removes expired bindings once per second (RFC 3261 §10.3: a
// binding lapses when its expiry passes).
func (s *Server) janitor() {
	defer s.wg.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case now := <-t.C:
			if n, err := s.store.Expire(s.ctx, now); err != nil {
				s.log.Warn("expiring bindings failed", "error", err)
			} else if n > 0 {
				s.log.Info("registrations expired", "count", n)
			}
		}
	}
}

// connClosed drops the bindings of a closed WebSocket flow and ends the
// calls that ran over it (GUIDE §3: at once, whatever closed the socket).
func (s *Server) connClosed(ctx context.Context, connID string, cause error) {
	for _, c := range s.calls.snapshot() {
		c.post(func() { c.onConnGone(connID) })
	}
	removed, err := s.store.RemoveConn(ctx, connID)
	if err != nil {
		s.log.Warn("removing bindings of closed websocket failed", "conn", connID, "error", err)
		return
	}
	for _, b := range removed {
		s.log.Info("registration removed: websocket closed", "aor", b.AOR, "contact", b.Contact, "conn", connID, "cause", errString(cause))
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// Bindings returns the current registrations of aor ("user@domain").
func (s *Server) Bindings(ctx context.Context, aor string) ([]location.Binding, error) {
	return s.store.Lookup(ctx, aor, time.Now())
}

// recordListener remembers a listening address for Contact and Via headers.
func (s *Server) recordListener(transport string, a net.Addr) {
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return
	}
	ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	if transport != "WS" {
		s.capturePort(int(ap.Port()))
	}
	s.addrMu.Lock()
	defer s.addrMu.Unlock()
	s.listeners[transport] = ap
	if transport == "UDP" {
		s.udpLocal = sip.Addr{IP: net.IP(ap.Addr().AsSlice()), Port: int(ap.Port())}
	}
}

// localFor returns the host and port a peer at peerAddr should use to reach
// us over transport: the listener's address, with an unspecified IP replaced
// by the local address the kernel would use toward the peer.
func (s *Server) localFor(transport, peerAddr string) (string, int) {
	key := transport
	if key == "WSS" {
		key = "WS"
	}
	s.addrMu.RLock()
	ap, ok := s.listeners[key]
	s.addrMu.RUnlock()
	if !ok {
		return s.cfg.Domain, 0
	}
	ip := ap.Addr()
	if ip.IsUnspecified() {
		ip = routeSource(peerAddr)
	}
	return ip.String(), int(ap.Port())
}

// routeSource asks the kernel which local address reaches peerAddr; a
// connected UDP socket sends nothing.
func routeSource(peerAddr string) netip.Addr {
	host, _ := hostPort(peerAddr)
	if ip, err := netip.ParseAddr(host); err == nil {
		if c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, 9))); err == nil {
			defer c.Close()
			if la, ok := c.LocalAddr().(*net.UDPAddr); ok {
				if a, ok := netip.AddrFromSlice(la.IP); ok {
					return a.Unmap()
				}
			}
		}
	}
	return netip.AddrFrom4([4]byte{127, 0, 0, 1})
}

// MediaPortsInUse returns how many RTP socket pairs are allocated.
func (s *Server) MediaPortsInUse() int { return s.ports.InUse() }
