package media

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/pion/rtcp"
)

// mustRTCP marshals a compound RTCP packet.
func mustRTCP(t testing.TB, pkts ...rtcp.Packet) []byte {
	t.Helper()
	b, err := rtcp.Marshal(pkts)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ntpMid returns the middle 32 bits of a 64-bit NTP timestamp (RFC 3550
// §6.4.1, LSR).
func ntpMid(ntp uint64) uint32 { return uint32(ntp >> 16) }

// toNTP converts t to a 64-bit NTP timestamp (RFC 5905 §6 era 0).
func toNTP(t time.Time) uint64 {
	const unixToNTP = 2208988800
	ns := t.UnixNano()
	sec := uint64(ns/1e9) + unixToNTP
	frac := uint64(ns%1e9) << 32 / 1e9
	return sec<<32 | frac
}

func cname(ssrc uint32) *rtcp.SourceDescription {
	return rtcp.NewCNAMESourceDescription(ssrc, "phone@127.0.0.1")
}

// rawRTCP builds one RTCP packet by hand: header with count, type, and
// body, the length field filled in.
func rawRTCP(count, pt byte, body []byte) []byte {
	b := make([]byte, 4+len(body))
	b[0] = 0x80 | count
	b[1] = pt
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)/4-1))
	copy(b[4:], body)
	return b
}

func TestParseRTCPReports(t *testing.T) {
	ntp := uint64(0x1122334455667788)
	blockA := rtcp.ReceptionReport{SSRC: 0xA, FractionLost: 25, TotalLost: 7, LastSequenceNumber: 70000, Jitter: 160, LastSenderReport: 0x33445566, Delay: 6554}
	blockC := rtcp.ReceptionReport{SSRC: 0xC, FractionLost: 255, TotalLost: 0xFFFFFF, Jitter: 1}
	sr := &rtcp.SenderReport{SSRC: 0xB, NTPTime: ntp, RTPTime: 1, PacketCount: 2, OctetCount: 3, Reports: []rtcp.ReceptionReport{blockA}}
	rr := &rtcp.ReceiverReport{SSRC: 0xB, Reports: []rtcp.ReceptionReport{blockA, blockC}}

	var many []rtcp.ReceptionReport
	for i := range 6 {
		many = append(many, rtcp.ReceptionReport{SSRC: uint32(100 + i)})
	}
	rrExt := &rtcp.ReceiverReport{SSRC: 0xB, Reports: []rtcp.ReceptionReport{blockA}, ProfileExtensions: []byte{1, 2, 3, 4}}

	// A padded RR: P bit, 4 octets of padding counted by the last one.
	padded := mustRTCP(t, rr)
	padded[0] |= 0x20
	padded = append(padded, 0, 0, 0, 4)
	binary.BigEndian.PutUint16(padded[2:], uint16(len(padded)/4-1))

	tests := []struct {
		name    string
		pkt     []byte
		reports int
		sender  uint32
		srNTP   uint32 // 0: no SR
		blocks  []uint32
	}{
		{"SR with block and SDES", mustRTCP(t, sr, cname(0xB)), 1, 0xB, ntpMid(ntp), []uint32{0xA}},
		{"RR with two blocks", mustRTCP(t, rr, cname(0xB)), 1, 0xB, 0, []uint32{0xA, 0xC}},
		{"RR without blocks", mustRTCP(t, &rtcp.ReceiverReport{SSRC: 9}), 1, 9, 0, nil},
		{"RR with profile extension", mustRTCP(t, rrExt), 1, 0xB, 0, []uint32{0xA}},
		{"padded RR", padded, 1, 0xB, 0, []uint32{0xA, 0xC}},
		{"SR then RR, blocks capped", mustRTCP(t,
			&rtcp.SenderReport{SSRC: 5, NTPTime: ntp, Reports: many},
			&rtcp.ReceiverReport{SSRC: 6, Reports: many}),
			2, 5, ntpMid(ntp), []uint32{100, 101, 102, 103, 104, 105, 100, 101}},
		{"reduced-size, SDES only", mustRTCP(t, cname(4)), 0, 0, 0, nil},
		{"BYE", mustRTCP(t, &rtcp.Goodbye{Sources: []uint32{4}}), 0, 0, 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var info rtcpInfo
			if !parseRTCP(tc.pkt, &info) {
				t.Fatal("rejected")
			}
			if info.reports != tc.reports || (tc.reports > 0 && info.sender != tc.sender) {
				t.Errorf("reports %d from %#x, want %d from %#x", info.reports, info.sender, tc.reports, tc.sender)
			}
			if info.hasSR != (tc.srNTP != 0) || info.srNTPMid != tc.srNTP {
				t.Errorf("SR %v NTP mid %#x, want %#x", info.hasSR, info.srNTPMid, tc.srNTP)
			}
			if info.nblocks != len(tc.blocks) {
				t.Fatalf("%d blocks, want %d", info.nblocks, len(tc.blocks))
			}
			for i, ssrc := range tc.blocks {
				if info.blocks[i].ssrc != ssrc {
					t.Errorf("block %d about %#x, want %#x", i, info.blocks[i].ssrc, ssrc)
				}
			}
		})
	}

	// Field decoding, including the 24-bit signed cumulative loss.
	var info rtcpInfo
	if !parseRTCP(mustRTCP(t, rr), &info) {
		t.Fatal("rejected")
	}
	want := []reportBlock{
		{ssrc: 0xA, fractionLost: 25, cumulativeLost: 7, highestSeq: 70000, jitter: 160, lsr: 0x33445566, dlsr: 6554},
		{ssrc: 0xC, fractionLost: 255, cumulativeLost: -1, jitter: 1},
	}
	for i, w := range want {
		if info.blocks[i] != w {
			t.Errorf("block %d = %+v, want %+v", i, info.blocks[i], w)
		}
	}
}

func TestParseRTCPMalformed(t *testing.T) {
	rr := mustRTCP(t, &rtcp.ReceiverReport{SSRC: 0xB, Reports: []rtcp.ReceptionReport{{SSRC: 0xA}}})
	sdes := mustRTCP(t, cname(0xB))

	tooManyBlocks := append([]byte{}, rr...)
	tooManyBlocks[0] = 0x82 // RC 2, room for 1
	paddedFirst := append(append([]byte{}, rr...), sdes...)
	paddedFirst[0] |= 0x20
	badPad := append([]byte{}, rr...)
	badPad[0] |= 0x20
	badPad[len(badPad)-1] = 0 // zero padding count
	hugePad := append([]byte{}, rr...)
	hugePad[0] |= 0x20
	hugePad[len(hugePad)-1] = 255
	v1 := append([]byte{}, rr...)
	v1[0] = 0x41
	// SRTCP (RFC 3711 §3.4): E flag and index, then a 10-octet tag.
	srtcp := append(append([]byte{}, rr...), 0x80, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
	shortSR := rawRTCP(0, rtcpTypeSR, make([]byte, 20)) // 24 octets, SR needs 28

	for name, pkt := range map[string][]byte{
		"empty":               {},
		"header only":         rr[:3],
		"truncated":           rr[:len(rr)-4],
		"trailing octets":     append(append([]byte{}, rr...), 0x80),
		"blocks beyond end":   tooManyBlocks,
		"padding not last":    paddedFirst,
		"zero padding count":  badPad,
		"padding beyond body": hugePad,
		"version 1":           v1,
		"SRTCP":               srtcp,
		"short SR":            shortSR,
	} {
		t.Run(name, func(t *testing.T) {
			var info rtcpInfo
			if parseRTCP(pkt, &info) {
				t.Fatalf("accepted %x: %+v", pkt, info)
			}
		})
	}
}

// TestParseRTCPAllocFree: parsing and observing a report allocates nothing.
func TestParseRTCPAllocFree(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	pkt := mustRTCP(t, &rtcp.SenderReport{SSRC: 1, NTPTime: 1 << 40, Reports: []rtcp.ReceptionReport{{SSRC: 2, LastSenderReport: 5}}}, cname(1))
	var q quality
	now := time.Now()
	allocs := testing.AllocsPerRun(100, func() {
		q.observe(LegA, pkt, now)
		q.observe(LegB, pkt, now)
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per observed report, want 0", allocs)
	}
}

// FuzzParseRTCP checks that parseRTCP never panics, keeps within its
// limits, and agrees with pion/rtcp on the report blocks of what both
// accept.
func FuzzParseRTCP(f *testing.F) {
	ntp := toNTP(time.Unix(1_700_000_000, 0))
	f.Add(mustRTCP(f, &rtcp.SenderReport{SSRC: 0xA, NTPTime: ntp, Reports: []rtcp.ReceptionReport{{SSRC: 0xB, FractionLost: 3, TotalLost: 9, Jitter: 80}}}, cname(0xA)))
	f.Add(mustRTCP(f, &rtcp.ReceiverReport{SSRC: 0xB, Reports: []rtcp.ReceptionReport{{SSRC: 0xA, LastSenderReport: ntpMid(ntp), Delay: 6554}}}, cname(0xB)))
	f.Add(mustRTCP(f, &rtcp.ReceiverReport{SSRC: 0xB, ProfileExtensions: []byte{1, 2, 3, 4}}))
	f.Add(mustRTCP(f, cname(3), &rtcp.Goodbye{Sources: []uint32{3}}))
	f.Add(rtcpRR(1))
	f.Add([]byte{0xa0, 201, 0, 1, 0, 0, 0, 4})
	f.Fuzz(func(t *testing.T, b []byte) {
		var info rtcpInfo
		ok := parseRTCP(b, &info)
		if info.nblocks < 0 || info.nblocks > maxReportBlocks {
			t.Fatalf("nblocks %d", info.nblocks)
		}
		if !ok {
			return
		}
		if info.nblocks > 0 && info.reports == 0 {
			t.Fatal("blocks without a report")
		}
		// Observing it from either leg must not panic either.
		var q quality
		q.observe(LegA, b, time.Now())
		q.observe(LegB, b, time.Now())
		for _, leg := range []Leg{LegA, LegB} {
			s := q.snapshot(leg)
			if s.FractionLost < 0 || s.FractionLost >= 1 || s.Jitter < 0 || s.RTT < 0 {
				t.Fatalf("leg %v quality %+v", leg, s)
			}
		}
		// Cross-check the blocks with pion/rtcp where it reads the packet
		// as plain SR and RR packets.
		pkts, err := rtcp.Unmarshal(b)
		if err != nil {
			return
		}
		var theirs []rtcp.ReceptionReport
		for _, p := range pkts {
			switch p := p.(type) {
			case *rtcp.SenderReport:
				theirs = append(theirs, p.Reports...)
			case *rtcp.ReceiverReport:
				theirs = append(theirs, p.Reports...)
			}
		}
		for i := 0; i < info.nblocks && i < len(theirs); i++ {
			mine, w := info.blocks[i], theirs[i]
			if mine.ssrc != w.SSRC || mine.fractionLost != w.FractionLost || uint32(mine.cumulativeLost)&0xFFFFFF != w.TotalLost ||
				mine.jitter != w.Jitter || mine.lsr != w.LastSenderReport || mine.dlsr != w.Delay {
				t.Fatalf("block %d: mine %+v, pion %+v", i, mine, w)
			}
		}
	})
}
