package b2bua_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/callgate/callgate/b2bua"
	"github.com/callgate/callgate/media/codec"
	"github.com/callgate/callgate/media/recording"
)

// oggPackets splits an Ogg file (RFC 3533 §6) into its packets; it checks
// only the framing, the recording package checks the rest.
func oggPackets(t *testing.T, raw []byte) [][]byte {
	t.Helper()
	var packets [][]byte
	var cur []byte
	for off := 0; off < len(raw); {
		if len(raw)-off < 27 || string(raw[off:off+4]) != "OggS" {
			t.Fatalf("no Ogg page at offset %d", off)
		}
		nseg := int(raw[off+26])
		lacing := raw[off+27 : off+27+nseg]
		body := off + 27 + nseg
		for _, l := range lacing {
			cur = append(cur, raw[body:body+int(l)]...)
			body += int(l)
			if l < 255 {
				packets = append(packets, cur)
				cur = nil
			}
		}
		off = body
	}
	return packets
}

// TestRecordingBrowserCallAsOggOpus: with format opus, a browser call's
// recording is an Ogg Opus file (.opus) whose decoded channels hold the
// browser's 440 Hz on the left and the phone's 1000 Hz on the right.
func TestRecordingBrowserCallAsOggOpus(t *testing.T) {
	dir := t.TempDir()
	g, bob, alice, res, inv := answeredBrowserToPhone(t, func(c *b2bua.Config) {
		c.Recording = b2bua.RecordingConfig{Dir: dir, All: true, Format: recording.FormatOpus}
	})
	go alice.sendTone(440, 150)
	toAlice := sdpTarget(t, inv.Body())
	bob.sendTone1000(toAlice, 150)
	alice.bye(res)
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })

	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 1 || filepath.Ext(files[0]) != ".opus" {
		t.Fatalf("recordings %v, want one .opus file", files)
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	packets := oggPackets(t, raw)
	if len(packets) < 3 || !bytes.HasPrefix(packets[0], []byte("OpusHead")) || packets[0][9] != 2 ||
		!bytes.HasPrefix(packets[1], []byte("OpusTags")) {
		t.Fatalf("not a two-channel Ogg Opus stream (%d packets)", len(packets))
	}
	dec, err := codec.NewOpusStereoDecoder(8000)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	var left, right []int16
	pcm := make([]int16, 2*960)
	for _, p := range packets[2:] {
		n, err := dec.Decode(p, pcm)
		if err != nil {
			t.Fatalf("Opus packet: %v", err)
		}
		for i := 0; i < n; i++ {
			left, right = append(left, pcm[2*i]), append(right, pcm[2*i+1])
		}
	}
	if secs := float64(len(left)) / 8000; secs < 2.5 || secs > 4.5 {
		t.Fatalf("recording decodes to %.2f s, want about 3", secs)
	}
	if f := dominantPCM(left, 8000, 440, 1000); f != 440 {
		t.Errorf("browser (caller, left) channel holds %v Hz, want 440", f)
	}
	if f := dominantPCM(right, 8000, 440, 1000); f != 1000 {
		t.Errorf("phone (callee, right) channel holds %v Hz, want 1000", f)
	}
}
