package b2bua

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/callgate/callgate/wsgw"
	"github.com/gobwas/ws"
)

// wsBridge implements wsgw.Handler. Every WebSocket that wsgw upgrades is
// joined to sipgo's WS transport through an in-memory pipe: inbound SIP
// messages are written into the pipe as WebSocket frames, and whatever sipgo
// writes back (responses and requests for that browser) is read off the pipe
// and queued on the browser's own socket. sipgo therefore keys the flow by
// the browser's real address and never has to dial a WebSocket client
// (RFC 7118 §5: requests to a WS client reuse its connection).
type wsBridge struct {
	srv      *Server
	listener *connListener
	log      *slog.Logger

	mu    sync.Mutex
	pipes map[*wsgw.Conn]*wsPipe
}

// wsPipe is the bridge end of one connection's pipe.
type wsPipe struct {
	conn   *wsgw.Conn
	end    net.Conn // our side of the pipe
	writeM sync.Mutex
}

// maxStackFrame bounds a frame read back from sipgo's side of the pipe:
// no SIP message it writes comes near this.
const maxStackFrame = 64 << 10

// handshakeTimeout bounds the in-memory upgrade with sipgo's transport.
const handshakeTimeout = 5 * time.Second

func newWSBridge(srv *Server, l *connListener) *wsBridge {
	return &wsBridge{srv: srv, listener: l, log: srv.log, pipes: make(map[*wsgw.Conn]*wsPipe)}
}

// OnOpen joins a new browser connection to the SIP stack.
func (b *wsBridge) OnOpen(c *wsgw.Conn) {
	b.srv.metrics.WSConnections(1)
	sipSide, ourSide := net.Pipe()
	p := &wsPipe{conn: c, end: ourSide}
	b.mu.Lock()
	b.pipes[c] = p
	b.mu.Unlock()

	if err := b.join(p, &addrConn{Conn: sipSide, local: c.LocalAddr(), remote: c.RemoteAddr()}); err != nil {
		b.log.Warn("websocket could not join the SIP stack", "conn", c.ID(), "remote", c.RemoteAddr().String(), "error", err)
		_ = ourSide.Close()
		_ = sipSide.Close()
		_ = c.Close()
		return
	}
	go b.pump(p)
}

// join hands the pipe to sipgo and performs the WebSocket handshake that its
// transport expects, entirely in memory.
func (b *wsBridge) join(p *wsPipe, sipSide net.Conn) error {
	if err := b.listener.push(sipSide); err != nil {
		return fmt.Errorf("push connection: %w", err)
	}
	_ = p.end.SetDeadline(time.Now().Add(handshakeTimeout))
	defer func() { _ = p.end.SetDeadline(time.Time{}) }()

	var key [16]byte
	_, _ = rand.Read(key[:])
	req := "GET / HTTP/1.1\r\nHost: callgate\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: sip\r\n" +
		"Sec-WebSocket-Key: " + base64.StdEncoding.EncodeToString(key[:]) + "\r\n\r\n"
	if _, err := io.WriteString(p.end, req); err != nil {
		return fmt.Errorf("write handshake: %w", err)
	}
	// Read the 101 byte by byte so no frame bytes are swallowed by a buffer.
	resp, err := http.ReadResponse(bufio.NewReaderSize(oneByteReader{p.end}, 16), nil)
	if err != nil {
		return fmt.Errorf("read handshake: %w", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return fmt.Errorf("handshake status %d", resp.StatusCode)
	}
	return nil
}

// pump copies every frame sipgo writes onto the browser's WebSocket.
func (b *wsBridge) pump(p *wsPipe) {
	defer func() { _ = p.conn.Close() }()
	for {
		h, err := ws.ReadHeader(p.end)
		if err != nil {
			return
		}
		if h.Length > maxStackFrame {
			b.log.Error("SIP stack produced an oversized message", "conn", p.conn.ID(), "bytes", h.Length)
			return
		}
		payload := make([]byte, h.Length)
		if _, err := io.ReadFull(p.end, payload); err != nil {
			return
		}
		if h.Masked {
			ws.Cipher(payload, h.Mask, 0)
		}
		if h.OpCode != ws.OpText && h.OpCode != ws.OpBinary {
			continue
		}
		b.srv.captureWS(p.conn.LocalAddr(), p.conn.RemoteAddr(), payload)
		if err := p.conn.Send(payload); err != nil {
			b.log.Warn("dropping SIP message for websocket", "conn", p.conn.ID(), "error", err)
			return
		}
	}
}

// OnMessage feeds one SIP message from the browser into sipgo.
func (b *wsBridge) OnMessage(c *wsgw.Conn, msg []byte) {
	b.mu.Lock()
	p := b.pipes[c]
	b.mu.Unlock()
	if p == nil {
		return
	}
	if len(bytes.TrimSpace(msg)) == 0 {
		return
	}
	b.srv.captureWS(c.RemoteAddr(), c.LocalAddr(), msg)
	p.writeM.Lock()
	defer p.writeM.Unlock()
	_ = p.end.SetWriteDeadline(time.Now().Add(handshakeTimeout))
	// sipgo's server side insists on masked frames (RFC 6455 §5.1); masking
	// rewrites msg in place, which wsgw allows for the duration of the call.
	if err := ws.WriteFrame(p.end, ws.MaskFrameInPlace(ws.NewTextFrame(msg))); err != nil {
		b.log.Warn("SIP stack refused websocket message; closing", "conn", c.ID(), "error", err)
		_ = c.Close()
	}
}

// OnClose tears the pipe down and drops the connection's registrations
// (RFC 7118 §5: bindings of a WebSocket flow live only as long as it).
func (b *wsBridge) OnClose(c *wsgw.Conn, err error) {
	b.srv.metrics.WSConnections(-1)
	b.mu.Lock()
	p := b.pipes[c]
	delete(b.pipes, c)
	b.mu.Unlock()
	if p != nil {
		_ = p.end.Close()
	}
	b.srv.connClosed(context.Background(), c.RemoteAddr().String(), err)
}

// oneByteReader reads at most one byte per call; it keeps the handshake
// reader from consuming frame bytes that follow the HTTP response.
type oneByteReader struct{ r io.Reader }

func (o oneByteReader) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return o.r.Read(p)
}
