package wsgw

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// idleTimeout closes idle keep-alive HTTP connections (static pages, probes).
const idleTimeout = 60 * time.Second

// maxHeaderBytes bounds the size of HTTP request headers.
const maxHeaderBytes = 64 << 10

// acmeALPN is the ALPN protocol of ACME TLS-ALPN-01 challenges (RFC 8737 §6).
const acmeALPN = "acme-tls/1"

// Handler receives connection events. All methods are called from the
// connection's reader goroutine, so calls for one connection never overlap;
// calls for different connections run concurrently.
type Handler interface {
	// OnOpen is called once, before any OnMessage.
	OnOpen(c *Conn)
	// OnMessage is called with one SIP message per WebSocket frame (text or
	// binary). msg is only valid during the call. Keep-alive frames are not
	// passed up.
	OnMessage(c *Conn, msg []byte)
	// OnClose is called once after the connection has been closed; err is the
	// cause and wraps one of the sentinel errors of this package.
	OnClose(c *Conn, err error)
}

// Server accepts SIP WebSocket connections and serves the health probe and
// the static dialer page. Create it with New.
type Server struct {
	cfg      Config
	h        Handler
	log      *slog.Logger
	origins  originPolicy
	upgrader websocket.Upgrader
	static   http.Handler
	hs       *http.Server
	tls      *tls.Config
	readWait time.Duration // PingInterval + PongWait

	mu       sync.Mutex
	conns    map[*Conn]struct{}
	shutting bool
	wg       sync.WaitGroup // one per upgrade handler / connection

	closeOnce sync.Once
	closeErr  error
}

// nopHandler is used when New is given a nil Handler.
type nopHandler struct{}

func (nopHandler) OnOpen(*Conn)            {}
func (nopHandler) OnMessage(*Conn, []byte) {}
func (nopHandler) OnClose(*Conn, error)    {}

// New returns a Server for cfg (zero fields take defaults) delivering
// connections to h (nil discards all events).
func New(cfg Config, h Handler) *Server {
	cfg = cfg.withDefaults()
	if h == nil {
		h = nopHandler{}
	}
	s := &Server{
		cfg:      cfg,
		h:        h,
		log:      cfg.Logger,
		static:   cfg.Static,
		conns:    make(map[*Conn]struct{}),
		readWait: cfg.PingInterval + cfg.PongWait,
	}
	var bad []string
	s.origins, bad = newOriginPolicy(cfg.AllowedOrigins)
	for _, e := range bad {
		s.log.Warn("wsgw: ignoring invalid allowed origin", "origin", e)
	}
	if s.static == nil {
		s.static = http.HandlerFunc(placeholder)
	}
	s.upgrader = websocket.Upgrader{
		HandshakeTimeout: cfg.HandshakeTimeout,
		ReadBufferSize:   4096,
		WriteBufferSize:  4096,
		WriteBufferPool:  &sync.Pool{},
		// RFC 7118 §4: the server must select "sip" in its handshake
		// response; gorilla echoes the matching offered subprotocol.
		Subprotocols: []string{sipSubprotocol},
		Error:        s.upgradeError,
		// The Origin check runs before Upgrade (see checkUpgrade).
		CheckOrigin: func(*http.Request) bool { return true },
	}
	if cfg.TLSConfig != nil {
		s.tls = cfg.TLSConfig.Clone()
		// RFC 6455 §4.1: the upgrade is an HTTP/1.1 mechanism, so never
		// negotiate h2 via ALPN. An ACME TLS-ALPN-01 responder's protocol
		// (RFC 8737 §6) stays when the caller's configuration offers it.
		protos := []string{"http/1.1"}
		for _, p := range cfg.TLSConfig.NextProtos {
			if p == acmeALPN {
				protos = append(protos, p)
			}
		}
		s.tls.NextProtos = protos
	}
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	s.hs = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: cfg.HandshakeTimeout, // also bounds the TLS handshake
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		Protocols:         protocols,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	return s
}

// Handler returns the HTTP handler: Config.Path upgrades to WebSocket,
// "/healthz" answers 200 "ok", every other path goes to Config.Static
// (Config.Path takes precedence should it be "/healthz").
// When the handler is mounted on a caller-owned http.Server, that server is
// responsible for header and TLS handshake timeouts.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(s.route)
}

// route dispatches one HTTP request.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case s.cfg.Path:
		s.serveWS(w, r)
	case "/healthz":
		healthz(w, r)
	default:
		s.static.ServeHTTP(w, r)
	}
}

// Serve accepts connections on l (wrapped in TLS when Config.TLSConfig is
// set) until Shutdown or Close, after which it returns http.ErrServerClosed.
// Serve closes l when it returns.
func (s *Server) Serve(l net.Listener) error {
	if s.tls != nil {
		l = tls.NewListener(l, s.tls)
	}
	return s.hs.Serve(l)
}

// Shutdown stops accepting connections, sends a close frame 1001 "going away"
// (RFC 6455 §7.4.1) to every WebSocket, waits for all connection goroutines
// to finish and then for the HTTP server to shut down. If ctx ends first the
// remaining connections are closed hard and ctx.Err() is returned. Shutdown
// must not be called from a Handler method, which would wait for itself.
func (s *Server) Shutdown(ctx context.Context) error {
	conns := s.stop()
	httpDone := make(chan error, 1)
	go func() { httpDone <- s.hs.Shutdown(ctx) }()
	for _, c := range conns {
		c.closeGraceful(ErrShutdown, websocket.CloseGoingAway)
	}
	wsDone := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(wsDone)
	}()
	var err error
	select {
	case <-wsDone:
	case <-ctx.Done():
		err = ctx.Err()
		for _, c := range s.snapshot() {
			c.abort(ErrShutdown)
		}
	}
	if herr := <-httpDone; err == nil {
		err = herr
	}
	return err
}

// Close closes the listeners and every connection immediately, without close
// frames. It does not wait for connection goroutines; they end promptly and
// still call Handler.OnClose. Close is idempotent; later calls return nil.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		conns := s.stop()
		s.closeErr = s.hs.Close()
		for _, c := range conns {
			c.abort(ErrShutdown)
		}
	})
	return s.closeErr
}

// ConnCount returns the number of open WebSocket connections.
func (s *Server) ConnCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// stop marks the server as shutting down and returns the open connections.
func (s *Server) stop() []*Conn {
	s.mu.Lock()
	s.shutting = true
	s.mu.Unlock()
	return s.snapshot()
}

// snapshot returns the currently registered connections.
func (s *Server) snapshot() []*Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Conn, 0, len(s.conns))
	for c := range s.conns {
		out = append(out, c)
	}
	return out
}

// track accounts for one upgrade handler; false once shutting down.
func (s *Server) track() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutting {
		return false
	}
	s.wg.Add(1)
	return true
}

// register adds c to the open set and reports whether the server is still
// running (if not, the caller closes c right away).
func (s *Server) register(c *Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns[c] = struct{}{}
	return !s.shutting
}

// forget removes c from the open set.
func (s *Server) forget(c *Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}
