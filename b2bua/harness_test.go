package b2bua_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callgate/callgate/b2bua"
	"github.com/callgate/callgate/b2bua/sipauth"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// testUsers are the accounts every test gateway knows.
var testUsers = map[string]string{"1000": "pw-1000", "1001": "pw-1001", "1002": "pw-1002"}

// gateway is a b2bua.Server listening on loopback ports.
type gateway struct {
	srv  *b2bua.Server
	udp  string
	tcp  string
	http string
}

func testLogger() *slog.Logger {
	if os.Getenv("CALLGATE_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// startGateway runs a gateway on 127.0.0.1:0 for UDP, TCP and HTTP.
func startGateway(t testing.TB, mod func(*b2bua.Config)) *gateway {
	t.Helper()
	cfg := b2bua.Config{Users: map[string]sipauth.Secret{}, Logger: testLogger(), DNSDial: noDNS}
	// Both algorithms, so the tests exercise SHA-256 too; the default
	// offers MD5 alone.
	cfg.Auth.Algorithms = []sipauth.Algorithm{sipauth.MD5, sipauth.SHA256}
	for u, p := range testUsers {
		cfg.Users[u] = sipauth.Secret{Password: p}
	}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := b2bua.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	g := &gateway{srv: srv}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g.udp = pc.LocalAddr().String()
	if err := srv.ServeUDP(pc); err != nil {
		t.Fatal(err)
	}
	tl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g.tcp = tl.Addr().String()
	if err := srv.ServeTCP(tl); err != nil {
		t.Fatal(err)
	}
	hl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g.http = hl.Addr().String()
	if err := srv.ServeHTTP(hl); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return g
}

// errNoDNS is what lookups fail with in tests: no query leaves the machine.
var errNoDNS = errors.New("test: DNS disabled")

// noDNS refuses every DNS connection and counts the attempts.
func noDNS(context.Context, string, string) (net.Conn, error) {
	dnsAttempts.Add(1)
	return nil, errNoDNS
}

var dnsAttempts atomic.Int64

// sipPhone is a sipgo client standing in for a desk phone.
type sipPhone struct {
	ua        *sipgo.UserAgent
	client    *sipgo.Client
	transport string
	target    string // gateway host:port
	cseq      uint32
}

var callCounter atomic.Int64

func newPhone(t testing.TB, transport, target string) *sipPhone {
	t.Helper()
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("testphone"))
	if err != nil {
		t.Fatal(err)
	}
	opts := []sipgo.ClientOption{sipgo.WithClientHostname("127.0.0.1")}
	var pc net.PacketConn
	if transport == "UDP" {
		// Send from a socket we own and close first at the end: sipgo's
		// own per-destination UDP sockets can outlive its Close.
		pc, err = net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv, _ := sipgo.NewServer(ua)
		go func() { _ = srv.ServeUDP(pc) }()
		eventually(t, 2*time.Second, "phone listener", func() bool { return ua.TransportLayer().Pool("udp").Size() > 0 })
		opts = append(opts, sipgo.WithClientConnectionAddr(pc.LocalAddr().String()))
	}
	c, err := sipgo.NewClient(ua, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if pc != nil {
			_ = pc.Close()
		}
		_ = c.Close()
		_ = ua.Close()
	})
	return &sipPhone{ua: ua, client: c, transport: transport, target: target, cseq: 1}
}

// regReq describes one REGISTER.
type regReq struct {
	user, pass string
	authUser   string   // digest username when not user (tokens)
	contacts   []string // full Contact header values; default one contact on 127.0.0.1:5999
	expires    int      // Expires header; -1 leaves it out
	callID     string
	alg        string // "SHA-256" (default) or "MD5"
	extra      []string
}

// buildRegister renders a REGISTER without Via (the client adds it).
func (p *sipPhone) buildRegister(r regReq, auth string) *sip.Request {
	host, port, _ := net.SplitHostPort(p.target)
	var b strings.Builder
	fmt.Fprintf(&b, "REGISTER sip:%s:%s SIP/2.0\r\n", host, port)
	fmt.Fprintf(&b, "From: <sip:%s@localhost>;tag=t%d\r\n", r.user, callCounter.Add(1))
	fmt.Fprintf(&b, "To: <sip:%s@localhost>\r\n", r.user)
	fmt.Fprintf(&b, "Call-ID: %s\r\n", r.callID)
	fmt.Fprintf(&b, "CSeq: %d REGISTER\r\n", p.cseq)
	p.cseq++
	fmt.Fprintf(&b, "Max-Forwards: 70\r\n")
	for _, c := range r.contacts {
		fmt.Fprintf(&b, "Contact: %s\r\n", c)
	}
	if r.expires >= 0 {
		fmt.Fprintf(&b, "Expires: %d\r\n", r.expires)
	}
	for _, e := range r.extra {
		fmt.Fprintf(&b, "%s\r\n", e)
	}
	if auth != "" {
		fmt.Fprintf(&b, "Authorization: %s\r\n", auth)
	}
	b.WriteString("Content-Length: 0\r\n\r\n")
	msg, err := sip.ParseMessage([]byte(b.String()))
	if err != nil {
		panic(err)
	}
	req := msg.(*sip.Request)
	req.SetTransport(p.transport)
	req.SetDestination(p.target)
	return req
}

// do sends req and returns its final response.
func (p *sipPhone) do(t testing.TB, req *sip.Request) *sip.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := p.client.Do(ctx, req)
	if err != nil {
		t.Fatalf("%s over %s: %v", req.Method, p.transport, err)
	}
	return res
}

// register runs the digest exchange and returns the final response.
func (p *sipPhone) register(t testing.TB, r regReq) *sip.Response {
	t.Helper()
	if r.callID == "" {
		r.callID = fmt.Sprintf("reg-%d@test", callCounter.Add(1))
	}
	if r.contacts == nil {
		r.contacts = []string{fmt.Sprintf("<sip:%s@127.0.0.1:5999>", r.user)}
	}
	res := p.do(t, p.buildRegister(r, ""))
	if res.StatusCode != 401 {
		return res
	}
	authUser := r.user
	if r.authUser != "" {
		authUser = r.authUser
	}
	auth, err := answerChallenge(res, "REGISTER", p.buildRegister(r, "").Recipient.String(), authUser, r.pass, r.alg)
	if err != nil {
		t.Fatal(err)
	}
	return p.do(t, p.buildRegister(r, auth))
}

// answerChallenge computes an Authorization value for the challenge of alg
// (default the first offered) with an independent digest implementation.
func answerChallenge(res *sip.Response, method, uri, user, pass, alg string) (string, error) {
	for _, h := range res.GetHeaders("WWW-Authenticate") {
		chal, err := digest.ParseChallenge(h.Value())
		if err != nil {
			return "", err
		}
		if alg != "" && !strings.EqualFold(chal.Algorithm, alg) {
			continue
		}
		cred, err := digest.Digest(chal, digest.Options{Method: method, URI: uri, Username: user, Password: pass, Count: 1})
		if err != nil {
			return "", err
		}
		return cred.String(), nil
	}
	return "", fmt.Errorf("no %q challenge in %s", alg, res.StartLine())
}

// contactExpires returns the expires param of the 200's Contact for uri, or -1.
func contactExpires(res *sip.Response, uri string) int {
	for _, h := range res.GetHeaders("Contact") {
		c, ok := h.(*sip.ContactHeader)
		if !ok || c.Address.String() != uri {
			continue
		}
		if v, ok := c.Params.Get("expires"); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return -1
}

// contactURIs lists the Contact URIs of a response.
func contactURIs(res *sip.Response) []string {
	var out []string
	for _, h := range res.GetHeaders("Contact") {
		if c, ok := h.(*sip.ContactHeader); ok {
			out = append(out, c.Address.String())
		}
	}
	return out
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s", within, what)
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
