package wsgw

import (
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/gorilla/websocket"
)

// writeLoop is the only goroutine writing data frames: it drains the send
// queue, sends pings every PingInterval and performs graceful closes.
func (c *Conn) writeLoop() {
	defer close(c.writerDone)
	wt := c.srv.cfg.WriteTimeout
	ping := time.NewTicker(c.srv.cfg.PingInterval)
	defer ping.Stop()
	for {
		select {
		case bp := <-c.queue:
			err := c.writeText(*bp, time.Now().Add(wt))
			putBuf(bp)
			if err != nil {
				c.writeFailed(err)
				return
			}
		case <-ping.C:
			// RFC 6455 §5.5.2: ping; the reader extends the deadline on pong.
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(wt)); err != nil {
				c.writeFailed(err)
				return
			}
		case <-c.closing:
			c.closeHandshake()
			return
		}
	}
}

// writeText writes msg as one text frame (RFC 7118 §5).
func (c *Conn) writeText(msg []byte, deadline time.Time) error {
	if err := c.ws.SetWriteDeadline(deadline); err != nil {
		return err
	}
	return c.ws.WriteMessage(websocket.TextMessage, msg)
}

// writeFailed turns a write error into a close cause and cuts the transport.
func (c *Conn) writeFailed(err error) {
	if errors.Is(err, websocket.ErrCloseSent) {
		// The reader answered a close frame; it records the cause.
		return
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		c.abort(fmt.Errorf("%w: %w", ErrWriteTimeout, err))
		return
	}
	c.abort(fmt.Errorf("%w: %w", ErrConnLost, err))
}

// closeHandshake runs after a close cause was recorded. For a graceful close
// it flushes the queue, sends the close frame (RFC 6455 §5.5.1) and lets the
// reader wait closeGrace for the peer's close frame.
func (c *Conn) closeHandshake() {
	code := c.closeCode
	if code == 0 || !c.closeSent.CompareAndSwap(false, true) {
		return
	}
	deadline := time.Now().Add(min(c.srv.cfg.WriteTimeout, closeGrace))
	for flushing := true; flushing; {
		select {
		case bp := <-c.queue:
			err := c.writeText(*bp, deadline)
			putBuf(bp)
			if err != nil {
				_ = c.ws.Close()
				return
			}
		default:
			flushing = false
		}
	}
	msg := websocket.FormatCloseMessage(code, closeText(code))
	if err := c.ws.WriteControl(websocket.CloseMessage, msg, deadline); err != nil {
		_ = c.ws.Close()
		return
	}
	c.startDrain()
}

// closeText is the reason phrase sent with a close code.
func closeText(code int) string {
	switch code {
	case websocket.CloseGoingAway:
		return "going away"
	case websocket.CloseNormalClosure:
		return "bye"
	}
	return ""
}
