package b2bua_test

import (
	"context"
	"encoding/binary"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callgate/callgate/b2bua"
	"github.com/pion/webrtc/v4"
)

// readStereoWAV reads a 16-bit two-channel PCM WAV file into its left and
// right channels and returns the sample rate.
func readStereoWAV(t *testing.T, path string) (left, right []int16, rate int) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) < 44 || string(raw[0:4]) != "RIFF" || string(raw[8:12]) != "WAVE" {
		t.Fatalf("%s is not a WAV file", path)
	}
	var data []byte
	for off := 12; off+8 <= len(raw); {
		id, size := string(raw[off:off+4]), int(binary.LittleEndian.Uint32(raw[off+4:off+8]))
		body := raw[off+8 : min(off+8+size, len(raw))]
		switch id {
		case "fmt ":
			if ch := binary.LittleEndian.Uint16(body[2:4]); ch != 2 {
				t.Fatalf("%d channels, want 2", ch)
			}
			if bits := binary.LittleEndian.Uint16(body[14:16]); bits != 16 {
				t.Fatalf("%d bits, want 16", bits)
			}
			rate = int(binary.LittleEndian.Uint32(body[4:8]))
		case "data":
			data = body
		}
		off += 8 + size + size%2
	}
	for i := 0; i+4 <= len(data); i += 4 {
		left = append(left, int16(binary.LittleEndian.Uint16(data[i:])))
		right = append(right, int16(binary.LittleEndian.Uint16(data[i+2:])))
	}
	return left, right, rate
}

// recordingIn returns the one WAV file in dir, waiting for it to appear.
func recordingIn(t *testing.T, dir, callID string) string {
	t.Helper()
	var path string
	eventually(t, 3*time.Second, "recording file", func() bool {
		files, _ := filepath.Glob(filepath.Join(dir, "*.wav"))
		if len(files) == 1 {
			path = files[0]
		}
		return path != ""
	})
	name := filepath.Base(path)
	if !strings.HasSuffix(name, ".wav") || !strings.Contains(name, "Z_") {
		t.Errorf("file name %q lacks the start time and call ID", name)
	}
	return path
}

// TestRecordingHasBothDirectionsInTheirChannels: a 5-second call between
// two phones, recorded by a config rule, holds the caller's 440 Hz on the
// left and the callee's 1000 Hz on the right.
func TestRecordingHasBothDirectionsInTheirChannels(t *testing.T) {
	dir := t.TempDir()
	g := startGateway(t, func(c *b2bua.Config) {
		c.Media.BindIP = loopbackIP
		c.Recording = b2bua.RecordingConfig{Dir: dir, Users: []string{"1001"}}
	})
	alice := newDeskPhone(t, g, "1000")
	bob := newDeskPhone(t, g, "1001")
	bob.register()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sess, code, err := alice.call(ctx, "1001", alice.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("call: %d %v", code, err)
	}
	_ = sess.Ack(ctx)
	inv := wait(t, bob.invites, time.Second, "INVITE at bob")
	toBob, toAlice := sdpTarget(t, sess.InviteResponse.Body()), sdpTarget(t, inv.Body())
	for i := 0; i < 250; i++ {
		_, _ = alice.rtp.WriteToUDP(rtpPacket(uint16(i), 0xa11ce, ulawTone(440, 160, i*160)), toBob)
		_, _ = bob.rtp.WriteToUDP(rtpPacket(uint16(i), 0xb0b, ulawTone(1000, 160, i*160)), toAlice)
		time.Sleep(20 * time.Millisecond)
	}
	_ = sess.Bye(ctx)
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })

	left, right, rate := readStereoWAV(t, recordingIn(t, dir, ""))
	secs := float64(len(left)) / float64(rate)
	if secs < 4.5 || secs > 6.5 {
		t.Fatalf("recording lasts %.2f s, want about 5", secs)
	}
	if f := dominantPCM(left, float64(rate), 440, 1000); f != 440 {
		t.Errorf("caller channel (left) holds %v Hz, want 440", f)
	}
	if f := dominantPCM(right, float64(rate), 440, 1000); f != 1000 {
		t.Errorf("callee channel (right) holds %v Hz, want 1000", f)
	}
}

// TestRecordingBrowserCallOnRequestHeader: a browser call is recorded
// because its INVITE asks for it (a header from an authenticated user).
func TestRecordingBrowserCallOnRequestHeader(t *testing.T) {
	dir := t.TempDir()
	g := webrtcGatewayWith(t, func(c *b2bua.Config) { c.Recording = b2bua.RecordingConfig{Dir: dir} })
	bob := newDeskPhone(t, g, "1001")
	bob.register()
	alice := newJSBrowser(t, g, "1000")
	alice.extraHeaders = "X-Callgate-Record: yes\r\n"
	res, _, _ := alice.invite("1001")
	if res.StatusCode != 200 {
		t.Fatalf("call: %s", res.StartLine())
	}
	alice.ack(res)
	inv := wait(t, bob.invites, 2*time.Second, "INVITE at bob")
	eventually(t, 5*time.Second, "ICE and DTLS", func() bool {
		return alice.pc.ConnectionState() == webrtc.PeerConnectionStateConnected
	})
	go alice.sendTone(440, 100)
	toAlice := sdpTarget(t, inv.Body())
	bob.sendTone1000(toAlice, 100)
	alice.bye(res)
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
	left, right, rate := readStereoWAV(t, recordingIn(t, dir, ""))
	if f := dominantPCM(left, float64(rate), 440, 1000); f != 440 {
		t.Errorf("browser (caller, left) channel holds %v Hz, want 440", f)
	}
	if f := dominantPCM(right, float64(rate), 440, 1000); f != 1000 {
		t.Errorf("phone (callee, right) channel holds %v Hz, want 1000", f)
	}
}

// sendTone1000 sends n 20 ms PCMU frames of a 1000 Hz tone to dst, paced
// in real time, on SSRC 0xb0b.
func (p *deskPhone) sendTone1000(dst *net.UDPAddr, n int) {
	for i := range n {
		_, _ = p.rtp.WriteToUDP(rtpPacket(uint16(i), 0xb0b, ulawTone(1000, 160, i*160)), dst)
		time.Sleep(20 * time.Millisecond)
	}
}
