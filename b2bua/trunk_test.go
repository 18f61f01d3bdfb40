package b2bua_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callgate/callgate/b2bua"
	"github.com/callgate/callgate/b2bua/trunk"
	"github.com/emiago/sipgo/sip"
	"github.com/pion/webrtc/v4"
)

// callerID is the identity every test trunk presents for callgate's users.
var callerID = trunk.CallerIDPolicy{FromUser: "+4930999", FromDisplay: "Callgate Sales", AssertedIdentity: true}

// carrierTrunk configures a trunk to a carrier at addr.
func carrierTrunk(name, addr string) trunk.Config {
	return trunk.Config{Name: name, Addresses: []string{addr}, Username: "acct1", Password: "trunk-secret",
		CallerID: callerID, InviteTimeout: time.Second}
}

// nationalRule routes national numbers ("0" + area code) to trunks, as
// E.164 numbers in Germany (country code 49).
func nationalRule(trunks ...string) trunk.Rule {
	return trunk.Rule{Name: "national", Prefix: "0", E164: true, CountryCode: "49", Trunks: trunks}
}

// trunkGateway runs a WebRTC-capable gateway with the given trunks and a
// dialplan sending national and international numbers to them in order.
func trunkGateway(t *testing.T, trunks []trunk.Config, mod func(*b2bua.Config)) *gateway {
	t.Helper()
	names := make([]string, len(trunks))
	for i, tc := range trunks {
		names[i] = tc.Name
	}
	return webrtcGatewayWith(t, func(c *b2bua.Config) {
		c.Routing.Trunks = trunks
		c.Routing.Dialplan = []trunk.Rule{nationalRule(names...)}
		if mod != nil {
			mod(c)
		}
	})
}

// phoneEchoCheck sends a 1000 Hz tone from the phone to the gateway's port
// in answer and checks the carrier's echo comes back at 1000 Hz.
func phoneEchoCheck(t *testing.T, phone *deskPhone, answer []byte) {
	t.Helper()
	dst := sdpTarget(t, answer)
	go func() {
		for i := 0; i < 100; i++ {
			_, _ = phone.rtp.WriteToUDP(rtpPacket(uint16(i), 0x4242, ulawTone(1000, 160, i*160)), dst)
			time.Sleep(5 * time.Millisecond)
		}
	}()
	var pcm []byte
	buf := make([]byte, 1500)
	_ = phone.rtp.SetReadDeadline(time.Now().Add(5 * time.Second))
	defer func() { _ = phone.rtp.SetReadDeadline(time.Time{}) }()
	for got := 0; got < 95; got++ {
		n, _, err := phone.rtp.ReadFromUDP(buf)
		if err != nil {
			t.Fatalf("phone got %d of 100 echoed packets: %v", got, err)
		}
		pcm = append(pcm, buf[12:n]...)
	}
	if f := dominantHz(pcm, 440, 1000); f != 1000 {
		t.Fatalf("phone hears %v Hz through the trunk, want 1000", f)
	}
}

// checkTrunkInvite asserts what a carrier sees: the E.164 number and the
// configured caller ID, and none of the caller's own identity.
func checkTrunkInvite(t *testing.T, inv *sip.Request) {
	t.Helper()
	if inv.Recipient.User != "+4930123456" {
		t.Errorf("carrier got Request-URI %s, want user +4930123456", inv.Recipient.String())
	}
	if inv.To().Address.User != "+4930123456" {
		t.Errorf("carrier got To %s", inv.To().Value())
	}
	if inv.From().Address.User != "+4930999" || inv.From().DisplayName != "Callgate Sales" {
		t.Errorf("carrier got From %s, want \"Callgate Sales\" <sip:+4930999@…>", inv.From().Value())
	}
	if pai := inv.GetHeader("P-Asserted-Identity"); pai == nil || !strings.Contains(pai.Value(), "+4930999") {
		t.Errorf("carrier got P-Asserted-Identity %v", pai)
	}
}

func TestTrunkCallFailsOverFrom503(t *testing.T) {
	first := newCarrier(t, "127.0.0.2", 503)
	second := newCarrier(t, "127.0.0.3", 200)
	g := trunkGateway(t, []trunk.Config{carrierTrunk("first", first.addr), carrierTrunk("second", second.addr)}, nil)
	alice := newDeskPhone(t, g, "1000")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sess, code, err := alice.call(ctx, "030123456", alice.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("call through trunks: %d %v", code, err)
	}
	checkTrunkInvite(t, wait(t, first.invites, time.Second, "INVITE at the first carrier"))
	checkTrunkInvite(t, wait(t, second.invites, time.Second, "INVITE at the second carrier"))
	if err := sess.Ack(ctx); err != nil {
		t.Fatal(err)
	}
	phoneEchoCheck(t, alice, sess.InviteResponse.Body())
	if st := trunkStatus(g, "second"); st.ActiveCalls != 1 {
		t.Errorf("second trunk reports %d active calls, want 1", st.ActiveCalls)
	}
	if err := sess.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	wait(t, second.byes, 2*time.Second, "BYE at the carrier")
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
	for _, st := range g.srv.TrunkStatus() {
		if st.ActiveCalls != 0 {
			t.Errorf("trunk %s still holds %d calls", st.Name, st.ActiveCalls)
		}
	}
}

func TestTrunkCallFailsOverWhenCarrierSilent(t *testing.T) {
	dead := newCarrier(t, "127.0.0.2", 200)
	dead.setSilent(true)
	second := newCarrier(t, "127.0.0.3", 200)
	g := trunkGateway(t, []trunk.Config{carrierTrunk("dead", dead.addr), carrierTrunk("second", second.addr)}, nil)
	alice := newDeskPhone(t, g, "1000")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	sess, code, err := alice.call(ctx, "030123456", alice.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("call through trunks: %d %v", code, err)
	}
	// InviteTimeout is 1 s: far sooner than Timer B's 32 s.
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("failover took %v", d)
	}
	wait(t, second.invites, time.Second, "INVITE at the second carrier")
	_ = sess.Ack(ctx)
	_ = sess.Bye(ctx)
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
}

func TestTrunkDownByOptionsIsSkipped(t *testing.T) {
	dead := newCarrier(t, "127.0.0.2", 200)
	dead.setSilent(true)
	second := newCarrier(t, "127.0.0.3", 200)
	deadTrunk := carrierTrunk("dead", dead.addr)
	deadTrunk.OptionsInterval, deadTrunk.OptionsTimeout = 200*time.Millisecond, 200*time.Millisecond
	g := trunkGateway(t, []trunk.Config{deadTrunk, carrierTrunk("second", second.addr)}, nil)
	eventually(t, 10*time.Second, "dead trunk marked down", func() bool { return !trunkStatus(g, "dead").Up })
	alice := newDeskPhone(t, g, "1000")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sess, code, err := alice.call(ctx, "030123456", alice.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("call: %d %v", code, err)
	}
	wait(t, second.invites, time.Second, "INVITE at the second carrier")
	select {
	case inv := <-dead.silenced:
		t.Fatalf("the down trunk was tried: %s", inv.StartLine())
	default:
	}
	_ = sess.Ack(ctx)
	_ = sess.Bye(ctx)

	// The trunk recovers once it answers pings again.
	dead.setSilent(false)
	eventually(t, 10*time.Second, "trunk back up", func() bool { return trunkStatus(g, "dead").Up })
}

func TestTrunkRefusesStrangersAndForbiddenNumbers(t *testing.T) {
	carrier := newCarrier(t, "127.0.0.2", 200)
	g := trunkGateway(t, []trunk.Config{carrierTrunk("carrier", carrier.addr)}, func(c *b2bua.Config) {
		// 1001 may call national numbers only.
		c.Policies = map[string]b2bua.UserPolicy{"1001": {Allow: []string{`^0[1-9]`}}}
		c.Auth.MaxFailures = 2
	})

	// A stranger without credentials is challenged, never routed.
	stranger := newPhone(t, "UDP", g.udp)
	inv := strangerInvite(stranger, "09001234567", "")
	if res := stranger.do(t, inv); res.StatusCode != 407 {
		t.Fatalf("stranger without credentials: %s", res.StartLine())
	}
	// Wrong passwords: challenged again, then refused outright.
	var last int
	for i := 0; i < 4; i++ {
		res := stranger.do(t, strangerInvite(stranger, "09001234567", `Digest username="1000", realm="localhost", nonce="bogus", uri="sip:09001234567@localhost", response="00000000000000000000000000000000"`))
		last = res.StatusCode
	}
	if last != 403 {
		t.Fatalf("repeated bad credentials end with %d, want 403", last)
	}

	// A user whose pattern forbids international numbers.
	bob := newDeskPhone(t, g, "1001")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, code, _ := bob.call(ctx, "00441234567890", bob.sdp("")); code != 403 {
		t.Fatalf("international call by a national-only user: %d, want 403", code)
	}
	// Nothing of the above reached the carrier.
	select {
	case inv := <-carrier.invites:
		t.Fatalf("carrier saw %s", inv.StartLine())
	case <-time.After(300 * time.Millisecond):
	}
	// The same user may call a national number.
	sess, code, err := bob.call(ctx, "030123456", bob.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("national call: %d %v", code, err)
	}
	wait(t, carrier.invites, time.Second, "national INVITE at the carrier")
	_ = sess.Ack(ctx)
	_ = sess.Bye(ctx)
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
}

// strangerInvite builds an INVITE from a source that is no trunk.
func strangerInvite(p *sipPhone, number, proxyAuth string) *sip.Request {
	ruri := sip.Uri{Scheme: "sip", User: number, Host: "localhost"}
	req := sip.NewRequest(sip.INVITE, ruri)
	req.SetDestination(p.target)
	req.SetTransport("UDP")
	from := &sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: "1000", Host: "localhost"}, Params: sip.NewParams()}
	from.Params.Add("tag", sip.GenerateTagN(8))
	req.AppendHeader(from)
	req.AppendHeader(&sip.ToHeader{Address: ruri, Params: sip.NewParams()})
	req.AppendHeader(&sip.CSeqHeader{SeqNo: 1, MethodName: sip.INVITE})
	if proxyAuth != "" {
		req.AppendHeader(sip.NewHeader("Proxy-Authorization", proxyAuth))
	}
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.SetBody([]byte("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"))
	return req
}

// trunkStatus returns one trunk's status.
func trunkStatus(g *gateway, name string) trunk.Status {
	for _, st := range g.srv.TrunkStatus() {
		if st.Name == name {
			return st
		}
	}
	return trunk.Status{}
}

// sippOn runs sipp bound to ip with args; it is killed by PID at the end.
func sippOn(t *testing.T, ip string, args ...string) (*exec.Cmd, string, int) {
	t.Helper()
	sipp := sippPath(t)
	port := freeUDPPortOn(t, ip)
	dir := t.TempDir()
	full := append([]string{"-i", ip, "-p", strconv.Itoa(port), "-mi", ip, "-mp", strconv.Itoa(freeUDPPortOn(t, ip)),
		"-nostdin", "-trace_err", "-error_file", filepath.Join(dir, "errors.log"),
		"-trace_msg", "-message_file", filepath.Join(dir, "messages.log")}, args...)
	cmd := exec.Command(sipp, full...)
	cmd.Dir = dir
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd, dir, port
}

// freeUDPPortOn finds a free UDP port on ip.
func freeUDPPortOn(t *testing.T, ip string) int {
	t.Helper()
	pc, err := net.ListenPacket("udp", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	return pc.LocalAddr().(*net.UDPAddr).Port
}

// waitSipp waits for sipp to exit and fails the test with its errors if it
// reported failed calls.
func waitSipp(t *testing.T, cmd *exec.Cmd, dir string, within time.Duration) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			errs, _ := os.ReadFile(filepath.Join(dir, "errors.log"))
			t.Fatalf("sipp failed: %v\n%s\n%s", err, tail(cmd.Stdout.(*strings.Builder).String(), 2000), tail(string(errs), 2000))
		}
	case <-time.After(within):
		_ = cmd.Process.Kill()
		t.Fatalf("sipp did not finish within %v", within)
	}
}

// TestBrowserAndPhoneCallOutThroughChallengingCarrier: sipp plays a carrier
// that answers every INVITE with 407 and checks the E.164 number, the
// caller ID and the digest; a WebRTC browser and a desk phone call out
// through it and hear their audio echoed back.
func TestBrowserAndPhoneCallOutThroughChallengingCarrier(t *testing.T) {
	scenario, _ := filepath.Abs("testdata/sipp/carrier_407.xml")
	cmd, dir, port := sippServer(t, "127.0.0.2", "-sf", scenario, "-m", "2", "-rtp_echo", "-timeout", "40s", "-timeout_error")
	tc := carrierTrunk("carrier", "127.0.0.2:"+strconv.Itoa(port))
	tc.Realm = "carrier.test"
	g := trunkGateway(t, []trunk.Config{tc}, nil)

	// The browser first.
	alice := newJSBrowser(t, g, "1000")
	res, _, _ := alice.invite("030123456")
	if res.StatusCode != 200 {
		msgs, _ := os.ReadFile(filepath.Join(dir, "messages.log"))
		t.Fatalf("browser call out: %s\n%s", res.StartLine(), tail(string(msgs), 4000))
	}
	alice.ack(res)
	eventually(t, 5*time.Second, "ICE and DTLS", func() bool {
		return alice.pc.ConnectionState() == webrtc.PeerConnectionStateConnected
	})
	before, _ := alice.receivedAudio()
	alice.sendTone(440, 100)
	eventually(t, 3*time.Second, "echo at the browser", func() bool { n, _ := alice.receivedAudio(); return n-before >= 90 })
	_, pcm := alice.receivedAudio()
	if f := dominantHz(pcm, 440, 1000); f != 440 {
		t.Fatalf("browser hears %v Hz echoed, want 440", f)
	}
	if r := alice.bye(res); r.StatusCode != 200 {
		t.Fatalf("BYE: %s", r.StartLine())
	}
	eventually(t, 3*time.Second, "browser call end", func() bool { return g.srv.ActiveCalls() == 0 })

	// Then the desk phone.
	bob := newDeskPhone(t, g, "1001")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sess, code, err := bob.call(ctx, "030123456", bob.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("phone call out: %d %v", code, err)
	}
	_ = sess.Ack(ctx)
	phoneEchoCheck(t, bob, sess.InviteResponse.Body())
	_ = sess.Bye(ctx)
	waitSipp(t, cmd, dir, 20*time.Second)
	eventually(t, 3*time.Second, "phone call end", func() bool { return g.srv.ActiveCalls() == 0 })
	if n := checkSippDigests(t, dir, "acct1", "carrier.test", "trunk-secret"); n != 2 {
		t.Fatalf("carrier saw %d valid credentials, want 2", n)
	}
}

// digestParam matches one name=value pair of a digest header.
var digestParam = regexp.MustCompile(`(\w+)="?([^",]*)"?`)

// checkSippDigests verifies every Proxy-Authorization sipp logged against
// the trunk's password (RFC 2617 §3.2.2.1 without qop, as challenged) and
// returns how many there were; a wrong one fails the test.
func checkSippDigests(t *testing.T, dir, user, realm, pass string) int {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "messages.log"))
	if err != nil {
		t.Fatal(err)
	}
	md5hex := func(s string) string { sum := md5.Sum([]byte(s)); return hex.EncodeToString(sum[:]) }
	n := 0
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "Proxy-Authorization:") {
			continue
		}
		p := map[string]string{}
		for _, m := range digestParam.FindAllStringSubmatch(line, -1) {
			p[m[1]] = m[2]
		}
		want := md5hex(md5hex(user+":"+realm+":"+pass) + ":" + p["nonce"] + ":" + md5hex("INVITE:"+p["uri"]))
		if p["username"] != user || p["realm"] != realm || p["response"] != want {
			t.Fatalf("bad credentials at the carrier: %s", line)
		}
		n++
	}
	return n
}

// sippServer runs sipp as a server (a scenario that starts by receiving)
// bound to ip and waits until it listens. A sipp that does not come up
// (a port taken between choosing and binding it, on a busy machine) is
// stopped and started again on other ports, up to three times.
func sippServer(t *testing.T, ip string, args ...string) (*exec.Cmd, string, int) {
	t.Helper()
	var out string
	for try := 0; try < 3; try++ {
		cmd, dir, port := sippOn(t, ip, args...)
		deadline := time.Now().Add(8 * time.Second)
		for time.Now().Before(deadline) {
			c, err := net.ListenPacket("udp", ip+":"+strconv.Itoa(port))
			if err != nil {
				return cmd, dir, port
			}
			_ = c.Close()
			time.Sleep(50 * time.Millisecond)
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		out = cmd.Stdout.(*strings.Builder).String()
	}
	t.Fatalf("sipp did not listen on %s after three starts:\n%s", ip, tail(out, 2000))
	return nil, "", 0
}

// TestCarrierCallRingsGroupFirstAnswerWins: sipp plays a carrier calling a
// DID; a browser and a desk phone of the ring group both ring, the phone
// answers first and the browser gets CANCEL.
func TestCarrierCallRingsGroupFirstAnswerWins(t *testing.T) {
	g := webrtcGatewayWith(t, func(c *b2bua.Config) {
		c.Routing.Trunks = []trunk.Config{{Name: "carrier", Addresses: []string{"127.0.0.2:5099"},
			Inbound: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}}}
		c.Routing.Groups = map[string][]string{"sales": {"1000", "1001"}}
		c.Routing.DIDs = []b2bua.DIDRoute{{Number: "+4930555", Group: "sales"}}
	})
	browser := newJSBrowser(t, g, "1000")
	browser.register()
	phone := newDeskPhone(t, g, "1001")
	phone.setPlan(answerPlan{ring: true, code: 200, delay: 700 * time.Millisecond})
	phone.register()

	scenario, _ := filepath.Abs("testdata/sipp/carrier_did.xml")
	cmd, dir, _ := sippOn(t, "127.0.0.2", g.udp, "-sf", scenario, "-m", "1", "-s", "+4930555", "-d", "1000", "-timeout", "30s", "-timeout_error")

	// The browser rings and is cancelled once the phone answers.
	var inv *sip.Request
	select {
	case inv = <-browser.reqs:
	case <-time.After(5 * time.Second):
		t.Fatal("the browser never rang")
	}
	if inv.Method != sip.INVITE {
		t.Fatalf("browser got %s", inv.Method)
	}
	browser.reply(inv, 180, "bt-ring", "")
	wait(t, phone.invites, 2*time.Second, "INVITE at the phone")
	select {
	case req := <-browser.reqs:
		if req.Method != sip.CANCEL {
			t.Fatalf("browser got %s, want CANCEL", req.Method)
		}
		browser.reply(req, 200, "", "")
		browser.reply(inv, 487, "bt-ring", "")
	case <-time.After(5 * time.Second):
		t.Fatal("the browser was not cancelled")
	}
	wait(t, phone.acks, 3*time.Second, "ACK at the answering phone")
	waitSipp(t, cmd, dir, 20*time.Second)
	wait(t, phone.byes, 3*time.Second, "BYE at the phone")
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })

	// A number no DID route serves is not found.
	scenario404, _ := filepath.Abs("testdata/sipp/carrier_unknown_did.xml")
	cmd, dir, _ = sippOn(t, "127.0.0.2", g.udp, "-sf", scenario404, "-m", "1", "-s", "+4930666", "-timeout", "10s", "-timeout_error")
	waitSipp(t, cmd, dir, 15*time.Second)
}

// TestCarrierCallToBrowserCarriesAudio: a carrier's call to a DID that
// rings one browser user; the browser answers over WebRTC and hears its
// own tone echoed back by the carrier (sipp -rtp_echo).
func TestCarrierCallToBrowserCarriesAudio(t *testing.T) {
	g := webrtcGatewayWith(t, func(c *b2bua.Config) {
		c.Routing.Trunks = []trunk.Config{{Name: "carrier", Addresses: []string{"127.0.0.2:5099"},
			Inbound: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}}}
		c.Routing.DIDs = []b2bua.DIDRoute{{Number: "4930777", Users: []string{"1000"}}}
	})
	browser := newJSBrowser(t, g, "1000")
	browser.register()
	scenario, _ := filepath.Abs("testdata/sipp/carrier_did.xml")
	cmd, dir, _ := sippOn(t, "127.0.0.2", g.udp, "-sf", scenario, "-m", "1", "-s", "+4930777", "-d", "4000",
		"-rtp_echo", "-timeout", "30s", "-timeout_error")
	inv := browser.answerIncoming()
	if !strings.Contains(inv.From().Value(), "+4989111222") {
		t.Errorf("browser sees caller %s, want the carrier's caller number", inv.From().Value())
	}
	eventually(t, 5*time.Second, "ICE and DTLS", func() bool {
		return browser.pc.ConnectionState() == webrtc.PeerConnectionStateConnected
	})
	before, _ := browser.receivedAudio()
	browser.sendTone(440, 100)
	eventually(t, 3*time.Second, "echo at the browser", func() bool { n, _ := browser.receivedAudio(); return n-before >= 90 })
	_, pcm := browser.receivedAudio()
	if f := dominantHz(pcm, 440, 1000); f != 440 {
		t.Fatalf("browser hears %v Hz, want its 440 Hz echoed", f)
	}
	waitSipp(t, cmd, dir, 20*time.Second)
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
}

// TestTrunkCallLimitMovesToNextTrunk: a trunk at its max_calls is skipped.
func TestTrunkCallLimitMovesToNextTrunk(t *testing.T) {
	first := newCarrier(t, "127.0.0.2", 200)
	second := newCarrier(t, "127.0.0.3", 200)
	small := carrierTrunk("small", first.addr)
	small.MaxCalls = 1
	g := trunkGateway(t, []trunk.Config{small, carrierTrunk("second", second.addr)}, nil)
	alice := newDeskPhone(t, g, "1000")
	bob := newDeskPhone(t, g, "1001")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s1, code, err := alice.call(ctx, "030123456", alice.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("first call: %d %v", code, err)
	}
	_ = s1.Ack(ctx)
	wait(t, first.invites, time.Second, "first call at the small trunk")
	s2, code, err := bob.call(ctx, "030123457", bob.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("second call: %d %v", code, err)
	}
	_ = s2.Ack(ctx)
	wait(t, second.invites, time.Second, "second call at the second trunk")
	select {
	case inv := <-first.invites:
		t.Fatalf("the full trunk got %s", inv.StartLine())
	default:
	}
	_ = s1.Bye(ctx)
	_ = s2.Bye(ctx)
	eventually(t, 3*time.Second, "calls end", func() bool { return g.srv.ActiveCalls() == 0 })
	if n := trunkStatus(g, "small").ActiveCalls; n != 0 {
		t.Fatalf("small trunk still counts %d calls", n)
	}
}

// TestSilentRefusalAnswersBannedStrangersWithNothing: with
// routing.silent_refusal a banned source gets no response at all.
func TestSilentRefusalAnswersBannedStrangersWithNothing(t *testing.T) {
	g := startGateway(t, func(c *b2bua.Config) {
		c.Routing.SilentRefusal = true
		c.Auth.MaxFailures = 2
	})
	stranger := newPhone(t, "UDP", g.udp)
	bad := `Digest username="1000", realm="localhost", nonce="bogus", uri="sip:1001@localhost", response="00000000000000000000000000000000"`
	if res := stranger.do(t, strangerInvite(stranger, "1001", bad)); res.StatusCode != 407 {
		t.Fatalf("first bad attempt: %s, want a fresh challenge", res.StartLine())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	res, err := stranger.client.Do(ctx, strangerInvite(stranger, "1001", bad))
	if err == nil && res != nil && res.StatusCode >= 200 {
		t.Fatalf("banned stranger got %s, want silence", res.StartLine())
	}
}

// TestTrunkOverTCP: a trunk on TCP carries the call, and the hang-up.
func TestTrunkOverTCP(t *testing.T) {
	carrier := newCarrierOn(t, "TCP", "127.0.0.2", 200)
	tc := carrierTrunk("tcp-carrier", carrier.addr)
	tc.Transport = "TCP"
	g := trunkGateway(t, []trunk.Config{tc}, nil)
	alice := newDeskPhone(t, g, "1000")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sess, code, err := alice.call(ctx, "030123456", alice.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("call over a TCP trunk: %d %v", code, err)
	}
	inv := wait(t, carrier.invites, time.Second, "INVITE at the carrier")
	if v := inv.Via(); v == nil || !strings.EqualFold(v.Transport, "TCP") {
		t.Fatalf("carrier got Via %v, want TCP", v)
	}
	checkTrunkInvite(t, inv)
	_ = sess.Ack(ctx)
	phoneEchoCheck(t, alice, sess.InviteResponse.Body())
	_ = sess.Bye(ctx)
	wait(t, carrier.byes, 3*time.Second, "BYE at the carrier over TCP")
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
}

// TestInboundTrunkCallOverLimitIsBusy: a carrier already at its trunk's
// max_calls gets 503 with Retry-After for one more call, so it can route
// the call to another gateway; the call in progress is not disturbed.
func TestInboundTrunkCallOverLimitIsBusy(t *testing.T) {
	g := startGateway(t, func(c *b2bua.Config) {
		c.Media.BindIP = loopbackIP
		c.Routing.Trunks = []trunk.Config{{Name: "carrier", Addresses: []string{"127.0.0.9:5060"}, MaxCalls: 1,
			Inbound: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}}
		c.Routing.DIDs = []b2bua.DIDRoute{{Number: "+4930555", Users: []string{"1001"}}}
	})
	bob := newDeskPhone(t, g, "1001")
	bob.register()
	carrier := newDeskPhone(t, g, "carrier")
	ctx := ctx10(t)
	sess, code, err := carrier.call(ctx, "+4930555", carrier.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("first call from the carrier: %d %v", code, err)
	}
	_ = sess.Ack(ctx)
	wait(t, bob.acks, 2*time.Second, "ACK at bob")
	busyRefusal(t, carrier.refusal(t, "+4930555"), "a second call over the trunk's limit")
	if n := trunkStatus(g, "carrier").ActiveCalls; n != 1 {
		t.Fatalf("trunk counts %d calls after the refusal, want the 1 in progress", n)
	}
	_ = sess.Bye(ctx)
	wait(t, bob.byes, 2*time.Second, "BYE at bob")
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
}
