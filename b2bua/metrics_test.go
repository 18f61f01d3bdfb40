package b2bua_test

import (
	"context"
	"io"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callgate/callgate/b2bua/trunk"
)

// scrape reads the gateway's /metrics as text.
func scrape(t *testing.T, g *gateway) string {
	t.Helper()
	rec := httptest.NewRecorder()
	g.srv.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Result().Body)
	if rec.Code != 200 {
		t.Fatalf("/metrics: %d", rec.Code)
	}
	return string(body)
}

// metricValue finds one series' value in a scrape ("name{labels}"); -1
// when the series is absent.
func metricValue(t *testing.T, text, series string) float64 {
	t.Helper()
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`)
	m := re.FindStringSubmatch(text)
	if m == nil {
		return -1
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatalf("%s: %v", series, err)
	}
	return v
}

// TestMetricsFollowCalls scrapes /metrics during and after calls.
func TestMetricsFollowCalls(t *testing.T) {
	carrier := newCarrier(t, "127.0.0.2", 200)
	g := trunkGateway(t, []trunk.Config{carrierTrunk("carrier", carrier.addr)}, nil)
	alice := newDeskPhone(t, g, "1000")
	bob := newDeskPhone(t, g, "1001")
	bob.register()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()

	before := scrape(t, g)
	for _, want := range []string{"go_goroutines", "process_resident_memory_bytes", "callgate_ws_connections 0"} {
		if !strings.Contains(before, want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
	if v := metricValue(t, before, `callgate_trunk_up{trunk="carrier"}`); v != 1 {
		t.Errorf("trunk_up = %v, want 1", v)
	}

	sess, code, err := alice.call(ctx, "1001", alice.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("call: %d %v", code, err)
	}
	_ = sess.Ack(ctx)
	during := scrape(t, g)
	if v := metricValue(t, during, `callgate_calls_active{kind="phone_to_phone"}`); v != 1 {
		t.Errorf("active phone_to_phone during the call = %v, want 1", v)
	}
	if v := metricValue(t, during, `callgate_calls_answered_total{kind="phone_to_phone"}`); v != 1 {
		t.Errorf("answered = %v, want 1", v)
	}
	if v := metricValue(t, during, `callgate_call_setup_seconds_count{kind="phone_to_phone"}`); v != 1 {
		t.Errorf("setup histogram count = %v, want 1", v)
	}
	if v := metricValue(t, during, `callgate_registrations{transport="udp"}`); v != 1 {
		t.Errorf("udp registrations = %v, want 1", v)
	}
	phoneEchoCheckTo(t, alice, bob, sess.InviteResponse.Body())
	_ = sess.Bye(ctx)
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })

	// A refused call and one through the trunk.
	bob.setPlan(answerPlan{code: 486})
	if _, code, _ := alice.call(ctx, "1001", alice.sdp("")); code != 486 {
		t.Fatalf("busy call: %d", code)
	}
	sess, code, err = alice.call(ctx, "030123456", alice.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("trunk call: %d %v", code, err)
	}
	_ = sess.Ack(ctx)
	_ = sess.Bye(ctx)
	eventually(t, 3*time.Second, "calls end", func() bool { return g.srv.ActiveCalls() == 0 })

	after := scrape(t, g)
	checks := map[string]float64{
		`callgate_calls_active{kind="phone_to_phone"}`:                         0,
		`callgate_calls_active{kind="phone_to_trunk"}`:                         0,
		`callgate_calls_started_total{kind="phone_to_phone"}`:                  2,
		`callgate_calls_started_total{kind="phone_to_trunk"}`:                  1,
		`callgate_calls_failed_total{code="486",kind="phone_to_phone"}`:        1,
		`callgate_calls_ended_total{kind="phone_to_phone",outcome="answered"}`: 1,
		`callgate_calls_answered_total{kind="phone_to_trunk"}`:                 1,
	}
	for series, want := range checks {
		if v := metricValue(t, after, series); v != want {
			t.Errorf("%s = %v, want %v", series, v, want)
		}
	}
	if v := metricValue(t, after, `callgate_rtp_packets_total{leg="phone"}`); v < 190 {
		t.Errorf("phone RTP packets = %v, want the ~200 of the echoed tone", v)
	}
	// Every proxy challenge answered counts nothing; a wrong password does.
	if v := metricValue(t, after, `callgate_auth_failures_total{reason="bad_credentials"}`); v > 0 {
		t.Errorf("auth failures before any bad password = %v", v)
	}
	stranger := newPhone(t, "UDP", g.udp)
	stranger.do(t, strangerInvite(stranger, "1001", `Digest username="1000", realm="localhost", nonce="bogus", uri="sip:1001@localhost", response="00000000000000000000000000000000"`))
	if v := metricValue(t, scrape(t, g), `callgate_auth_failures_total{reason="bad_credentials"}`); v != 1 {
		t.Errorf("auth failures after a bad password = %v, want 1", v)
	}
}

// phoneEchoCheckTo sends a tone from phone a through the gateway to phone
// b, which must hear it.
func phoneEchoCheckTo(t *testing.T, a, b *deskPhone, answer []byte) {
	t.Helper()
	dst := sdpTarget(t, answer)
	for i := 0; i < 100; i++ {
		_, _ = a.rtp.WriteToUDP(rtpPacket(uint16(i), 0x5151, ulawTone(1000, 160, i*160)), dst)
		time.Sleep(2 * time.Millisecond)
	}
	buf := make([]byte, 1500)
	_ = b.rtp.SetReadDeadline(time.Now().Add(3 * time.Second))
	defer func() { _ = b.rtp.SetReadDeadline(time.Time{}) }()
	for got := 0; got < 95; got++ {
		if _, _, err := b.rtp.ReadFromUDP(buf); err != nil {
			t.Fatalf("callee got %d of 100 packets: %v", got, err)
		}
	}
	// And back, so both legs count packets.
	inv := wait(t, b.invites, time.Second, "INVITE at the callee")
	back := sdpTarget(t, inv.Body())
	for i := 0; i < 100; i++ {
		_, _ = b.rtp.WriteToUDP(rtpPacket(uint16(i), 0x6161, ulawTone(440, 160, i*160)), back)
		time.Sleep(2 * time.Millisecond)
	}
	_ = a.rtp.SetReadDeadline(time.Now().Add(3 * time.Second))
	defer func() { _ = a.rtp.SetReadDeadline(time.Time{}) }()
	for got := 0; got < 95; got++ {
		if _, _, err := a.rtp.ReadFromUDP(buf); err != nil {
			t.Fatalf("caller got %d of 100 packets: %v", got, err)
		}
	}
}
