package wsgw

import "errors"

// Sentinel errors. Close causes passed to Handler.OnClose wrap exactly one of
// them (test with errors.Is); causes coming from the network additionally wrap
// the underlying error (for example a *websocket.CloseError or a *net.OpError).
var (
	// ErrConnClosed is returned by Conn.Send on a connection that is closing
	// or closed, and is the close cause when the application called Conn.Close.
	ErrConnClosed = errors.New("wsgw: connection closed")

	// ErrSendQueueFull is returned by Conn.Send when the bounded send queue is
	// full; the connection is closed with this cause.
	ErrSendQueueFull = errors.New("wsgw: send queue full")

	// ErrMessageTooBig is the close cause when the peer sent a message larger
	// than Config.ReadLimit (close code 1009).
	ErrMessageTooBig = errors.New("wsgw: message too big")

	// ErrPingTimeout is the close cause when nothing (no pong, no message) was
	// received within Config.PingInterval + Config.PongWait.
	ErrPingTimeout = errors.New("wsgw: ping timeout")

	// ErrWriteTimeout is the close cause when a frame could not be written
	// within Config.WriteTimeout.
	ErrWriteTimeout = errors.New("wsgw: write timeout")

	// ErrShutdown is the close cause for connections closed by
	// Server.Shutdown or Server.Close.
	ErrShutdown = errors.New("wsgw: server shutting down")

	// ErrPeerClosed is the close cause when the peer sent a WebSocket close
	// frame; the cause also wraps the received *websocket.CloseError.
	ErrPeerClosed = errors.New("wsgw: closed by peer")

	// ErrConnLost is the close cause when the transport ended without a close
	// frame (TCP FIN, reset, I/O or protocol error).
	ErrConnLost = errors.New("wsgw: connection lost")

	// errHandlerAborted is the close cause when the reader goroutine unwound
	// without a recorded cause, which only happens if a Handler panics.
	errHandlerAborted = errors.New("wsgw: connection handler aborted")
)
