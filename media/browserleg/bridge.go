package browserleg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callgate/callgate/media"
	"github.com/callgate/callgate/media/dtmf"
)

// DefaultInactivityTimeout ends a Bridger when no media arrived from either
// side for this long.
const DefaultInactivityTimeout = 30 * time.Second

// BridgeConfig configures a Bridger. The zero value works once
// SetPhoneRemote is called.
type BridgeConfig struct {
	// PhoneRemote is the RTP address the phone signalled (c= and m= of its
	// SDP). Zero or an unspecified address sends nothing to the phone and
	// accepts nothing from it until SetPhoneRemote.
	PhoneRemote netip.AddrPort
	// PhoneCodecs are the formats negotiated with the phone, with the
	// phone's payload type numbers, telephone-event included. nil means
	// the phone uses the browser leg's numbers.
	PhoneCodecs []media.Codec
	// PhoneRTCP is the phone's RTCP address when its SDP names one
	// (a=rtcp, RFC 3605). Zero means the RTP address's port plus one
	// (RFC 3550 §11). Once RTCP arrived from the phone's IP, its source
	// address is used instead (symmetric RTCP, RFC 4961 §4).
	PhoneRTCP netip.AddrPort
	// RTCPInterval is the deterministic interval of our RTCP reports to
	// the phone, randomised to 0.5–1.5 times it (RFC 3550 §6.3.1).
	// 0 means DefaultRTCPInterval; negative sends no RTCP (the phone's
	// is still read).
	RTCPInterval time.Duration
	// InactivityTimeout ends the bridge with ErrInactive when no RTP (nor
	// RTCP from the phone) arrived from either side for this long; the
	// clock stops while the phone's address is unspecified (hold).
	// 0 means DefaultInactivityTimeout; negative disables it.
	InactivityTimeout time.Duration
	// OnPhoneDigit, when set, is called once per press the phone sends as
	// RFC 4733 telephone-events (the packets still go on to the browser).
	// It runs on the bridge's goroutines and must not block.
	OnPhoneDigit func(dtmf.Digit)
	// OnBrowserDigit, when set, is called once per press the browser sends
	// as telephone-events. It must not block.
	OnBrowserDigit func(dtmf.Digit)
	// BrowserEvents says whether the browser's telephone-events reach the
	// phone (default) or are only reported.
	BrowserEvents BrowserEvents
	// Logger; nil means the leg's engine logger.
	Logger *slog.Logger
}

// BridgeStats counts a Bridger's packets.
type BridgeStats struct {
	// PhoneToBrowser counts RTP packets from the phone handed to the leg.
	PhoneToBrowser uint64
	// BrowserToPhone counts RTP packets from the browser sent to the phone.
	BrowserToPhone uint64
	// DroppedStrangers counts packets from sources other than the phone's
	// signalled IP, or other than its latched address once latched (RTCP
	// on the RTCP port: other than the phone's IP).
	DroppedStrangers uint64
	// DroppedPayloadType counts RTP packets whose payload type the other
	// side did not negotiate.
	DroppedPayloadType uint64
	// DroppedRTCP counts RTCP packets from the phone that were malformed
	// (RFC 3550 Appendix A.2 validity checks) and dropped. Valid ones are
	// counted in PhoneRTCPReceived; none is forwarded to the browser:
	// RTCP is terminated on each leg.
	DroppedRTCP uint64
	// DroppedNoRemote counts browser packets not sent because the phone
	// has no address (hold with an unspecified address).
	DroppedNoRemote uint64
	// DroppedInvalid counts packets that are not RTP version 2.
	DroppedInvalid uint64
	// SendErrors counts packets (RTP and RTCP) the leg or the phone's
	// sockets refused.
	SendErrors uint64

	// PhoneRTCPSent counts the compound RTCP packets sent to the phone
	// (reports and the final BYE).
	PhoneRTCPSent uint64
	// PhoneRTCPReceived counts valid compound RTCP packets from the
	// phone, on its RTCP port or multiplexed on the RTP port.
	PhoneRTCPReceived uint64
	// PhonePacketsLost is the cumulative number of the phone's RTP
	// packets lost: expected minus received since its current SSRC was
	// validated (RFC 3550 §6.4.1, Appendix A.3); negative when
	// duplicates arrived.
	PhonePacketsLost int64
	// PhoneFractionLost is the fraction of the phone's packets lost in
	// the interval before our last report, 0 to 1 (the report block's
	// fraction lost divided by 256, RFC 3550 §6.4.1).
	PhoneFractionLost float64
	// PhoneJitter is the interarrival jitter of the phone's stream
	// (RFC 3550 §6.4.1, Appendix A.8), computed in timestamp units and
	// converted to time with the phone codec's clock rate.
	PhoneJitter time.Duration
	// PhoneRTT is the round-trip time to the phone from its last report
	// block about our stream (RFC 3550 §6.4.1); 0 until one arrived.
	PhoneRTT time.Duration
}

// phoneRemote is the phone's signalled address and, once its first packet
// came from the signalled IP, the latched source.
type phoneRemote struct {
	signalled netip.AddrPort
	latched   netip.AddrPort
}

// dest is where packets for the phone go: the latched source, else the
// signalled address; invalid when there is none.
func (r *phoneRemote) dest() netip.AddrPort {
	if r.latched.IsValid() {
		return r.latched
	}
	if r.signalled.IsValid() && !r.signalled.Addr().IsUnspecified() && r.signalled.Port() != 0 {
		return r.signalled
	}
	return netip.AddrPort{}
}

// phoneIP reports whether ip is the phone's: its latched RTP source's, or
// the signalled one before latching.
func (r *phoneRemote) phoneIP(ip netip.Addr) bool {
	if r.latched.IsValid() {
		return ip == r.latched.Addr()
	}
	sig := r.signalled.Addr()
	return sig.IsValid() && !sig.IsUnspecified() && ip == sig
}

// Bridger joins a browser Leg and a phone-facing SocketPair. It owns
// neither: Close stops the forwarding and leaves the leg and the pair to
// their owner.
type Bridger struct {
	leg     *Leg
	pair    *media.SocketPair
	log     *slog.Logger
	timeout time.Duration

	remote atomic.Pointer[phoneRemote]
	maps   atomic.Pointer[bridgeMaps]
	phone  atomic.Pointer[[]media.Codec]
	sink   *func([]byte)
	active atomic.Uint32

	phoneToBrowser, browserToPhone                     atomic.Uint64
	strangers, badPT, rtcp, noRemote, invalid, sendErr atomic.Uint64

	// Phone-side RTP stream and RTCP session (RFC 3550 §6).
	out       *phoneSender
	rxMu      sync.Mutex // guards rx
	rx        recvStats
	cname     string
	rtcpEvery time.Duration // <= 0: no reports
	phoneRTCP atomic.Pointer[netip.AddrPort]
	rtcpSrc   atomic.Pointer[rtcpLatch]
	rtt       atomic.Int64 // nanoseconds
	rtcpIn    atomic.Uint64
	rtcpOut   atomic.Uint64

	// DTMF (bridgedtmf.go).
	phoneDigits, browserDigits *digitWatch
	browserEvents              BrowserEvents
	reportBrowser              bool
	cfgOnBrowserDigit          func(dtmf.Digit)
	playing                    atomic.Bool
	playerOnce                 sync.Once
	presses                    chan pressReq

	// tap receives copies of the RTP passed (bridgetap.go); nil: none.
	tap atomic.Pointer[tapBox]

	// Transcoding (bridgetranscode.go): nil while payloads pass untouched.
	tc     atomic.Pointer[transcoding]
	tcMu   sync.Mutex // serialises the playout tick with replacing tc; guards the three below
	ticks  int        // playout ticks so far
	fec    fecTuner
	tcBuf  [rtpMTU]byte
	laneMu sync.Mutex
	lane   *playoutLane // the playout lane holding the bridge; nil: none

	wg      sync.WaitGroup
	stop    chan struct{}
	endOnce sync.Once
	err     error
	done    chan struct{}
}

// bridgeMaps is a payload type mapping and the negotiation it was built
// from, rebuilt when the leg renegotiates.
type bridgeMaps struct {
	ptMaps
	neg   *negotiation
	phone *[]media.Codec
	clock uint32 // RTP clock rate of the phone's main format

	phoneTE, browserTE teFormat
	tc                 *transcoding // nil: passthrough
}

// Bridge starts forwarding between l and the phone on pair: RTP from the
// phone, accepted only from the signalled IP and then only from the first
// source seen there (RFC 4961 symmetric RTP with a bounded latch), goes to
// the browser; RTP from the browser goes to the phone's latched or
// signalled address on one SSRC of the bridge's own, with sequence numbers
// and timestamps kept continuous. Payload types are mapped between the two
// sides. RTCP is terminated on each leg (the leg serves the browser): the
// bridge keeps reception statistics of the phone's
// stream, reads the phone's RTCP and sends it SR/RR, SDES and, when it
// stops, BYE from pair.RTCP (none when pair.RTCP is nil). Forwarding
// allocates nothing per packet.
func Bridge(l *Leg, pair *media.SocketPair, cfg BridgeConfig) *Bridger {
	b := &Bridger{
		leg:     l,
		pair:    pair,
		log:     cfg.Logger,
		timeout: cfg.InactivityTimeout,
		stop:    make(chan struct{}),
		done:    make(chan struct{}),

		out:       newPhoneSender(),
		cname:     newCNAME(),
		rtcpEvery: cfg.RTCPInterval,
	}
	if b.log == nil {
		b.log = l.log
	}
	if b.timeout == 0 {
		b.timeout = DefaultInactivityTimeout
	}
	if b.rtcpEvery == 0 {
		b.rtcpEvery = DefaultRTCPInterval
	}
	b.browserEvents = cfg.BrowserEvents
	if cfg.OnPhoneDigit != nil {
		b.phoneDigits = &digitWatch{report: cfg.OnPhoneDigit}
	}
	b.reportBrowser, b.cfgOnBrowserDigit = cfg.OnBrowserDigit != nil, cfg.OnBrowserDigit
	b.browserDigits = &digitWatch{report: b.onBrowserDigit}
	rtcpAddr := unmapAP(cfg.PhoneRTCP)
	b.phoneRTCP.Store(&rtcpAddr)
	phone := append([]media.Codec(nil), cfg.PhoneCodecs...)
	b.phone.Store(&phone)
	b.remote.Store(&phoneRemote{signalled: unmapAP(cfg.PhoneRemote)})
	b.mapsNow() // decides passthrough or transcoding before packets flow
	sink := b.fromBrowser
	b.sink = &sink
	l.sink.Store(b.sink)

	b.wg.Add(2)
	go b.readPhoneRTP()
	go b.watchdog()
	if pair.RTCP != nil {
		b.wg.Add(1)
		go b.readPhoneRTCP()
		if b.rtcpEvery > 0 {
			b.wg.Add(1)
			go b.rtcpLoop()
		}
	}
	return b
}

// SetPhoneRemote changes the phone's signalled RTP address (re-INVITE,
// hold, resume). A new address forgets the latched source; the same
// address keeps it. An unspecified address (RFC 3264 §8.4 hold) sends
// nothing and accepts nothing.
func (b *Bridger) SetPhoneRemote(rtp netip.AddrPort) {
	rtp = unmapAP(rtp)
	for {
		cur := b.remote.Load()
		if cur.signalled == rtp {
			return
		}
		if b.remote.CompareAndSwap(cur, &phoneRemote{signalled: rtp}) {
			b.log.Debug("browserleg: phone remote", "addr", rtp)
			return
		}
	}
}

// SetPhoneRTCP changes the phone's RTCP address (a=rtcp of a re-INVITE,
// RFC 3605); zero means the RTP port plus one (RFC 3550 §11).
func (b *Bridger) SetPhoneRTCP(addr netip.AddrPort) {
	addr = unmapAP(addr)
	b.phoneRTCP.Store(&addr)
}

// SetPhoneCodecs changes the phone's formats and payload type numbers
// after a re-INVITE; nil means the browser leg's numbers.
func (b *Bridger) SetPhoneCodecs(codecs []media.Codec) {
	c := append([]media.Codec(nil), codecs...)
	b.phone.Store(&c)
	// Switch between passthrough and transcoding now, not at the next
	// packet: until then the old transcoder would keep playing concealment.
	b.mapsNow()
}

// Stats returns the packet counters and the phone-side RTCP figures.
func (b *Bridger) Stats() BridgeStats {
	b.rxMu.Lock()
	lost, fraction, jitter := b.rx.lost(), b.rx.fraction, b.rx.jitterDuration()
	b.rxMu.Unlock()
	return BridgeStats{
		PhoneToBrowser:     b.phoneToBrowser.Load(),
		BrowserToPhone:     b.browserToPhone.Load(),
		DroppedStrangers:   b.strangers.Load(),
		DroppedPayloadType: b.badPT.Load(),
		DroppedRTCP:        b.rtcp.Load(),
		DroppedNoRemote:    b.noRemote.Load(),
		DroppedInvalid:     b.invalid.Load(),
		SendErrors:         b.sendErr.Load(),
		PhoneRTCPSent:      b.rtcpOut.Load(),
		PhoneRTCPReceived:  b.rtcpIn.Load(),
		PhonePacketsLost:   lost,
		PhoneFractionLost:  float64(fraction) / 256,
		PhoneJitter:        jitter,
		PhoneRTT:           time.Duration(b.rtt.Load()),
	}
}

// Done is closed when the bridge stops: Close, inactivity, the leg ending
// or the phone socket failing.
func (b *Bridger) Done() <-chan struct{} { return b.done }

// Err returns why the bridge stopped (ErrClosed, ErrInactive, or an error
// wrapping the leg's Err), nil while it runs.
func (b *Bridger) Err() error {
	select {
	case <-b.done:
		return b.err
	default:
		return nil
	}
}

// Close stops forwarding and returns when the bridge's goroutines have
// finished. The leg and the pair stay open. It is idempotent.
func (b *Bridger) Close() error {
	b.finish(ErrClosed)
	b.wg.Wait()
	b.closeTranscoding()
	// A press still open at the end is reported with what was seen of it.
	if b.phoneDigits != nil {
		b.phoneDigits.flush()
	}
	b.browserDigits.flush()
	// Leave the sockets usable for their owner.
	b.pair.RTP.SetReadDeadline(time.Time{})
	if b.pair.RTCP != nil {
		b.pair.RTCP.SetReadDeadline(time.Time{})
	}
	return nil
}

// finish stops the bridge once with err: the sink is detached and blocked
// reads are woken by a past deadline.
func (b *Bridger) finish(err error) {
	b.endOnce.Do(func() {
		b.err = err
		b.leg.clearSink(b.sink)
		close(b.stop)
		close(b.done)
		b.leaveClock()
		now := time.Now()
		b.pair.RTP.SetReadDeadline(now)
		if b.pair.RTCP != nil {
			b.pair.RTCP.SetReadDeadline(now)
		}
		if !errors.Is(err, ErrClosed) {
			b.log.Info("browserleg: bridge stopped", "reason", err)
		}
	})
}

func (b *Bridger) stopping() bool {
	select {
	case <-b.stop:
		return true
	default:
		return false
	}
}

// mapsNow returns the payload type mapping for the leg's current
// negotiation and the phone's current formats, rebuilding it after either
// changed.
func (b *Bridger) mapsNow() *bridgeMaps {
	m := b.maps.Load()
	n := b.leg.neg.Load()
	p := b.phone.Load()
	if m != nil && m.neg == n && m.phone == p {
		return m
	}
	// Before the browser answered our offer, the offered formats.
	browser := b.leg.codecs
	if n != nil {
		browser = n.all
	}
	nm := &bridgeMaps{ptMaps: *buildPTMaps(browser, *p), neg: n, phone: p, clock: phoneClock(browser, *p),
		browserTE: telephoneEventOf(browser), phoneTE: telephoneEventOf(*p)}
	if len(*p) == 0 {
		nm.phoneTE = nm.browserTE
	}
	nm.tc = b.transcoderFor(nm)
	b.maps.Store(nm)
	return nm
}

// phoneClock is the RTP clock rate of the phone's stream: its main
// format's, or the browser's when the phone uses the browser's numbers;
// 8000 (G.711, RFC 3551 §4.5.14) when neither names one.
func phoneClock(browser, phone []media.Codec) uint32 {
	if len(phone) == 0 {
		phone = browser
	}
	if c, _, ok := mainCodec(phone); ok && c.Clock > 0 {
		return uint32(c.Clock)
	}
	return 8000
}

// readPhoneRTP forwards the phone's RTP to the browser.
func (b *Bridger) readPhoneRTP() {
	b.readPhone(b.pair.RTP, "RTP", b.fromPhone)
}

// readPhone reads conn until the bridge stops, handing every datagram to
// handle; read deadlines set to wake the reader are not errors.
func (b *Bridger) readPhone(conn *net.UDPConn, what string, handle func([]byte, netip.AddrPort)) {
	defer b.wg.Done()
	buf := make([]byte, rtpMTU)
	for {
		n, src, err := conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if b.stopping() {
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			b.finish(fmt.Errorf("%w: phone %s socket: %w", ErrClosed, what, err))
			return
		}
		handle(buf[:n], src)
	}
}

// fromPhone handles one packet from the phone's side.
func (b *Bridger) fromPhone(pkt []byte, src netip.AddrPort) {
	if len(pkt) < 12 || pkt[0]>>6 != 2 {
		b.invalid.Add(1)
		return
	}
	if !b.accept(unmapAP(src)) {
		b.strangers.Add(1)
		return
	}
	b.active.Store(1)
	if isRTCP(pkt) {
		// RFC 5761 §4: RTCP multiplexed on the RTP port.
		b.takeRTCP(pkt, time.Now())
		return
	}
	if t := b.tap.Load(); t != nil {
		t.t.PhoneRTP(pkt)
	}
	m := b.mapsNow()
	b.rxMu.Lock()
	b.rx.update(binary.BigEndian.Uint32(pkt[8:12]), binary.BigEndian.Uint16(pkt[2:4]),
		binary.BigEndian.Uint32(pkt[4:8]), monoNow(), m.clock)
	b.rxMu.Unlock()
	b.phoneEvent(pkt, m)
	if m.tc != nil {
		if pkt[1]&0x7f != m.phoneTE.pt || !m.phoneTE.ok {
			_ = m.tc.toBrowser.Push(pkt) // other payload types are skipped and counted
		}
		return
	}
	if !m.toBrowser.rewrite(pkt) {
		b.badPT.Add(1)
		return
	}
	if err := b.leg.WriteRTP(pkt); err != nil {
		b.sendErr.Add(1)
		return
	}
	b.phoneToBrowser.Add(1)
}

// accept checks src against the latched source, or latches it when it
// comes from the signalled IP (RFC 4961 §4 with the bounded learning the
// GUIDE asks for: a stranger who sends first cannot take the stream).
func (b *Bridger) accept(src netip.AddrPort) bool {
	for {
		r := b.remote.Load()
		if r.latched.IsValid() {
			return src == r.latched
		}
		sig := r.signalled.Addr()
		if !sig.IsValid() || sig.IsUnspecified() || src.Addr() != sig {
			return false
		}
		if b.remote.CompareAndSwap(r, &phoneRemote{signalled: r.signalled, latched: src}) {
			b.log.Debug("browserleg: phone latched", "src", src, "signalled", r.signalled)
			return true
		}
	}
}

// fromBrowser is the leg's sink: one RTP packet from the browser to the
// phone, on our SSRC with continuous sequence numbers and timestamps. The
// leg may call it from two goroutines briefly across a renegotiation;
// b.out.mu keeps the stream's numbering and the order on the wire.
func (b *Bridger) fromBrowser(pkt []byte) {
	if len(pkt) < 12 || pkt[0]>>6 != 2 {
		b.invalid.Add(1)
		return
	}
	if t := b.tap.Load(); t != nil {
		t.t.BrowserRTP(pkt)
	}
	m := b.mapsNow()
	if !b.browserEvent(pkt, m) {
		b.active.Store(1)
		return
	}
	if m.tc != nil {
		b.active.Store(1)
		_ = m.tc.toPhone.Push(pkt)
		return
	}
	if !m.toPhone.rewrite(pkt) {
		b.badPT.Add(1)
		return
	}
	b.active.Store(1)
	b.sendToPhone(pkt, m)
}

// sendToPhone stamps pkt into our stream to the phone and sends it.
func (b *Bridger) sendToPhone(pkt []byte, m *bridgeMaps) {
	dst := b.remote.Load().dest()
	out := b.out
	out.mu.Lock()
	if !dst.IsValid() {
		// A gap we create: the next packet continues the numbering.
		out.suspend()
		out.mu.Unlock()
		b.noRemote.Add(1)
		return
	}
	now := monoNow()
	out.stamp(pkt, m.clock, now)
	_, err := b.pair.RTP.WriteToUDPAddrPort(pkt, dst)
	if err == nil {
		out.sent(pkt, m.clock, now)
	}
	out.mu.Unlock()
	if err != nil {
		b.sendErr.Add(1)
		return
	}
	b.browserToPhone.Add(1)
}

// readPhoneRTCP reads the phone's RTCP socket (RTCP is terminated per
// leg: nothing goes on to the browser).
func (b *Bridger) readPhoneRTCP() {
	b.readPhone(b.pair.RTCP, "RTCP", b.fromPhoneRTCP)
}

// watchdog ends the bridge when the leg ends or media stops.
func (b *Bridger) watchdog() {
	defer b.wg.Done()
	var tick <-chan time.Time
	if b.timeout > 0 {
		every := min(max(b.timeout/4, 10*time.Millisecond), time.Second)
		t := time.NewTicker(every)
		defer t.Stop()
		tick = t.C
	}
	last := time.Now()
	for {
		select {
		case <-b.stop:
			return
		case <-b.leg.Done():
			b.finish(fmt.Errorf("browserleg: browser leg ended: %w", b.leg.Err()))
			return
		case now := <-tick:
			b.tickDigits(now)
			held := !b.remote.Load().signalled.Addr().IsValid() || b.remote.Load().signalled.Addr().IsUnspecified()
			if b.active.Swap(0) == 1 || held {
				last = now
				continue
			}
			if now.Sub(last) >= b.timeout {
				b.finish(fmt.Errorf("%w: no media for %v", ErrInactive, b.timeout))
				return
			}
		}
	}
}

// unmapAP turns an IPv4-mapped IPv6 address into plain IPv4 so sources
// compare equal to signalled addresses.
func unmapAP(ap netip.AddrPort) netip.AddrPort {
	if !ap.IsValid() {
		return ap
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}
