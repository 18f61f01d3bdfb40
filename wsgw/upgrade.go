package wsgw

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gorilla/websocket"
)

// sipSubprotocol is the WebSocket subprotocol registered for SIP
// (RFC 7118 §4, IANA "WebSocket Subprotocol Name Registry").
const sipSubprotocol = "sip"

// serveWS validates and performs the WebSocket upgrade, then runs the
// connection's reader loop on the request goroutine.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	if !s.checkUpgrade(w, r) {
		return
	}
	if !s.track() {
		s.refuse(w, r, http.StatusServiceUnavailable, "server is shutting down")
		return
	}
	defer s.wg.Done()
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		// The upgrader has already answered through upgradeError.
		return
	}
	c := newConn(s, ws, r)
	if !s.register(c) {
		c.closeGraceful(ErrShutdown, websocket.CloseGoingAway)
	}
	c.run()
}

// checkUpgrade applies the refusal rules; it writes the error response and
// returns false when the request must not be upgraded.
func (s *Server) checkUpgrade(w http.ResponseWriter, r *http.Request) bool {
	// RFC 6455 §4.2.1: an opening handshake is a GET with
	// "Upgrade: websocket" and "Connection: Upgrade".
	if !websocket.IsWebSocketUpgrade(r) {
		// RFC 9110 §15.5.22: 426 must carry an Upgrade header.
		w.Header().Set("Upgrade", "websocket")
		w.Header().Set("Connection", "Upgrade")
		s.refuse(w, r, http.StatusUpgradeRequired,
			"this endpoint only accepts WebSocket connections (Upgrade: websocket, subprotocol \"sip\")")
		return false
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		s.refuse(w, r, http.StatusMethodNotAllowed, "WebSocket upgrade requires GET")
		return false
	}
	// RFC 6455 §10.2: refuse browser origins that are not allowed.
	origins := r.Header.Values("Origin")
	if len(origins) > 1 || (len(origins) == 1 && !s.origins.allow(origins[0], r.Host)) {
		s.log.Warn("wsgw: refused WebSocket origin",
			"origin", strings.Join(origins, ","), "host", r.Host, "remote", r.RemoteAddr)
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return false
	}
	// RFC 7118 §4: the client must offer the "sip" subprotocol.
	if !slices.Contains(websocket.Subprotocols(r), sipSubprotocol) {
		s.refuse(w, r, http.StatusBadRequest,
			"missing WebSocket subprotocol \"sip\" (RFC 7118): send Sec-WebSocket-Protocol: sip")
		return false
	}
	return true
}

// refuse logs a refused request and answers with a plain-text error.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, status int, reason string) {
	s.log.Info("wsgw: refused WebSocket request",
		"status", status, "reason", reason, "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
	http.Error(w, reason, status)
}

// upgradeError is the gorilla Upgrader error callback (bad key, version...).
func (s *Server) upgradeError(w http.ResponseWriter, r *http.Request, status int, reason error) {
	s.refuse(w, r, status, reason.Error())
}
