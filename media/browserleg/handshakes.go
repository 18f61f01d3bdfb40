package browserleg

import (
	"net/netip"
	"sync"
	"time"
)

// Bounds of the hello records a mediaConn keeps: anyone may send a
// ClientHello to the public port, so records expire and their number is
// capped (a handshake that finds no record just stays on pion's path).
const (
	handshakeTTL = 30 * time.Second
	handshakeCap = 4096
)

// handshake is what the hellos of one DTLS handshake said, as they crossed
// the socket: both randoms, the cipher suite and SRTP profile the server
// chose, and which side was the client.
type handshake struct {
	peer         netip.AddrPort
	clientRandom [dtlsRandomLen]byte
	serverRandom [dtlsRandomLen]byte
	suite        uint16
	profile      uint16
	weClient     bool // our ClientHello went out (we are the DTLS client)
	haveServer   bool // the ServerHello was seen
	at           time.Time
}

// handshakes records the hellos crossing one socket, by peer address while
// the handshake runs and by client random for the leg that looks its
// association up with the random from its key log.
type handshakes struct {
	mu       sync.Mutex
	byPeer   map[netip.AddrPort]*handshake
	byRandom map[[dtlsRandomLen]byte]*handshake
	swept    time.Time // last expiry sweep
}

// sniff notes a hello in a DTLS datagram to or from peer (outgoing when we
// sent it). A ClientHello starts a record (RFC 6347 §4.2.1: a ClientHello
// repeated after a HelloVerifyRequest keeps its random); a ServerHello in
// the opposite direction completes it.
func (s *handshakes) sniff(b []byte, peer netip.AddrPort, outgoing bool, now time.Time) {
	h, ok, err := parseDTLSHello(b)
	if err != nil || !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byPeer == nil {
		s.byPeer = make(map[netip.AddrPort]*handshake)
		s.byRandom = make(map[[dtlsRandomLen]byte]*handshake)
	}
	rec := s.byPeer[peer]
	if !h.server {
		if rec != nil && rec.clientRandom == h.random && rec.weClient == outgoing {
			return
		}
		if rec != nil {
			delete(s.byRandom, rec.clientRandom)
		}
		if len(s.byPeer) >= handshakeCap || now.Sub(s.swept) > handshakeTTL {
			s.expire(now)
			if len(s.byPeer) >= handshakeCap {
				return
			}
		}
		rec = &handshake{peer: peer, clientRandom: h.random, weClient: outgoing, at: now}
		s.byPeer[peer] = rec
		s.byRandom[h.random] = rec
		return
	}
	// The ServerHello answers the ClientHello that went the other way.
	if rec == nil || rec.weClient == outgoing {
		return
	}
	rec.serverRandom, rec.suite, rec.profile, rec.haveServer = h.random, h.suite, h.profile, true
}

// take returns and forgets the handshake whose ClientHello carried random.
func (s *handshakes) take(random [dtlsRandomLen]byte) (handshake, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.byRandom[random]
	if !ok {
		return handshake{}, false
	}
	delete(s.byRandom, random)
	if s.byPeer[rec.peer] == rec {
		delete(s.byPeer, rec.peer)
	}
	return *rec, true
}

// expire drops records older than handshakeTTL. Caller holds mu.
func (s *handshakes) expire(now time.Time) {
	s.swept = now
	for peer, rec := range s.byPeer {
		if now.Sub(rec.at) > handshakeTTL {
			delete(s.byPeer, peer)
			delete(s.byRandom, rec.clientRandom)
		}
	}
}

// len returns the number of records.
func (s *handshakes) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.byPeer)
}
