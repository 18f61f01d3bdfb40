package wsgw

// RFC 5626 §3.5.1 defines the CRLF keep-alive for connection-oriented
// transports: a client "ping" is a double CRLF and the server answers with a
// single CRLF "pong". WebSocket SIP clients such as JsSIP send it as a frame
// of its own, so it is handled per frame here.

// keepAlivePing is the client keep-alive frame (RFC 5626 §3.5.1).
var keepAlivePing = []byte("\r\n\r\n")

// keepAlivePong is the server's answer to keepAlivePing (RFC 5626 §3.5.1).
var keepAlivePong = []byte("\r\n")

// keepAliveKind classifies a received frame.
type keepAliveKind int

const (
	notKeepAlive  keepAliveKind = iota // a SIP message
	keepAliveRecv                      // "\r\n\r\n": answer with "\r\n"
	keepAliveNoop                      // only CR/LF otherwise: ignore
)

// classifyKeepAlive reports whether msg is a CRLF keep-alive. A frame made of
// CR and LF only cannot be a SIP message (RFC 3261 §7.5 allows CRLF before a
// message only), so anything other than the exact double CRLF is dropped.
func classifyKeepAlive(msg []byte) keepAliveKind {
	for _, b := range msg {
		if b != '\r' && b != '\n' {
			return notKeepAlive
		}
	}
	if string(msg) == string(keepAlivePing) {
		return keepAliveRecv
	}
	return keepAliveNoop
}
