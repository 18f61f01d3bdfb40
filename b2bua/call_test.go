package b2bua_test

import (
	"bytes"
	"context"
	"math"
	"net"
	"testing"
	"time"

	"github.com/callgate/callgate/b2bua"
	"github.com/emiago/sipgo/sip"
)

// ulawTone returns n µ-law samples of a sine at freq Hz (8 kHz clock).
func ulawTone(freq float64, n, offset int) []byte {
	out := make([]byte, n)
	for i := range out {
		v := 0.5 * math.Sin(2*math.Pi*freq*float64(offset+i)/8000)
		out[i] = linearToULaw(int16(v * 32767))
	}
	return out
}

// linearToULaw is the G.711 µ-law encoder (ITU-T G.711 §A).
func linearToULaw(s int16) byte {
	const bias, clip = 0x84, 32635
	sign := byte(0)
	x := int(s)
	if x < 0 {
		x, sign = -x, 0x80
	}
	if x > clip {
		x = clip
	}
	x += bias
	exp := 7
	for mask := 0x4000; x&mask == 0 && exp > 0; mask >>= 1 {
		exp--
	}
	mant := (x >> (exp + 3)) & 0x0f
	return ^(sign | byte(exp<<4) | byte(mant))
}

// streamAndCheck sends count packets of a tone from src to dst (the
// gateway's address for src's leg) and checks that sink receives exactly
// those payloads in order.
func streamAndCheck(t *testing.T, src *net.UDPConn, dst *net.UDPAddr, sink *net.UDPConn, freq float64, count int) {
	t.Helper()
	sent := make([][]byte, count)
	go func() {
		for i := 0; i < count; i++ {
			payload := ulawTone(freq, 160, i*160)
			sent[i] = payload
			_, _ = src.WriteToUDP(rtpPacket(uint16(i), 0x1234abcd, payload), dst)
			time.Sleep(2 * time.Millisecond)
		}
	}()
	buf := make([]byte, 1500)
	got := 0
	_ = sink.SetReadDeadline(time.Now().Add(5 * time.Second))
	for got < count {
		n, _, err := sink.ReadFromUDP(buf)
		if err != nil {
			t.Fatalf("received %d of %d packets: %v", got, count, err)
		}
		seq := int(buf[2])<<8 | int(buf[3])
		if want := ulawTone(freq, 160, seq*160); !bytes.Equal(buf[12:n], want) {
			t.Fatalf("packet %d payload altered", seq)
		}
		got++
	}
}

func TestBasicCallWithMedia(t *testing.T) {
	g := startGateway(t, func(c *b2bua.Config) { c.Media.BindIP = loopbackIP })
	alice, bob := newDeskPhone(t, g, "1000"), newDeskPhone(t, g, "1001")
	bob.register()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sess, code, err := alice.call(ctx, "1001", alice.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("call: %d %v", code, err)
	}
	if err := sess.Ack(ctx); err != nil {
		t.Fatal(err)
	}
	inv := wait(t, bob.invites, 2*time.Second, "INVITE at bob")
	// Topology hiding: a new Call-ID and nothing of alice's leg.
	if callIDOf(inv) == sess.InviteRequest.CallID().Value() {
		t.Fatal("callee leg reuses the caller's Call-ID")
	}
	if inv.From().Address.User != "1000" {
		t.Fatalf("caller identity lost: %s", inv.From().Value())
	}
	wait(t, bob.acks, 2*time.Second, "ACK at bob")

	// Audio both ways through the gateway, bytes intact.
	toBob := sdpTarget(t, sess.InviteResponse.Body()) // where alice sends
	toAlice := sdpTarget(t, inv.Body())               // where bob sends
	if toBob.Port == alice.rtp.LocalAddr().(*net.UDPAddr).Port || toAlice.Port == bob.rtp.LocalAddr().(*net.UDPAddr).Port {
		t.Fatal("SDP not rewritten to the gateway's ports")
	}
	streamAndCheck(t, alice.rtp, toBob, bob.rtp, 440, 50)
	streamAndCheck(t, bob.rtp, toAlice, alice.rtp, 1000, 50)

	if err := sess.Bye(ctx); err != nil {
		t.Fatalf("BYE: %v", err)
	}
	wait(t, bob.byes, 2*time.Second, "BYE at bob")
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
}

var loopbackIP = mustAddr("127.0.0.1")

func callIDOf(req *sip.Request) string { return req.CallID().Value() }
