package media

import (
	"bytes"
	"testing"
	"time"

	"github.com/pion/rtcp"
)

// dlsrSince returns the DLSR field for the time elapsed since t (RFC 3550
// §6.4.1, units of 1/65536 s, rounded down as a receiver would).
func dlsrSince(t time.Time) uint32 {
	return uint32(time.Since(t) * 65536 / time.Second)
}

// TestRelayQualityFromReports: phone A sends a sender report, phone B holds
// it for a while and answers with a receiver report echoing it. B's report
// block shows up in BQuality, with an RTT for the relay↔B segment that does
// not include B's holding time.
func TestRelayQualityFromReports(t *testing.T) {
	leakCheck(t)
	r := newRig(t, RelayConfig{})
	r.relay.Start()

	ntp := toNTP(time.Now())
	sr := mustRTCP(t, &rtcp.SenderReport{SSRC: 0xA, NTPTime: ntp, RTPTime: 8000, PacketCount: 50, OctetCount: 8000}, cname(0xA))
	send(t, r.pa.rtcp, r.aRTCP(), sr)
	got, _ := recv(t, r.pb.rtcp)
	gotSR := time.Now()
	if !bytes.Equal(got, sr) {
		t.Fatalf("B got %x, want the SR untouched", got)
	}

	// B holds the SR, as a phone does until its next report is due.
	const hold = 200 * time.Millisecond
	time.Sleep(hold)
	dlsr := dlsrSince(gotSR)
	rr := mustRTCP(t, &rtcp.ReceiverReport{SSRC: 0xB, Reports: []rtcp.ReceptionReport{{
		SSRC: 0xA, FractionLost: 25, TotalLost: 7, LastSequenceNumber: 1000, Jitter: 160,
		LastSenderReport: ntpMid(ntp), Delay: dlsr,
	}}}, cname(0xB))
	send(t, r.pb.rtcp, r.bRTCP(), rr)
	if got, _ := recv(t, r.pa.rtcp); !bytes.Equal(got, rr) {
		t.Fatalf("A got %x, want the RR untouched", got)
	}
	waitFor(t, "B's report", func() bool { return r.relay.Stats().BQuality.ReportsReceived == 1 })

	st := r.relay.Stats()
	q := st.BQuality
	if q.FractionLost != 25.0/256 || q.CumulativeLost != 7 || q.Jitter != 20*time.Millisecond {
		t.Errorf("BQuality = %+v, want 25/256 lost, 7 cumulative, 20ms jitter", q)
	}
	t.Logf("RTT %v with DLSR %v", q.RTT, time.Duration(dlsr)*dlsrUnit)
	// The RTT covers relay→B and B→relay on loopback: positive, and
	// well below B's holding time, which DLSR takes out.
	if q.RTT <= 0 || q.RTT >= hold {
		t.Errorf("RTT = %v, want in (0, %v) (DLSR %v)", q.RTT, hold, time.Duration(dlsr)*dlsrUnit)
	}
	if a := st.AQuality; a.ReportsReceived != 1 || a.RTT != 0 || a.FractionLost != 0 || a.Jitter != 0 {
		t.Errorf("AQuality = %+v, want one report and nothing else", a)
	}
	waitFor(t, "both reports counted as forwarded", func() bool {
		st := r.relay.Stats()
		return st.AtoB.RTCPPackets == 1 && st.BtoA.RTCPPackets == 1
	})

	// Jitter follows the clock rate of the leg's codec.
	r.relay.SetClockRate(LegB, 16000)
	if j := r.relay.Stats().BQuality.Jitter; j != 10*time.Millisecond {
		t.Errorf("jitter at 16 kHz = %v, want 10ms", j)
	}
	r.relay.SetClockRate(LegB, 0)
	if j := r.relay.Stats().BQuality.Jitter; j != 20*time.Millisecond {
		t.Errorf("jitter after reset = %v, want 20ms", j)
	}
	r.relay.SetClockRate(Leg(9), 1) // ignored

	// A report claiming a longer hold than possible (DLSR 10 s for an SR
	// just sent) does not produce a negative RTT; the last good one stays.
	rtt := q.RTT
	lying := mustRTCP(t, &rtcp.ReceiverReport{SSRC: 0xB, Reports: []rtcp.ReceptionReport{{
		SSRC: 0xA, FractionLost: 0, TotalLost: 8, Jitter: 80, LastSenderReport: ntpMid(ntp), Delay: 10 * 65536,
	}}})
	send(t, r.pb.rtcp, r.bRTCP(), lying)
	recv(t, r.pa.rtcp)
	waitFor(t, "B's second report", func() bool { return r.relay.Stats().BQuality.ReportsReceived == 2 })
	q = r.relay.Stats().BQuality
	if q.RTT != rtt || q.CumulativeLost != 8 || q.FractionLost != 0 || q.Jitter != 10*time.Millisecond {
		t.Errorf("after an impossible DLSR: %+v, want RTT %v kept and the new loss figures", q, rtt)
	}
}

// TestRelayQualityImmediateReply: a peer answering at once with an honest
// DLSR of about zero gets a small positive RTT; one claiming 0.1 s gets no
// RTT rather than a negative one.
func TestRelayQualityImmediateReply(t *testing.T) {
	leakCheck(t)
	r := newRig(t, RelayConfig{})
	r.relay.Start()
	ntp := toNTP(time.Now())
	send(t, r.pa.rtcp, r.aRTCP(), mustRTCP(t, &rtcp.SenderReport{SSRC: 0xA, NTPTime: ntp}))
	recv(t, r.pb.rtcp)

	block := rtcp.ReceptionReport{SSRC: 0xA, LastSenderReport: ntpMid(ntp), Delay: 6554} // 0.1 s
	send(t, r.pb.rtcp, r.bRTCP(), mustRTCP(t, &rtcp.ReceiverReport{SSRC: 0xB, Reports: []rtcp.ReceptionReport{block}}))
	recv(t, r.pa.rtcp)
	waitFor(t, "B's report", func() bool { return r.relay.Stats().BQuality.ReportsReceived == 1 })
	if rtt := r.relay.Stats().BQuality.RTT; rtt != 0 {
		t.Errorf("RTT = %v from a DLSR longer than the real hold, want 0 (not computable)", rtt)
	}

	block.Delay = 0
	send(t, r.pb.rtcp, r.bRTCP(), mustRTCP(t, &rtcp.ReceiverReport{SSRC: 0xB, Reports: []rtcp.ReceptionReport{block}}))
	recv(t, r.pa.rtcp)
	waitFor(t, "B's second report", func() bool { return r.relay.Stats().BQuality.ReportsReceived == 2 })
	if rtt := r.relay.Stats().BQuality.RTT; rtt <= 0 || rtt >= time.Second {
		t.Errorf("RTT = %v, want in (0, 1s)", rtt)
	}
}

// TestRelayQualityBothWays: both phones send SRs carrying report blocks
// about each other; each leg gets its own figures and RTT, and the block
// about the other phone's stream is picked among several.
func TestRelayQualityBothWays(t *testing.T) {
	leakCheck(t)
	r := newRig(t, RelayConfig{})
	r.relay.Start()
	r.relay.SetClockRate(LegA, 48000)

	ntpA := toNTP(time.Now())
	send(t, r.pa.rtcp, r.aRTCP(), mustRTCP(t, &rtcp.SenderReport{SSRC: 0xA, NTPTime: ntpA}, cname(0xA)))
	recv(t, r.pb.rtcp)
	gotA := time.Now()

	// B's SR reports on an unrelated source first, then on A's stream.
	ntpB := toNTP(time.Now().Add(time.Hour)) // clocks need not agree
	send(t, r.pb.rtcp, r.bRTCP(), mustRTCP(t, &rtcp.SenderReport{SSRC: 0xB, NTPTime: ntpB, Reports: []rtcp.ReceptionReport{
		{SSRC: 0x99, FractionLost: 200, TotalLost: 500, Jitter: 9999},
		{SSRC: 0xA, FractionLost: 64, TotalLost: 3, Jitter: 320, LastSenderReport: ntpMid(ntpA), Delay: dlsrSince(gotA)},
	}}, cname(0xB)))
	recv(t, r.pa.rtcp)
	gotB := time.Now()

	send(t, r.pa.rtcp, r.aRTCP(), mustRTCP(t, &rtcp.ReceiverReport{SSRC: 0xA, Reports: []rtcp.ReceptionReport{
		{SSRC: 0xB, FractionLost: 128, TotalLost: 0xFFFFFE, Jitter: 480, LastSenderReport: ntpMid(ntpB), Delay: dlsrSince(gotB)},
	}}))
	recv(t, r.pb.rtcp)
	waitFor(t, "reports", func() bool {
		st := r.relay.Stats()
		return st.AQuality.ReportsReceived == 2 && st.BQuality.ReportsReceived == 1
	})
	st := r.relay.Stats()
	if b := st.BQuality; b.FractionLost != 0.25 || b.CumulativeLost != 3 || b.Jitter != 40*time.Millisecond || b.RTT <= 0 || b.RTT >= time.Second {
		t.Errorf("BQuality = %+v", b)
	}
	if a := st.AQuality; a.FractionLost != 0.5 || a.CumulativeLost != -2 || a.Jitter != 10*time.Millisecond || a.RTT <= 0 || a.RTT >= time.Second {
		t.Errorf("AQuality = %+v", a)
	}
}

// TestRelayQualityMalformed: RTCP that passes the relay's cheap checks but
// is not a well-formed compound is forwarded untouched and not read.
func TestRelayQualityMalformed(t *testing.T) {
	leakCheck(t)
	r := newRig(t, RelayConfig{})
	r.relay.Start()
	rr := mustRTCP(t, &rtcp.ReceiverReport{SSRC: 0xB, Reports: []rtcp.ReceptionReport{{SSRC: 0xA, FractionLost: 9}}})
	tooMany := append([]byte{}, rr...)
	tooMany[0] = 0x9f // 31 blocks announced
	long := append([]byte{}, rr...)
	long[3] = 200 // length beyond the datagram
	srtcp := append(append([]byte{}, rr...), 0x80, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
	for _, pkt := range [][]byte{tooMany, long, srtcp, rr[:12]} {
		send(t, r.pb.rtcp, r.bRTCP(), pkt)
		if got, _ := recv(t, r.pa.rtcp); !bytes.Equal(got, pkt) {
			t.Fatalf("A got %x, want %x", got, pkt)
		}
	}
	// Reports are read before they are sent on, so once all are counted
	// as forwarded, BQuality is final.
	waitFor(t, "all forwarded", func() bool { return r.relay.Stats().BtoA.RTCPPackets == 4 })
	if q := r.relay.Stats().BQuality; q != (LegQuality{}) {
		t.Fatalf("BQuality %+v from malformed reports", q)
	}
}

// TestRelayRTCPAllocFree: forwarding and reading sender and receiver
// reports allocates nothing.
func TestRelayRTCPAllocFree(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	leakCheck(t)
	r := newRig(t, RelayConfig{})
	r.relay.Start()
	ntp := toNTP(time.Now())
	sr := mustRTCP(t, &rtcp.SenderReport{SSRC: 0xA, NTPTime: ntp, Reports: []rtcp.ReceptionReport{{SSRC: 0xB, Jitter: 1}}}, cname(0xA))
	rr := mustRTCP(t, &rtcp.ReceiverReport{SSRC: 0xB, Reports: []rtcp.ReceptionReport{{SSRC: 0xA, LastSenderReport: ntpMid(ntp)}}}, cname(0xB))
	buf := make([]byte, 2048)
	if _, err := pump(r.pa.rtcp, r.pb.rtcp, r.aRTCP(), sr, buf, 16, 8); err != nil {
		t.Fatal(err)
	}
	if _, err := pump(r.pb.rtcp, r.pa.rtcp, r.bRTCP(), rr, buf, 16, 8); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := pump(r.pa.rtcp, r.pb.rtcp, r.aRTCP(), sr, buf, 4, 4); err != nil {
			panic(err)
		}
		if _, err := pump(r.pb.rtcp, r.pa.rtcp, r.bRTCP(), rr, buf, 4, 4); err != nil {
			panic(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per 8 reports, want 0", allocs)
	}
	if r.relay.Stats().BQuality.RTT <= 0 {
		t.Errorf("no RTT after %d echoed reports", r.relay.Stats().BQuality.ReportsReceived)
	}
}
