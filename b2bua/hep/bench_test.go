package hep

import (
	"net"
	"testing"
)

func BenchmarkEncode(b *testing.B) {
	p := samplePacket("192.0.2.1:5060", "192.0.2.2:5060")
	buf := make([]byte, 0, 2048)
	b.ReportAllocs()
	b.SetBytes(int64(len(p.Payload)))
	for b.Loop() {
		var err error
		if buf, err = Encode(buf[:0], p, 1, "pw"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	in, err := Encode(nil, samplePacket("192.0.2.1:5060", "192.0.2.2:5060"), 1, "pw")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := Decode(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExporterSend(b *testing.B) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	e, err := NewExporter(Config{Collector: conn.LocalAddr().String(), Logger: quietLogger()})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	p := samplePacket("192.0.2.1:5060", "192.0.2.2:5060")
	b.ReportAllocs()
	for b.Loop() {
		e.Send(p)
	}
}
