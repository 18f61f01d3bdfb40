package wsgw

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/gorilla/websocket"
)

// maxRetainedReadBuf is the largest read buffer kept between messages.
const maxRetainedReadBuf = 16 << 10

// lingerLimit caps how much is discarded while lingering after a 1009 close.
const lingerLimit = 4 << 20

// readLoop reads frames until the connection fails and returns the cause.
func (c *Conn) readLoop() error {
	ws := c.ws
	ws.SetReadLimit(c.srv.cfg.ReadLimit)
	// RFC 6455 §5.5.3: a pong (solicited or not) proves liveness.
	ws.SetPongHandler(func(string) error {
		c.extendRead()
		return nil
	})
	ws.SetCloseHandler(c.onPeerClose)
	c.extendRead()

	var buf bytes.Buffer
	for {
		_, r, err := ws.NextReader()
		if err == nil {
			buf.Reset()
			_, err = buf.ReadFrom(r)
		}
		if err != nil {
			cause := c.readCause(err)
			if errors.Is(cause, ErrMessageTooBig) {
				c.begin(cause, 0)
				c.linger()
			}
			return cause
		}
		c.extendRead()
		if c.isClosing() {
			// RFC 6455 §5.5.1: after a close frame has been sent, further
			// data is discarded.
			continue
		}
		// RFC 7118 §5: each text or binary frame carries one SIP message.
		msg := buf.Bytes()
		switch classifyKeepAlive(msg) {
		case keepAliveRecv:
			// RFC 5626 §3.5.1: answer the double-CRLF ping with one CRLF.
			_ = c.Send(keepAlivePong)
		case keepAliveNoop:
		default:
			c.srv.h.OnMessage(c, msg)
		}
		if buf.Cap() > maxRetainedReadBuf {
			buf = bytes.Buffer{}
		}
	}
}

// onPeerClose handles a received close frame: it records the cause and
// echoes the status code (RFC 6455 §5.5.1) unless we already sent a close.
func (c *Conn) onPeerClose(code int, text string) error {
	c.begin(fmt.Errorf("%w: %w", ErrPeerClosed, &websocket.CloseError{Code: code, Text: text}), 0)
	if c.closeSent.CompareAndSwap(false, true) {
		deadline := time.Now().Add(min(c.srv.cfg.WriteTimeout, closeGrace))
		_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, ""), deadline)
	}
	return nil
}

// readCause maps a read error to a close cause.
func (c *Conn) readCause(err error) error {
	var ce *websocket.CloseError
	var ne net.Error
	switch {
	case errors.Is(err, websocket.ErrReadLimit):
		// RFC 6455 §7.4.1: 1009, the message is too big to process
		// (gorilla has already sent the close frame).
		c.closeSent.Store(true)
		return fmt.Errorf("%w: limit %d bytes: %w", ErrMessageTooBig, c.srv.cfg.ReadLimit, err)
	case errors.As(err, &ce) && ce.Code != websocket.CloseAbnormalClosure:
		return fmt.Errorf("%w: %w", ErrPeerClosed, err)
	case errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("%w: nothing received for %v: %w", ErrPingTimeout, c.srv.readWait, err)
	default:
		return fmt.Errorf("%w: %w", ErrConnLost, err)
	}
}

// linger half-closes the transport after the 1009 close frame and discards
// what the peer is still sending for a moment, so closing the socket with
// unread data does not reset the connection before the peer has read the
// close frame.
func (c *Conn) linger() {
	nc := c.ws.NetConn()
	if cw, ok := nc.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
	_ = nc.SetReadDeadline(time.Now().Add(closeGrace))
	_, _ = io.CopyN(io.Discard, nc, lingerLimit)
}
