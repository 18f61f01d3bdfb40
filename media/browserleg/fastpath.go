package browserleg

import (
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
	"github.com/pion/webrtc/v4"
)

// The SRTP fast path. pion terminates each leg's ICE and DTLS, but once the
// DTLS association is up the leg's SRTP no longer goes through pion: the
// socket under the ICE mux (mediaConn) decrypts the browser's SRTP in the
// mux's reader goroutine and calls the leg's sink directly, and WriteRTP
// encrypts and sends on the socket itself. pion never exports SRTP keys,
// so the leg derives them as pion does (RFC 5764 §4.2): the master secret
// comes from the DTLS key log pion writes for the leg (keylog.go), the
// hello randoms, cipher suite and SRTP profile from the handshake seen on
// the socket (handshakes.go). STUN and DTLS still go to pion (ICE consent,
// close_notify). RTCP is the fast path's too: pion's reports are dropped
// and the fast path sends SR/RR toward the browser on the leg's SSRC and
// reads the browser's reports for Quality. Whenever something is missing
// the leg stays on pion's path, with a Debug log saying why.

// srtpReplayWindow is the replay window of the browser's SRTP and SRTCP
// (RFC 3711 §3.3.2), pion's default.
const srtpReplayWindow = 64

// fastAuthLimit is how many of the browser's packets may fail
// authentication before the first one passes, before the fast path gives
// the leg back to pion: keys that never work would mean a derivation
// error, and pion's own keys are still in place.
const fastAuthLimit = 8

// srtpOverhead bounds what SRTP or SRTCP adds to a packet: an auth tag of
// up to 16 octets and, for SRTCP, the E flag and index (RFC 3711 §3.1,
// §3.4; RFC 7714 §9).
const srtpOverhead = 32

// Test hooks, nil in production: fastStartHook runs first in startFast,
// fastKeysHook sees the derived keys before the contexts are made.
var (
	fastStartHook atomic.Pointer[func()]
	fastKeysHook  atomic.Pointer[func(*srtp.SessionKeys)]
)

// fastLeg is a Leg's fast-path state.
type fastLeg struct {
	l       *Leg
	conn    *mediaConn
	profile srtp.ProtectionProfile
	every   time.Duration // RTCP report interval toward the browser

	// Receive side: only the mux's reader goroutine touches these.
	rx      *srtp.Context
	rxHdr   rtp.Header
	rtcpHdr rtcp.Header
	authOK  bool // a packet passed authentication
	authBad int  // failures before that

	// Send side, guarded by l.wmu.
	tx        *srtp.Context
	txHdr     rtp.Header
	txBuf     []byte
	peer      netip.AddrPort // the browser's address (selected pair)
	indexed   bool           // SRTCP index set after pion's for indexSSRC
	indexSSRC uint32

	// Reception statistics of the browser's stream (RFC 3550 §6.4.1).
	statsMu sync.Mutex
	stats   recvStats

	off atomic.Bool // given back to pion: packets pass through again

	timerMu sync.Mutex
	timer   *time.Timer
	stopped bool

	rtpIn, rtpOut, rtcpIn, rtcpOut, rejected atomic.Uint64
}

// fastCounters is a snapshot of a fast-path leg's packet counts.
type fastCounters struct {
	rtpIn, rtpOut, rtcpIn, rtcpOut, rejected uint64
}

// fastCounters returns the leg's fast-path counts; ok is false while the leg
// is on pion's path.
func (l *Leg) fastCounters() (c fastCounters, ok bool) {
	l.wmu.Lock()
	f := l.fast
	l.wmu.Unlock()
	if f == nil {
		return c, false
	}
	return fastCounters{f.rtpIn.Load(), f.rtpOut.Load(), f.rtcpIn.Load(), f.rtcpOut.Load(), f.rejected.Load()}, true
}

// startFast moves the leg onto the fast path once its DTLS association is
// up, or logs why it stays on pion's. It runs on a goroutine of its own:
// pion calls the DTLS state handler with its transport locked.
func (l *Leg) startFast() {
	if l.media == nil {
		return
	}
	if h := fastStartHook.Load(); h != nil {
		(*h)()
	}
	f, err := l.newFast()
	if err != nil {
		l.log.Debug("browserleg: SRTP fast path off", "reason", err)
		return
	}
	// pion's RTCP stops before our first report can reuse its SRTCP
	// indexes; the send side switches under wmu, so no packet is in
	// pion's SRTP at that moment and the rollover counter is exact.
	l.reports.mute(true)
	l.wmu.Lock()
	if l.isDone() || l.fast != nil {
		l.wmu.Unlock()
		l.reports.mute(false)
		return
	}
	if l.roc.started {
		f.tx.SetROC(l.roc.ssrc, l.roc.roc)
	}
	l.fast = f
	peer := f.peer
	l.wmu.Unlock()
	l.media.register(peer, f)
	f.startReports()
	l.log.Debug("browserleg: SRTP fast path on", "peer", peer, "profile", f.profile.String())
}

// newFast derives the leg's SRTP contexts from its key log and the
// handshake seen on the socket.
func (l *Leg) newFast() (*fastLeg, error) {
	entry, ok := l.keys.take()
	if !ok {
		return nil, fmt.Errorf("%w: no DTLS key log line", errNoFastPath)
	}
	defer entry.wipe()
	hs, ok := l.media.hs.take(entry.clientRandom)
	switch {
	case !ok:
		return nil, fmt.Errorf("%w: the association's ClientHello was not seen", errNoFastPath)
	case !hs.haveServer:
		return nil, fmt.Errorf("%w: the association's ServerHello was not seen", errNoFastPath)
	}
	hash, ok := prfHash(hs.suite)
	if !ok {
		return nil, fmt.Errorf("%w: cipher suite %#04x", errNoFastPath, hs.suite)
	}
	profile, ok := srtpProfile(hs.profile)
	if !ok {
		return nil, fmt.Errorf("%w: SRTP profile %#04x", errNoFastPath, hs.profile)
	}
	x := &dtlsExporter{hash: hash, master: entry.master[:], clientRandom: hs.clientRandom, serverRandom: hs.serverRandom}
	keys, err := srtpKeys(x, profile, hs.weClient)
	if err != nil {
		return nil, err
	}
	defer func() {
		clear(keys.LocalMasterKey)
		clear(keys.LocalMasterSalt)
		clear(keys.RemoteMasterKey)
		clear(keys.RemoteMasterSalt)
	}()
	if h := fastKeysHook.Load(); h != nil {
		(*h)(&keys)
	}
	rx, err := srtp.CreateContext(keys.RemoteMasterKey, keys.RemoteMasterSalt, profile,
		srtp.SRTPReplayProtection(srtpReplayWindow), srtp.SRTCPReplayProtection(srtpReplayWindow))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errNoFastPath, err)
	}
	tx, err := srtp.CreateContext(keys.LocalMasterKey, keys.LocalMasterSalt, profile)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errNoFastPath, err)
	}
	peer := hs.peer
	if p, ok := l.selectedPeer(); ok {
		peer = p
	}
	return &fastLeg{
		l: l, conn: l.media, profile: profile, every: l.e.browserRTCP,
		rx: rx, tx: tx, txBuf: make([]byte, rtpMTU+srtpOverhead), peer: peer,
	}, nil
}

// selectedPeer returns the browser's address on the selected candidate
// pair.
func (l *Leg) selectedPeer() (netip.AddrPort, bool) {
	p, err := l.tr.Sender().Transport().ICETransport().GetSelectedCandidatePair()
	if err != nil || p == nil || p.Remote == nil {
		return netip.AddrPort{}, false
	}
	return candidateAddr(p.Remote)
}

// candidateAddr is a candidate's address and port.
func candidateAddr(c *webrtc.ICECandidate) (netip.AddrPort, bool) {
	ip, err := netip.ParseAddr(c.Address)
	if err != nil {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(ip.Unmap(), c.Port), true
}

// peerChanged follows the browser to a new selected candidate pair (RFC
// 8445 §8.1.1: the controlling agent may nominate another pair).
func (l *Leg) peerChanged(p *webrtc.ICECandidatePair) {
	if p == nil || p.Remote == nil {
		return
	}
	addr, ok := candidateAddr(p.Remote)
	if !ok {
		return
	}
	l.wmu.Lock()
	f := l.fast
	var old netip.AddrPort
	if f != nil {
		old, f.peer = f.peer, addr
	}
	l.wmu.Unlock()
	if f == nil || old == addr {
		return
	}
	f.conn.unregister(old, f)
	if !f.off.Load() {
		f.conn.register(addr, f)
	}
	l.log.Debug("browserleg: SRTP fast path follows the browser", "peer", addr)
}

// stopFast gives the leg back to pion: packets from the browser pass to
// pion again, WriteRTP goes through pion's track and pion's RTCP flows.
// It is idempotent.
func (l *Leg) stopFast() {
	l.wmu.Lock()
	f := l.fast
	l.fast = nil
	var peer netip.AddrPort
	if f != nil {
		peer = f.peer
	}
	l.wmu.Unlock()
	if f == nil {
		return
	}
	f.off.Store(true)
	f.stopReports()
	f.conn.unregister(peer, f)
	l.reports.mute(false)
}

// giveBack ends the fast path of a leg whose browser's packets never
// authenticated; it runs off the mux's reader goroutine.
func (f *fastLeg) giveBack() {
	f.off.Store(true)
	f.l.spawn(func() {
		f.l.log.Warn("browserleg: SRTP fast path failed, back to pion", "rejected", f.rejected.Load())
		f.l.stopFast()
	})
}
