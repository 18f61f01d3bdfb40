package b2bua_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callgate/callgate/b2bua"
	"github.com/callgate/callgate/b2bua/cdr"
	"github.com/callgate/callgate/b2bua/hep"
	"github.com/pion/rtcp"
)

// readRecords reads the JSON lines file of call records.
func readRecords(t *testing.T, path string) []cdr.Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []cdr.Record
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r cdr.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("bad record line %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

// waitRecords waits until the file holds n records (they are written by a
// goroutine of their own after each call) and returns them.
func waitRecords(t *testing.T, path string, n int) []cdr.Record {
	t.Helper()
	var recs []cdr.Record
	eventually(t, 5*time.Second, "call records written", func() bool {
		if _, err := os.Stat(path); err != nil {
			return false
		}
		recs = readRecords(t, path)
		return len(recs) >= n
	})
	return recs
}

// TestCallRecordsForAnsweredCancelledAndFailedCalls: one record per call,
// with the right codes, reasons and durations, in the file and the store.
func TestCallRecordsForAnsweredCancelledAndFailedCalls(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "cdr.jsonl")
	g := startGateway(t, func(c *b2bua.Config) {
		c.Media.BindIP = loopbackIP
		c.Records = cdr.Config{File: file, DBPath: filepath.Join(dir, "cdr.db")}
	})
	alice := newDeskPhone(t, g, "1000")
	bob := newDeskPhone(t, g, "1001")
	bob.register()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()

	// Answered, talked for about 300 ms, caller hangs up.
	sess, code, err := alice.call(ctx, "1001", alice.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("call: %d %v", code, err)
	}
	_ = sess.Ack(ctx)
	time.Sleep(300 * time.Millisecond)
	if err := sess.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })

	// Cancelled while ringing.
	bob.setPlan(answerPlan{ring: true, code: 0})
	if code := alice.inviteThenCancel(t, "1001"); code != 487 {
		t.Fatalf("cancelled call: %d", code)
	}
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })

	// Refused by the callee.
	bob.setPlan(answerPlan{code: 486})
	if _, code, _ := alice.call(ctx, "1001", alice.sdp("")); code != 486 {
		t.Fatalf("busy call: %d", code)
	}
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })

	recs := waitRecords(t, file, 3)
	if len(recs) != 3 {
		t.Fatalf("got %d records, want 3: %+v", len(recs), recs)
	}
	answered, cancelled, busy := recs[0], recs[1], recs[2]
	if answered.SIPCode != 200 || answered.EndReason != "caller_bye" || answered.Answer == nil ||
		answered.DurationMs < 250 || answered.DurationMs > 3000 || answered.Caller != "1000" || answered.Callee != "1001" ||
		answered.CallerLeg != "phone" || answered.CalleeLeg != "phone" || answered.Direction != "internal" ||
		answered.CalleeCallID == "" || answered.CallerCallID == "" || answered.CalleeCodec != "PCMU" {
		t.Errorf("answered call record: %+v", answered)
	}
	if cancelled.SIPCode != 487 || cancelled.EndReason != "cancel" || cancelled.Answer != nil || cancelled.DurationMs != 0 {
		t.Errorf("cancelled call record: %+v", cancelled)
	}
	if busy.SIPCode != 486 || busy.EndReason != "rejected" || busy.Answer != nil || busy.DurationMs != 0 {
		t.Errorf("busy call record: %+v", busy)
	}
	var stored []cdr.Record
	eventually(t, 5*time.Second, "records in the store", func() bool {
		stored, err = g.srv.CallRecords(0)
		return err == nil && len(stored) == 3
	})
	if stored[0].CallID != answered.CallID {
		t.Fatalf("stored records out of order: %+v", stored)
	}
}

// TestSIPCaptureReachesHEPCollector: a UDP listener in the test plays a
// Homer collector and receives the call's SIP messages and the RTCP its
// relay passes as HEPv3 packets, correlated by Call-ID.
func TestSIPCaptureReachesHEPCollector(t *testing.T) {
	col, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer col.Close()
	g := startGateway(t, func(c *b2bua.Config) {
		c.Media.BindIP = loopbackIP
		c.Capture = hep.Config{Collector: col.LocalAddr().String(), CaptureID: 2001}
	})
	alice := newDeskPhone(t, g, "1000")
	bob := newDeskPhone(t, g, "1001")
	bob.register()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sess, code, err := alice.call(ctx, "1001", alice.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("call: %d %v", code, err)
	}
	_ = sess.Ack(ctx)
	// An RTCP sender report from the caller through the relay.
	sr, _ := (&rtcp.SenderReport{SSRC: 0xa11ce, NTPTime: 1 << 32}).Marshal()
	toBob := sdpTarget(t, sess.InviteResponse.Body())
	// The relay admits RTCP from the phone's signalled IP, any port.
	rtcpConn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer rtcpConn.Close()
	_, _ = rtcpConn.WriteToUDP(sr, &net.UDPAddr{IP: toBob.IP, Port: toBob.Port + 1})
	time.Sleep(100 * time.Millisecond)
	_ = sess.Bye(ctx)
	callID := sess.InviteRequest.CallID().Value()

	seen := map[string]bool{}
	buf := make([]byte, 65536)
	deadline := time.Now().Add(5 * time.Second)
	want := []string{"INVITE sip:1001", "SIP/2.0 407", "SIP/2.0 200", "ACK ", "BYE "}
	for time.Now().Before(deadline) {
		_ = col.SetReadDeadline(deadline)
		n, _, err := col.ReadFrom(buf)
		if err != nil {
			break
		}
		p, err := hep.Decode(buf[:n])
		if err != nil {
			t.Fatalf("collector got a bad HEP packet: %v", err)
		}
		if p.Type == hep.TypeRTCP && p.CorrelationID == callID && bytes.Equal(p.Payload, sr) {
			seen["RTCP"] = true
		}
		if p.Type != hep.TypeSIP || p.CorrelationID != callID {
			if len(seen) == len(want)+1 {
				return
			}
			continue
		}
		if !p.Src.IsValid() || !p.Dst.IsValid() {
			t.Fatalf("packet without addresses: %+v", p)
		}
		for _, w := range want {
			if strings.HasPrefix(string(p.Payload), w) {
				seen[w] = true
			}
		}
		if len(seen) == len(want)+1 {
			return
		}
	}
	t.Fatalf("collector saw %v of the caller's dialog, want all of %v and RTCP", seen, want)
}

// TestCallRecordCarriesRTCPQuality: receiver reports a phone sends through
// the relay end up in its leg's record figures.
func TestCallRecordCarriesRTCPQuality(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "cdr.jsonl")
	g := startGateway(t, func(c *b2bua.Config) {
		c.Media.BindIP = loopbackIP
		c.Records = cdr.Config{File: file}
	})
	alice := newDeskPhone(t, g, "1000")
	bob := newDeskPhone(t, g, "1001")
	bob.register()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sess, code, err := alice.call(ctx, "1001", alice.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("call: %d %v", code, err)
	}
	_ = sess.Ack(ctx)
	toBob := sdpTarget(t, sess.InviteResponse.Body())
	for i := 0; i < 20; i++ {
		_, _ = alice.rtp.WriteToUDP(rtpPacket(uint16(i), 0xa11ce, ulawTone(440, 160, i*160)), toBob)
	}
	// Alice reports on the stream she receives: 25/256 lost, 7 in all,
	// jitter 160 timestamp units (20 ms at 8000 Hz).
	rr, _ := (&rtcp.ReceiverReport{SSRC: 0xa11ce, Reports: []rtcp.ReceptionReport{{SSRC: 0xb0b, FractionLost: 25, TotalLost: 7, Jitter: 160}}}).Marshal()
	// The relay admits RTCP from the phone's signalled IP, any port.
	rtcpConn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer rtcpConn.Close()
	_, _ = rtcpConn.WriteToUDP(rr, &net.UDPAddr{IP: toBob.IP, Port: toBob.Port + 1})
	time.Sleep(200 * time.Millisecond)
	_ = sess.Bye(ctx)
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
	recs := waitRecords(t, file, 1)
	if len(recs) != 1 || recs[0].CallerQuality == nil {
		t.Fatalf("records: %+v", recs)
	}
	q := recs[0].CallerQuality
	if q.PacketsReceived != 20 || q.PacketsLost != 7 || q.LossPercent < 9.7 || q.LossPercent > 9.8 || q.JitterMs != 20 || q.MOS <= 1 {
		t.Fatalf("caller quality %+v, want 20 packets, 7 lost, 9.77%% loss, 20 ms jitter and a MOS", q)
	}
}

// TestCallEventsReachWebhookSigned: ringing, answered and ended events of
// a call are posted to the webhook, each with a valid HMAC signature.
func TestCallEventsReachWebhookSigned(t *testing.T) {
	const secret = "webhook-test-secret"
	type got struct {
		typ string
		ok  bool
	}
	events := make(chan got, 8)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ok := cdr.Verify(secret, r.Header.Get("X-Callgate-Timestamp"), body, r.Header.Get("X-Callgate-Signature"))
		var ev cdr.Event
		_ = json.Unmarshal(body, &ev)
		events <- got{ev.Type, ok && ev.Caller == "1000" && ev.Callee == "1001"}
		w.WriteHeader(204)
	}))
	defer hook.Close()
	g := startGateway(t, func(c *b2bua.Config) {
		c.Media.BindIP = loopbackIP
		c.Records = cdr.Config{Webhook: cdr.WebhookConfig{URL: hook.URL, Secret: secret}}
	})
	alice := newDeskPhone(t, g, "1000")
	bob := newDeskPhone(t, g, "1001")
	bob.setPlan(answerPlan{ring: true, code: 200, delay: 100 * time.Millisecond})
	bob.register()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sess, code, err := alice.call(ctx, "1001", alice.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("call: %d %v", code, err)
	}
	_ = sess.Ack(ctx)
	_ = sess.Bye(ctx)
	for _, want := range []string{"ringing", "answered", "ended"} {
		select {
		case e := <-events:
			if e.typ != want || !e.ok {
				t.Fatalf("webhook got %q (signature and parties valid: %v), want %q", e.typ, e.ok, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no %s event at the webhook", want)
		}
	}
}

// TestSIPCaptureIncludesWebSocket: messages a browser exchanges over its
// WebSocket reach the collector too, both directions.
func TestSIPCaptureIncludesWebSocket(t *testing.T) {
	col, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer col.Close()
	g := webrtcGatewayWith(t, func(c *b2bua.Config) { c.Capture = hep.Config{Collector: col.LocalAddr().String()} })
	alice := newJSBrowser(t, g, "1000")
	alice.register()
	seen := map[string]bool{}
	buf := make([]byte, 65536)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && len(seen) < 2 {
		_ = col.SetReadDeadline(deadline)
		n, _, err := col.ReadFrom(buf)
		if err != nil {
			break
		}
		p, err := hep.Decode(buf[:n])
		if err != nil || !strings.HasPrefix(p.CorrelationID, "jsreg-") {
			continue
		}
		switch {
		case strings.HasPrefix(string(p.Payload), "REGISTER ") && p.Proto == hep.ProtoTCP:
			seen["request"] = true
		case strings.HasPrefix(string(p.Payload), "SIP/2.0 200"):
			seen["response"] = true
		}
	}
	if len(seen) != 2 {
		t.Fatalf("collector saw %v of the browser's REGISTER exchange", seen)
	}
}
