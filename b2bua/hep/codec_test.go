package hep

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func samplePacket(src, dst string) Packet {
	return Packet{
		Src:           netip.MustParseAddrPort(src),
		Dst:           netip.MustParseAddrPort(dst),
		Proto:         ProtoUDP,
		Time:          time.Date(2025, 3, 4, 5, 6, 7, 123456789, time.UTC),
		Type:          TypeSIP,
		CorrelationID: "a84b4c76e66710@pc33.example.com",
		Payload:       []byte("INVITE sip:bob@example.com SIP/2.0\r\nCall-ID: a84b4c76e66710@pc33.example.com\r\n\r\n"),
	}
}

func equalPackets(t *testing.T, got, want Packet) {
	t.Helper()
	if got.Src != want.Src || got.Dst != want.Dst {
		t.Errorf("addresses = %v -> %v, want %v -> %v", got.Src, got.Dst, want.Src, want.Dst)
	}
	if got.Proto != want.Proto || got.Type != want.Type {
		t.Errorf("proto/type = %d/%d, want %d/%d", got.Proto, got.Type, want.Proto, want.Type)
	}
	if !got.Time.Equal(want.Time.Truncate(time.Microsecond)) {
		t.Errorf("time = %v, want %v", got.Time, want.Time.Truncate(time.Microsecond))
	}
	if got.CorrelationID != want.CorrelationID {
		t.Errorf("correlation = %q, want %q", got.CorrelationID, want.CorrelationID)
	}
	if !bytes.Equal(got.Payload, want.Payload) {
		t.Errorf("payload = %q, want %q", got.Payload, want.Payload)
	}
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name     string
		p        Packet
		password string
		wantLen  int
	}{
		{"ipv4", samplePacket("192.0.2.10:5060", "198.51.100.7:5080"), "", 0},
		{"ipv6", samplePacket("[2001:db8::1]:5060", "[2001:db8::2]:5061"), "s3cret", 0},
		{"mapped", samplePacket("[::ffff:192.0.2.1]:5060", "192.0.2.2:5060"), "", 0},
		{"no correlation", func() Packet {
			p := samplePacket("10.0.0.1:1", "10.0.0.2:2")
			p.CorrelationID, p.Type, p.Proto = "", TypeRTCP, ProtoTCP
			return p
		}(), "", 0},
		{"empty payload", func() Packet { p := samplePacket("10.0.0.1:1", "10.0.0.2:2"); p.Payload = nil; return p }(), "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Encode([]byte("prefix"), tc.p, 0xdeadbeef, tc.password)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(b, []byte("prefixHEP3")) {
				t.Fatalf("Encode did not append: %q", b[:10])
			}
			b = b[len("prefix"):]
			if n, err := EncodedLen(tc.p, tc.password); err != nil || n != len(b) {
				t.Errorf("EncodedLen = %d, %v; encoded %d bytes", n, err, len(b))
			}
			if got := int(binary.BigEndian.Uint16(b[4:])); got != len(b) {
				t.Errorf("header total length %d, packet %d", got, len(b))
			}
			got, meta, err := DecodeMeta(b)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.p
			want.Src = netip.AddrPortFrom(want.Src.Addr().Unmap(), want.Src.Port())
			if want.Payload == nil {
				want.Payload = []byte{}
			}
			equalPackets(t, got, want)
			if meta.CaptureID != 0xdeadbeef || meta.AuthKey != tc.password {
				t.Errorf("meta = %+v", meta)
			}
		})
	}
}

// TestWireLayout checks the exact bytes of the first chunks against the
// HEP3 spec layout, independently of Decode.
func TestWireLayout(t *testing.T) {
	p := samplePacket("192.0.2.10:5060", "198.51.100.7:5080")
	b, err := Encode(nil, p, 7, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{
		'H', 'E', 'P', '3', byte(len(b) >> 8), byte(len(b)),
		0, 0, 0, 1, 0, 7, 2, // family IPv4
		0, 0, 0, 2, 0, 7, 17, // UDP
		0, 0, 0, 3, 0, 10, 192, 0, 2, 10, // IPv4 source
		0, 0, 0, 4, 0, 10, 198, 51, 100, 7, // IPv4 destination
		0, 0, 0, 7, 0, 8, 0x13, 0xc4, // source port 5060
		0, 0, 0, 8, 0, 8, 0x13, 0xd8, // destination port 5080
	}
	if !bytes.Equal(b[:len(want)], want) {
		t.Fatalf("layout\n got % x\nwant % x", b[:len(want)], want)
	}
	// Chunks are walked to check the rest: every known type once, in order.
	var types []uint16
	for o := headerLen; o < len(b); {
		types = append(types, binary.BigEndian.Uint16(b[o+2:]))
		o += int(binary.BigEndian.Uint16(b[o+4:]))
	}
	wantTypes := []uint16{1, 2, 3, 4, 7, 8, 9, 10, 11, 12, 17, 15}
	if len(types) != len(wantTypes) {
		t.Fatalf("chunk types %v, want %v", types, wantTypes)
	}
	for i := range types {
		if types[i] != wantTypes[i] {
			t.Fatalf("chunk types %v, want %v", types, wantTypes)
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	good := samplePacket("192.0.2.1:1", "192.0.2.2:2")
	tests := []struct {
		name string
		mod  func(*Packet)
		want error
	}{
		{"mixed families", func(p *Packet) { p.Dst = netip.MustParseAddrPort("[2001:db8::1]:2") }, ErrAddress},
		{"missing source", func(p *Packet) { p.Src = netip.AddrPort{} }, ErrAddress},
		{"zero time", func(p *Packet) { p.Time = time.Time{} }, ErrTime},
		{"after 2106", func(p *Packet) { p.Time = time.Date(2107, 1, 1, 0, 0, 0, 0, time.UTC) }, ErrTime},
		{"too large", func(p *Packet) { p.Payload = make([]byte, 65500) }, ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := good
			tc.mod(&p)
			dst := []byte("keep")
			out, err := Encode(dst, p, 1, "")
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if string(out) != "keep" {
				t.Errorf("dst modified on error: %q", out)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	valid, err := Encode(nil, samplePacket("192.0.2.1:1", "192.0.2.2:2"), 1, "")
	if err != nil {
		t.Fatal(err)
	}
	mutate := func(f func([]byte) []byte) []byte { return f(append([]byte(nil), valid...)) }
	setTotal := func(b []byte, n int) []byte { binary.BigEndian.PutUint16(b[4:], uint16(n)); return b }
	// offset of the first chunk after the header: the family chunk.
	const first = headerLen
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"short header", []byte("HEP3\x00")},
		{"bad magic", mutate(func(b []byte) []byte { b[3] = '2'; return b })},
		{"total beyond buffer", mutate(func(b []byte) []byte { return b[:len(b)-1] })},
		{"total below header", mutate(func(b []byte) []byte { return setTotal(b, 5) })},
		{"truncated chunk header", mutate(func(b []byte) []byte { return setTotal(b, first+3) })},
		{"chunk length below header", mutate(func(b []byte) []byte { b[first+5] = 5; return b })},
		{"chunk beyond total", mutate(func(b []byte) []byte { return setTotal(b, first+5+1) })},
		{"wrong width", mutate(func(b []byte) []byte {
			// Grow the family chunk by one byte, eating into the next chunk.
			b[first+5] = 8
			return b
		})},
		{"repeated chunk", mutate(func(b []byte) []byte {
			b = append(b, 0, 0, 0, 1, 0, 7, 2)
			return setTotal(b, len(b))
		})},
		{"family mismatch", mutate(func(b []byte) []byte { b[first+6] = familyIPv6; return b })},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Decode(tc.in); !errors.Is(err, ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
		})
	}

	t.Run("usec out of range", func(t *testing.T) {
		b := []byte("HEP3\x00\x00")
		b = append(b, 0, 0, 0, 10, 0, 10, 0x00, 0x0f, 0x42, 0x40) // 1,000,000 µs
		setTotal(b, len(b))
		if _, err := Decode(b); !errors.Is(err, ErrMalformed) {
			t.Fatalf("err = %v, want ErrMalformed", err)
		}
	})
}

func TestDecodeSkipsUnknownAndTrailing(t *testing.T) {
	p := samplePacket("192.0.2.1:1", "192.0.2.2:2")
	b, err := Encode(nil, p, 1, "")
	if err != nil {
		t.Fatal(err)
	}
	// A vendor chunk and an unknown generic chunk (0x0020, MOS) are
	// skipped, and bytes after the total length are ignored.
	b = append(b, 0x00, 0x08, 0x00, 0x01, 0x00, 0x07, 0xff)
	b = append(b, 0x00, 0x00, 0x00, 0x20, 0x00, 0x08, 0x01, 0xb8)
	binary.BigEndian.PutUint16(b[4:], uint16(len(b)))
	b = append(b, "HEP3 next packet"...)
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	equalPackets(t, got, p)
	// The decoded payload must not alias the input.
	got.Payload[0] = 'X'
	if strings.Contains(string(b), "XNVITE") {
		t.Error("Decode payload aliases its input")
	}
}

func TestEncodeNoAllocWithCapacity(t *testing.T) {
	p := samplePacket("192.0.2.1:5060", "192.0.2.2:5060")
	buf := make([]byte, 0, 1024)
	allocs := testing.AllocsPerRun(100, func() {
		var err error
		if _, err = Encode(buf[:0], p, 1, "pw"); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("Encode allocated %.1f times per run", allocs)
	}
}
