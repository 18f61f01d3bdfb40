package wsgw

import (
	"io"
	"testing"
)

// benchMsg is a typical small SIP response.
var benchMsg = []byte("SIP/2.0 200 OK\r\nVia: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK56sdasks\r\n" +
	"From: <sip:alice@example.com>;tag=1\r\nTo: <sip:alice@example.com>;tag=2\r\n" +
	"Call-ID: 1234567890\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n")

// BenchmarkSendEnqueue measures Conn.Send alone: copy into a pooled buffer
// and enqueue (the queue is drained inline, as the writer would).
func BenchmarkSendEnqueue(b *testing.B) {
	c := &Conn{queue: make(chan *[]byte, 1), closing: make(chan struct{})}
	b.ReportAllocs()
	b.SetBytes(int64(len(benchMsg)))
	for b.Loop() {
		if err := c.Send(benchMsg); err != nil {
			b.Fatal(err)
		}
		putBuf(<-c.queue)
	}
}

// BenchmarkSendRoundTrip measures Send through the writer goroutine and the
// loopback socket until a client has read the frame.
func BenchmarkSendRoundTrip(b *testing.B) {
	rec := newRecorder()
	ts := startServer(b, Config{SendQueue: 1024}, rec)
	ws := dial(b, ts.wsURL(), nil)
	c := <-rec.opened
	b.ReportAllocs()
	b.SetBytes(int64(len(benchMsg)))
	for b.Loop() {
		if err := c.Send(benchMsg); err != nil {
			b.Fatal(err)
		}
		_, r, err := ws.NextReader()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
}
