package hep

import (
	"bytes"
	"net/netip"
	"testing"
)

func FuzzDecode(f *testing.F) {
	for _, p := range []Packet{
		samplePacket("192.0.2.10:5060", "198.51.100.7:5080"),
		samplePacket("[2001:db8::1]:5060", "[2001:db8::2]:5061"),
	} {
		b, err := Encode(nil, p, 42, "pw")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("HEP3\x00\x06"))
	f.Add([]byte("HEP3\x00\x0c\x00\x00\x00\x01\x00\x06"))
	f.Fuzz(func(t *testing.T, in []byte) {
		p, m, err := DecodeMeta(in)
		if err != nil {
			return
		}
		// Whatever decodes must survive a re-encode unchanged.
		out, err := Encode(nil, p, m.CaptureID, m.AuthKey)
		if err != nil {
			return
		}
		q, m2, err := DecodeMeta(out)
		if err != nil {
			t.Fatalf("re-encoded packet does not decode: %v", err)
		}
		unmap := func(a netip.AddrPort) netip.AddrPort { return netip.AddrPortFrom(a.Addr().Unmap(), a.Port()) }
		if unmap(p.Src) != q.Src || unmap(p.Dst) != q.Dst || p.Proto != q.Proto || p.Type != q.Type ||
			!p.Time.Equal(q.Time) || p.CorrelationID != q.CorrelationID || !bytes.Equal(p.Payload, q.Payload) ||
			m != m2 {
			t.Fatalf("round trip changed the packet:\n%+v %+v\n%+v %+v", p, m, q, m2)
		}
	})
}
