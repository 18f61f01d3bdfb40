package browserleg

import (
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// readRTCP reads one compound RTCP packet at the phone and decodes it.
func (p *phone) readRTCP(t *testing.T, d time.Duration) (rtcp.CompoundPacket, error) {
	t.Helper()
	raw, err := p.read(d)
	if err != nil {
		return nil, err
	}
	pkts, err := rtcp.Unmarshal(raw)
	if err != nil {
		t.Fatalf("undecodable RTCP from the bridge: %v (% x)", err, raw)
	}
	c := rtcp.CompoundPacket(pkts)
	// RFC 3550 §6.1: SR or RR first, then SDES with a CNAME.
	if err := c.Validate(); err != nil {
		t.Fatalf("not a valid compound packet: %v (%v)", err, c)
	}
	return c, nil
}

func marshalRTCP(t *testing.T, pkts ...rtcp.Packet) []byte {
	t.Helper()
	b, err := rtcp.Marshal(pkts)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBridgePhoneRTCP(t *testing.T) {
	e := newTestEngine(t, Config{})
	leg := unconnectedLeg(t, e)
	pair := newPair(t)
	ph := newPhone(t, "127.0.0.1")
	phRTCP := newPhone(t, "127.0.0.1")
	stranger := newPhone(t, "127.0.0.2")
	b := Bridge(leg, pair, BridgeConfig{
		PhoneRemote: ph.addr(), PhoneRTCP: phRTCP.addr(),
		RTCPInterval: 100 * time.Millisecond, InactivityTimeout: -1, Logger: quietLog,
	})
	defer b.Close()
	rtpDst, rtcpDst := pairAddr(pair), pair.RTCP.LocalAddr().(*net.UDPAddr)
	const phoneSSRC = 0x5eed1234

	// The phone sends 1..100 without 10.
	for seq := 1; seq <= 100; seq++ {
		if seq != 10 {
			ph.conn.WriteToUDP(rtpPacket(0, uint16(seq), uint32(seq*160), phoneSSRC, make([]byte, 160)), rtpDst)
		}
	}
	waitFor(t, "phone RTP", 5*time.Second, func() bool { return b.Stats().PhoneToBrowser == 99 })
	if st := b.Stats(); st.PhonePacketsLost != 1 {
		t.Errorf("PhonePacketsLost %d, want 1", st.PhonePacketsLost)
	}

	// The browser sends; the phone sees its packets on one SSRC, not the
	// browser's. octetsAt[n] is the payload the phone got in n packets.
	var ourSSRC uint32
	octetsAt := []uint32{0}
	browserSend := func() {
		t.Helper()
		n := len(octetsAt) - 1
		b.fromBrowser(rtpPacket(0, uint16(3000+n), uint32(n*160), 0xb0b, make([]byte, 160+n%3)))
		raw, err := ph.read(5 * time.Second)
		if err != nil {
			t.Fatalf("packet %d: %v", n, err)
		}
		var p rtp.Packet
		if err := p.Unmarshal(raw); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			ourSSRC = p.SSRC
		}
		if p.SSRC != ourSSRC || p.SSRC == 0xb0b || p.SSRC == 0 {
			t.Fatalf("packet %d SSRC %#x (first %#x)", n, p.SSRC, ourSSRC)
		}
		octetsAt = append(octetsAt, octetsAt[n]+uint32(len(p.Payload)))
	}
	for i := 0; i < 50; i++ {
		browserSend()
	}

	// The phone's SR, then a stranger's on another IP, which must not be
	// taken for the phone's.
	ntp := uint64(0x0123456789abcdef)
	phRTCP.conn.WriteToUDP(marshalRTCP(t,
		&rtcp.SenderReport{SSRC: phoneSSRC, NTPTime: ntp, RTPTime: 16000, PacketCount: 99, OctetCount: 99 * 160},
		rtcp.NewCNAMESourceDescription(phoneSSRC, "phone@test")), rtcpDst)
	waitFor(t, "phone SR", 5*time.Second, func() bool { return b.Stats().PhoneRTCPReceived == 1 })
	stranger.conn.WriteToUDP(marshalRTCP(t,
		&rtcp.SenderReport{SSRC: phoneSSRC, NTPTime: 0xdeadbeefdeadbeef},
		rtcp.NewCNAMESourceDescription(phoneSSRC, "evil@test")), rtcpDst)
	waitFor(t, "stranger's SR", 5*time.Second, func() bool { return b.Stats().DroppedStrangers == 1 })

	// Malformed RTCP from the phone is counted and dropped: truncated,
	// and a BYE alone (not a compound packet, RFC 3550 §6.1).
	phRTCP.conn.WriteToUDP([]byte{0x80, 200, 0, 50, 1, 2}, rtcpDst)
	phRTCP.conn.WriteToUDP(marshalRTCP(t, &rtcp.Goodbye{Sources: []uint32{phoneSSRC}}), rtcpDst)
	waitFor(t, "malformed RTCP", 5*time.Second, func() bool { return b.Stats().DroppedRTCP == 2 })

	// Our reports: an SR about what the phone got, with a block about the
	// phone's stream carrying its LSR. A report is an SR only while we
	// send and has a block only when the phone sent since the previous
	// one, so both keep sending.
	var sr *rtcp.SenderReport
	deadline := time.Now().Add(5 * time.Second)
	for seq := 101; sr == nil; seq++ {
		if time.Now().After(deadline) {
			t.Fatal("no SR with the expected report block")
		}
		ph.conn.WriteToUDP(rtpPacket(0, uint16(seq), uint32(seq*160), phoneSSRC, make([]byte, 160)), rtpDst)
		browserSend()
		c, err := phRTCP.readRTCP(t, 300*time.Millisecond)
		if err != nil {
			continue
		}
		if cname, err := c.CNAME(); err != nil || cname == "" {
			t.Fatalf("CNAME %q: %v", cname, err)
		}
		s, ok := c[0].(*rtcp.SenderReport)
		// A report built just before packet 101 was counted is an older
		// one; wait for one that covers it.
		if !ok || len(s.Reports) != 1 || s.Reports[0].LastSenderReport == 0 || s.Reports[0].LastSequenceNumber < 101 {
			continue
		}
		sr = s
	}
	if sr.SSRC != ourSSRC || sr.SSRC != b.out.ssrc {
		t.Errorf("SR SSRC %#x, RTP SSRC %#x, bridge's %#x", sr.SSRC, ourSSRC, b.out.ssrc)
	}
	if n := int(sr.PacketCount); n < 50 || n >= len(octetsAt) || sr.OctetCount != octetsAt[n] {
		t.Errorf("SR counts %d packets %d octets; the phone got %d packets, %v octets", sr.PacketCount, sr.OctetCount, len(octetsAt)-1, octetsAt)
	}
	rb := sr.Reports[0]
	if rb.SSRC != phoneSSRC || rb.TotalLost != 1 || rb.LastSenderReport != uint32(ntp>>16) {
		t.Errorf("report block %+v: want SSRC %#x, lost 1, LSR %#x", rb, phoneSSRC, uint32(ntp>>16))
	}
	if rb.LastSequenceNumber < 101 || rb.Delay == 0 || rb.Delay > 5*65536 {
		t.Errorf("report block %+v", rb)
	}

	// The phone answers with a block about our stream whose LSR is our
	// SR's, sent as if it had held our SR 100 ms: a round trip appears.
	phRTCP.conn.WriteToUDP(marshalRTCP(t,
		&rtcp.ReceiverReport{SSRC: phoneSSRC, Reports: []rtcp.ReceptionReport{{
			SSRC: ourSSRC, LastSenderReport: uint32(sr.NTPTime>>16) - 6554,
		}}},
		rtcp.NewCNAMESourceDescription(phoneSSRC, "phone@test")), rtcpDst)
	waitFor(t, "round trip", 5*time.Second, func() bool { return b.Stats().PhoneRTT >= 90*time.Millisecond })
	st := b.Stats()
	if st.PhoneRTT > 5*time.Second || st.PhoneRTCPSent == 0 || st.PhonePacketsLost != 1 || st.PhoneJitter <= 0 {
		t.Errorf("stats %+v", st)
	}

	// RFC 3550 §6.6: Close sends a BYE for our SSRC, last in a compound
	// packet.
	b.Close()
	deadline = time.Now().Add(5 * time.Second)
	for {
		c, err := phRTCP.readRTCP(t, time.Until(deadline))
		if err != nil {
			t.Fatalf("no BYE: %v", err)
		}
		if bye, ok := c[len(c)-1].(*rtcp.Goodbye); ok {
			if len(bye.Sources) != 1 || bye.Sources[0] != ourSSRC {
				t.Errorf("BYE %+v", bye)
			}
			break
		}
	}
}

// TestBridgePhoneRTCPDefaults: with no RTCP address given, reports go to
// the RTP port plus one; once the phone's RTCP arrived, to its source.
// RTCP multiplexed on the RTP port is taken in too.
func TestBridgePhoneRTCPDefaults(t *testing.T) {
	e := newTestEngine(t, Config{})
	leg := unconnectedLeg(t, e)
	pair := newPair(t)
	// Find a phone whose RTP port+1 is free for its RTCP socket.
	var ph, phPlus1 *phone
	for i := 0; i < 50 && phPlus1 == nil; i++ {
		ph = newPhone(t, "127.0.0.1")
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: int(ph.addr().Port()) + 1})
		if err == nil {
			t.Cleanup(func() { c.Close() })
			phPlus1 = &phone{conn: c}
		}
	}
	if phPlus1 == nil {
		t.Fatal("no two adjacent free UDP ports on loopback in 50 tries")
	}
	other := newPhone(t, "127.0.0.1")
	b := Bridge(leg, pair, BridgeConfig{PhoneRemote: ph.addr(), RTCPInterval: 50 * time.Millisecond, InactivityTimeout: -1, Logger: quietLog})
	defer b.Close()
	if _, err := phPlus1.readRTCP(t, 5*time.Second); err != nil {
		t.Fatalf("nothing at RTP port + 1: %v", err)
	}

	// RTCP multiplexed on the RTP port (RFC 5761).
	rr := marshalRTCP(t, &rtcp.ReceiverReport{SSRC: 9}, rtcp.NewCNAMESourceDescription(9, "p"))
	ph.conn.WriteToUDP(rr, pairAddr(pair))
	waitFor(t, "muxed RTCP", 5*time.Second, func() bool { return b.Stats().PhoneRTCPReceived == 1 })

	// RTCP from another port of the phone's IP: reports follow it.
	other.conn.WriteToUDP(rr, pair.RTCP.LocalAddr().(*net.UDPAddr))
	waitFor(t, "RTCP from the phone", 5*time.Second, func() bool { return b.Stats().PhoneRTCPReceived == 2 })
	if _, err := other.readRTCP(t, 5*time.Second); err != nil {
		t.Fatalf("reports do not follow the phone's RTCP source: %v", err)
	}
	b.Close()
}

// TestBridgePhoneRTCPOff: a negative interval sends nothing, not even a
// BYE; a pair without an RTCP socket neither.
func TestBridgePhoneRTCPOff(t *testing.T) {
	e := newTestEngine(t, Config{})
	leg := unconnectedLeg(t, e)
	rtcpPhone := newPhone(t, "127.0.0.1")
	ph := newPhone(t, "127.0.0.1")
	for _, c := range []struct {
		name  string
		every time.Duration
		noSoc bool
	}{{"interval off", -1, false}, {"no RTCP socket", 20 * time.Millisecond, true}} {
		pair := newPair(t)
		if c.noSoc {
			pair.RTCP.Close()
			pair.RTCP = nil
		}
		b := Bridge(leg, pair, BridgeConfig{PhoneRemote: ph.addr(), PhoneRTCP: rtcpPhone.addr(), RTCPInterval: c.every, InactivityTimeout: -1, Logger: quietLog})
		b.fromBrowser(rtpPacket(0, 1, 0, 5, make([]byte, 160)))
		if _, err := ph.read(5 * time.Second); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond) // several intervals: nothing must come
		b.Close()
		if raw, err := rtcpPhone.read(50 * time.Millisecond); err == nil {
			t.Errorf("%s: RTCP sent: % x", c.name, raw)
		}
		if st := b.Stats(); st.PhoneRTCPSent != 0 {
			t.Errorf("%s: stats %+v", c.name, st)
		}
	}
}

// TestBridgePhoneSSRCContinuity: the phone sees one SSRC, ours, with
// continuous sequence numbers through the real leg, across a change of
// the browser's SSRC (a new track calling the sink) and across hold.
func TestBridgePhoneSSRCContinuity(t *testing.T) {
	e := newTestEngine(t, Config{})
	leg, br := connectedLeg(t, e)

	ph := newPhone(t, "127.0.0.1")
	b := Bridge(leg, newPair(t), BridgeConfig{PhoneRemote: ph.addr(), RTCPInterval: -1, Logger: quietLog})
	defer b.Close()
	ours := b.out.ssrc

	var last uint16
	got := 0
	// check reads every packet the bridge sent so far and checks it
	// continues the stream: our SSRC, next sequence number.
	check := func(what string, wantMarker bool) {
		t.Helper()
		for uint64(got) < b.Stats().BrowserToPhone {
			raw, err := ph.read(5 * time.Second)
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			var p rtp.Packet
			if err := p.Unmarshal(raw); err != nil {
				t.Fatal(err)
			}
			if p.SSRC != ours {
				t.Fatalf("%s: SSRC %#x, want %#x", what, p.SSRC, ours)
			}
			if got > 0 && p.SequenceNumber != last+1 {
				t.Fatalf("%s: seq %d after %d", what, p.SequenceNumber, last)
			}
			if wantMarker && !p.Marker {
				t.Errorf("%s: first packet of a new source not marked", what)
			}
			wantMarker = false
			last = p.SequenceNumber
			got++
		}
	}

	// Real browser media through the leg.
	seq := uint16(40000)
	sendBrowser := func(n int) {
		t.Helper()
		want := b.Stats().BrowserToPhone + uint64(n)
		for i := 0; i < n; i++ {
			seq++
			if err := br.track.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: uint32(seq) * 160}, Payload: make([]byte, 160)}); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, "browser media at the phone", 10*time.Second, func() bool { return b.Stats().BrowserToPhone == want })
	}
	sendBrowser(5)
	check("browser track", false)

	// Another source on the sink (a new track after renegotiation).
	before := b.Stats().BrowserToPhone
	b.fromBrowser(rtpPacket(0, 7, 123456, 0xdead, make([]byte, 160)))
	b.fromBrowser(rtpPacket(0, 8, 123616, 0xdead, make([]byte, 160)))
	if b.Stats().BrowserToPhone != before+2 {
		t.Fatalf("stats %+v", b.Stats())
	}
	check("new source", true)

	// Hold with no address, then resume: the gap is closed.
	b.SetPhoneRemote(netip.AddrPortFrom(netip.IPv4Unspecified(), 0))
	b.fromBrowser(rtpPacket(0, 9, 123776, 0xdead, make([]byte, 160)))
	b.SetPhoneRemote(ph.addr())
	b.fromBrowser(rtpPacket(0, 50, 130000, 0xdead, make([]byte, 160)))
	check("after hold", false)

	// Back to the browser's track.
	sendBrowser(3)
	check("browser track again", true)
}

func TestPhoneRTCPDest(t *testing.T) {
	ap := netip.MustParseAddrPort
	b := &Bridger{}
	b.remote.Store(&phoneRemote{})
	if d := b.phoneRTCPDest(); d.IsValid() {
		t.Errorf("no remote: %v", d)
	}
	b.remote.Store(&phoneRemote{signalled: ap("10.0.0.1:4000")})
	if d := b.phoneRTCPDest(); d != ap("10.0.0.1:4001") {
		t.Errorf("signalled: %v", d)
	}
	b.remote.Store(&phoneRemote{signalled: ap("10.0.0.1:4000"), latched: ap("10.0.0.1:6000")})
	if d := b.phoneRTCPDest(); d != ap("10.0.0.1:6001") {
		t.Errorf("latched: %v", d)
	}
	b.SetPhoneRTCP(ap("10.0.0.1:7000"))
	if d := b.phoneRTCPDest(); d != ap("10.0.0.1:7000") {
		t.Errorf("configured: %v", d)
	}
	b.rtcpSrc.Store(&rtcpLatch{signalled: ap("10.0.0.1:4000"), src: ap("10.0.0.1:8000")})
	if d := b.phoneRTCPDest(); d != ap("10.0.0.1:8000") {
		t.Errorf("RTCP source: %v", d)
	}
	// A new signalled address forgets the RTCP source.
	b.remote.Store(&phoneRemote{signalled: ap("10.0.0.2:4000")})
	b.SetPhoneRTCP(netip.AddrPort{})
	if d := b.phoneRTCPDest(); d != ap("10.0.0.2:4001") {
		t.Errorf("after re-INVITE: %v", d)
	}
	b.remote.Store(&phoneRemote{signalled: ap("10.0.0.2:65535")})
	if d := b.phoneRTCPDest(); d.IsValid() {
		t.Errorf("port 65535: %v", d)
	}
	// Hold: nothing.
	b.remote.Store(&phoneRemote{signalled: ap("0.0.0.0:0")})
	b.SetPhoneRTCP(ap("10.0.0.1:7000"))
	if d := b.phoneRTCPDest(); d.IsValid() {
		t.Errorf("hold: %v", d)
	}
}

func TestRTCPDelayAndNTP(t *testing.T) {
	for i := 0; i < 1000; i++ {
		if d := rtcpDelay(time.Second, false); d < 500*time.Millisecond || d > 1500*time.Millisecond {
			t.Fatalf("delay %v outside 0.5–1.5 s", d)
		}
		if d := rtcpDelay(time.Second, true); d < 250*time.Millisecond || d > 750*time.Millisecond {
			t.Fatalf("first delay %v outside 0.25–0.75 s", d)
		}
	}
	if got := ntpTime(time.Unix(0, 0)); got != ntpEpochOffset<<32 {
		t.Errorf("NTP of the Unix epoch %#x", got)
	}
	if got := ntpTime(time.Unix(1, 5e8)); got != (ntpEpochOffset+1)<<32|1<<31 {
		t.Errorf("NTP 1.5 s %#x", got)
	}
}

func TestParsePhoneRTCP(t *testing.T) {
	block := rtcp.ReceptionReport{SSRC: 42, TotalLost: 3, LastSenderReport: 77, Delay: 5}
	sdes := rtcp.NewCNAMESourceDescription(9, "p")
	r, err := parsePhoneRTCP(marshalRTCP(t,
		&rtcp.SenderReport{SSRC: 9, NTPTime: 1234, Reports: []rtcp.ReceptionReport{{SSRC: 41}, block}},
		sdes, &rtcp.Goodbye{Sources: []uint32{9}}), 42)
	if err != nil || !r.hasSR || r.srSSRC != 9 || r.srNTP != 1234 || !r.hasBlock || r.block != block || !r.bye {
		t.Fatalf("%+v %v", r, err)
	}
	r, err = parsePhoneRTCP(marshalRTCP(t, &rtcp.ReceiverReport{SSRC: 9}, sdes), 42)
	if err != nil || r.hasSR || r.hasBlock || r.bye {
		t.Fatalf("RR: %+v %v", r, err)
	}
	if _, err := parsePhoneRTCP(marshalRTCP(t, sdes), 42); !errors.Is(err, ErrRTCPNotCompound) {
		t.Errorf("SDES first: %v", err)
	}
	for _, bad := range [][]byte{nil, {0x80}, {0x40, 201, 0, 1, 0, 0, 0, 9}, {0x80, 201, 0, 9, 0, 0, 0, 9}} {
		if _, err := parsePhoneRTCP(bad, 42); err == nil {
			t.Errorf("% x accepted", bad)
		}
	}
}

func FuzzParsePhoneRTCP(f *testing.F) {
	sdes := rtcp.NewCNAMESourceDescription(9, "phone")
	for _, seed := range [][]rtcp.Packet{
		{&rtcp.SenderReport{SSRC: 9, NTPTime: 1, Reports: []rtcp.ReceptionReport{{SSRC: 42}}}, sdes},
		{&rtcp.ReceiverReport{SSRC: 9}, sdes, &rtcp.Goodbye{Sources: []uint32{9}, Reason: "bye"}},
		{&rtcp.ReceiverReport{SSRC: 9, Reports: []rtcp.ReceptionReport{{SSRC: 42, LastSenderReport: 1}}}},
	} {
		b, err := rtcp.Marshal(seed)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0x80, 200, 0, 6})
	f.Fuzz(func(t *testing.T, pkt []byte) {
		r, err := parsePhoneRTCP(pkt, 42)
		if err != nil {
			return
		}
		if r.hasBlock && r.block.SSRC != 42 {
			t.Fatalf("block about %d", r.block.SSRC)
		}
		// A valid packet goes through the bridge's handling too.
		b := &Bridger{out: &phoneSender{ssrc: 42}, log: quietLog}
		if !b.takeRTCP(pkt, time.Now()) {
			t.Fatal("parsed packet rejected")
		}
	})
}
