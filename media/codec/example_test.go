package codec_test

import (
	"fmt"

	"github.com/callgate/callgate/media/codec"
)

// A phone's G.711 packets become G.722 packets, one per 20 ms tick.
func ExampleTranscoder() {
	tr, err := codec.NewTranscoder(
		codec.Format{Codec: codec.PCMU, PayloadType: 0},
		codec.Format{Codec: codec.G722, PayloadType: 9},
		codec.TranscoderConfig{SSRC: 0x11223344})
	if err != nil {
		panic(err)
	}
	defer tr.Close()

	// One 20 ms PCMU packet of silence (0xFF) as read from a socket.
	pkt := make([]byte, codec.RTPHeaderSize+160)
	codec.RTPHeader{PayloadType: 0, Seq: 1, Timestamp: 160, SSRC: 7}.MarshalTo(pkt)
	for i := codec.RTPHeaderSize; i < len(pkt); i++ {
		pkt[i] = 0xFF
	}
	if err := tr.Push(pkt); err != nil {
		panic(err)
	}

	out := make([]byte, 1500)
	n, err := tr.Tick(out)
	if err != nil {
		panic(err)
	}
	h, payload, _ := codec.ParseRTP(out[:n])
	fmt.Printf("PT %d, SSRC %#x, marker %v, %d payload bytes\n", h.PayloadType, h.SSRC, h.Marker, len(payload))
	// Output: PT 9, SSRC 0x11223344, marker true, 160 payload bytes
}
