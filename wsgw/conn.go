package wsgw

import (
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// closeGrace bounds the closing handshake a server-initiated close waits
// for: flushing queued messages and writing the close frame, then reading
// the peer's close frame (RFC 6455 §7.1.1) before the TCP connection is cut.
const closeGrace = 500 * time.Millisecond

// Conn is one WebSocket connection carrying SIP messages. Its methods are safe
// for concurrent use.
type Conn struct {
	srv    *Server
	ws     *websocket.Conn
	log    *slog.Logger
	id     string
	remote net.Addr
	local  net.Addr
	secure bool
	origin string

	queue      chan *[]byte  // outgoing messages, bounded by Config.SendQueue
	closing    chan struct{} // closed once a close cause is recorded
	writerDone chan struct{} // closed when the writer goroutine returns
	done       chan struct{} // closed after Handler.OnClose returned

	closeOnce sync.Once
	cause     error // set once, read after closing is closed
	closeCode int   // close frame code for a graceful close; 0 means none

	closeSent atomic.Bool // a close frame has been written (by either side's path)

	dlMu     sync.Mutex // orders read deadline updates with draining
	draining bool
}

// newConn wraps an upgraded connection.
func newConn(s *Server, ws *websocket.Conn, r *http.Request) *Conn {
	c := &Conn{
		srv:        s,
		ws:         ws,
		id:         newConnID(),
		remote:     ws.RemoteAddr(),
		local:      ws.LocalAddr(),
		secure:     r.TLS != nil,
		origin:     r.Header.Get("Origin"),
		queue:      make(chan *[]byte, s.cfg.SendQueue),
		closing:    make(chan struct{}),
		writerDone: make(chan struct{}),
		done:       make(chan struct{}),
	}
	c.log = s.log.With("conn", c.id, "remote", c.remote.String())
	return c
}

// ID returns the connection's unique identifier ("ws-<counter>-<hex>").
func (c *Conn) ID() string { return c.id }

// RemoteAddr returns the TCP peer address. Forwarding headers such as
// X-Forwarded-For are deliberately ignored.
func (c *Conn) RemoteAddr() net.Addr { return c.remote }

// LocalAddr returns the local TCP address.
func (c *Conn) LocalAddr() net.Addr { return c.local }

// Secure reports whether the connection arrived over TLS (WSS).
func (c *Conn) Secure() bool { return c.secure }

// Origin returns the Origin header of the upgrade request ("" if absent).
func (c *Conn) Origin() string { return c.origin }

// Done returns a channel closed when the connection has ended, after
// Handler.OnClose has returned.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Send queues msg to be written as one text frame. msg is copied, so the
// caller may reuse it. Send never blocks: it returns ErrConnClosed if the
// connection is closing, and ErrSendQueueFull (closing the connection) if the
// peer does not read fast enough.
func (c *Conn) Send(msg []byte) error {
	select {
	case <-c.closing:
		return ErrConnClosed
	default:
	}
	bp := getBuf(msg)
	select {
	case c.queue <- bp:
		return nil
	default:
		putBuf(bp)
		c.abort(ErrSendQueueFull)
		return ErrSendQueueFull
	}
}

// Close starts a normal close: queued messages are flushed, a close frame
// 1000 (RFC 6455 §7.4.1) is sent and the connection is closed once the peer
// answers or after a short grace period. Handler.OnClose receives
// ErrConnClosed. Close is idempotent and does not wait; use Done to wait.
func (c *Conn) Close() error {
	c.closeGraceful(ErrConnClosed, websocket.CloseNormalClosure)
	return nil
}

// begin records the close cause once and wakes the writer. code != 0 asks
// the writer for a graceful close with that close code.
func (c *Conn) begin(cause error, code int) bool {
	first := false
	c.closeOnce.Do(func() {
		c.cause = cause
		c.closeCode = code
		close(c.closing)
		first = true
	})
	return first
}

// closeGraceful starts a close with a close frame; the writer performs it.
func (c *Conn) closeGraceful(cause error, code int) {
	c.begin(cause, code)
}

// abort records cause and cuts the transport immediately (no close frame).
func (c *Conn) abort(cause error) {
	c.begin(cause, 0)
	_ = c.ws.Close()
}

// isClosing reports whether a close cause has been recorded.
func (c *Conn) isClosing() bool {
	select {
	case <-c.closing:
		return true
	default:
		return false
	}
}

// extendRead pushes the read deadline PingInterval + PongWait into the
// future, unless the connection is draining after a close frame.
func (c *Conn) extendRead() {
	c.dlMu.Lock()
	if !c.draining {
		_ = c.ws.SetReadDeadline(time.Now().Add(c.srv.readWait))
	}
	c.dlMu.Unlock()
}

// startDrain gives the peer closeGrace to answer our close frame.
func (c *Conn) startDrain() {
	c.dlMu.Lock()
	c.draining = true
	_ = c.ws.SetReadDeadline(time.Now().Add(closeGrace))
	c.dlMu.Unlock()
}

// run drives the connection on the calling (HTTP handler) goroutine: it
// starts the writer, calls OnOpen, reads until the connection ends and then
// calls OnClose.
func (c *Conn) run() {
	c.log.Info("wsgw: connection opened", "origin", c.origin, "secure", c.secure)
	go c.writeLoop()
	cause := errHandlerAborted
	defer func() { c.finish(cause) }()
	c.srv.h.OnOpen(c)
	cause = c.readLoop()
}

// finish tears the connection down and reports it exactly once.
func (c *Conn) finish(cause error) {
	c.begin(cause, 0)
	_ = c.ws.Close()
	<-c.writerDone
	c.log.Info("wsgw: connection closed", "cause", c.cause)
	c.srv.h.OnClose(c, c.cause)
	c.srv.forget(c)
	close(c.done)
}
