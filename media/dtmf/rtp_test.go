package dtmf

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// marshalRTP builds a wire packet with pion/rtp.
func marshalRTP(t testing.TB, p *rtp.Packet) []byte {
	t.Helper()
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseRTP(t *testing.T) {
	ev := payload(3, true, 800)
	plain := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 101, SequenceNumber: 9, Timestamp: 0xdeadbeef, SSRC: 0x01020304, Marker: true}, Payload: ev}
	csrc := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 101, Timestamp: 7, SSRC: 5, CSRC: []uint32{1, 2}}, Payload: ev}
	ext := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 101, Timestamp: 7, SSRC: 5}, Payload: ev}
	if err := ext.SetExtension(1, []byte{0xaa, 0xbb}); err != nil {
		t.Fatal(err)
	}
	padded := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 101, Timestamp: 7, SSRC: 5, Padding: true}, Payload: ev, PaddingSize: 4}
	for i, p := range []*rtp.Packet{plain, csrc, ext, padded} {
		got, err := parseRTP(marshalRTP(t, p))
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		if got.SSRC != p.SSRC || got.Timestamp != p.Timestamp || got.Marker != p.Marker || !bytes.Equal(got.Payload, ev) {
			t.Errorf("packet %d: %+v", i, got)
		}
	}
	good := marshalRTP(t, plain)
	bad := [][]byte{
		nil,
		good[:11],
		append([]byte{0x40}, good[1:]...), // version 1
		append([]byte{0x8f}, good[1:]...), // 15 CSRCs, none there
		append([]byte{0x90}, good[1:]...), // extension flag, extension too long
		append([]byte{0xa0}, append(good[1:], 0)...),            // padding count 0
		append([]byte{0xa0}, append(good[1:len(good)-1], 9)...), // padding past the header
	}
	for i, b := range bad {
		if _, err := parseRTP(b); !errors.Is(err, ErrBadRTP) {
			t.Errorf("bad %d (%x): %v", i, b, err)
		}
	}
}

func TestFeedRTP(t *testing.T) {
	d, r := newTestDetector(t, DetectorConfig{})
	for i, dur := range []uint16{400, 800, 1200, 1200, 1200} {
		p := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 101, SequenceNumber: uint16(i), Timestamp: 160, SSRC: 1, Marker: i == 0}, Payload: payload(CodeB, i >= 2, dur)}
		if err := d.FeedRTP(t0.Add(time.Duration(i)*50*ms), marshalRTP(t, p)); err != nil {
			t.Fatal(err)
		}
	}
	check(t, r.got, []want{{CodeB, 150 * ms, true}})
	if err := d.FeedRTP(t0, []byte{1, 2, 3}); !errors.Is(err, ErrBadRTP) {
		t.Fatalf("garbage: %v", err)
	}
	if d.Stats().Malformed != 1 {
		t.Fatalf("stats %+v", d.Stats())
	}
}
