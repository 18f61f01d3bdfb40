// Package wsgw terminates SIP over WebSocket (RFC 7118) for browser clients.
//
// The package handles the HTTP upgrade (including the mandatory "sip"
// subprotocol of RFC 7118 §4 and an Origin check), WebSocket framing,
// ping/pong liveness, the CRLF keep-alive of RFC 5626 §3.5.1 and a bounded
// per-connection send queue. It knows nothing about SIP beyond that: every
// text or binary frame carries one SIP message, which is handed to a Handler
// as raw bytes, and Conn.Send writes one message as one text frame.
//
// Each connection runs one reader goroutine (which calls the Handler) and one
// writer goroutine (which drains the send queue and sends pings). Every way a
// connection can end (close frame, FIN, reset, timeout, local close, server
// shutdown) results in exactly one Handler.OnClose call whose error wraps one
// of the sentinel errors in this package.
package wsgw
