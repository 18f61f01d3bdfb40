package b2bua_test

import (
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// carrier is a sipgo UAS on its own loopback address (127.0.0.2, ...)
// playing a SIP trunk provider: it answers INVITEs with a fixed status,
// records what it got, echoes RTP back to where it came from, and answers
// OPTIONS and BYE. Phones in the tests live on 127.0.0.1, so source-based
// trunk recognition tells them apart.
type carrier struct {
	t       testing.TB
	ip      string
	addr    string
	rtp     *net.UDPConn
	ua      *sipgo.UserAgent
	invites chan *sip.Request
	cancels chan *sip.Request
	byes    chan *sip.Request
	options chan *sip.Request
	// silenced gets the INVITEs a silent carrier ignored.
	silenced chan *sip.Request

	mu     sync.Mutex
	code   int           // final status for INVITEs; 0 never answers at all
	delay  time.Duration // before the final
	silent bool          // drop every request without a response
	// challenge answers INVITEs without credentials with 407.
	challenge bool
	pending   map[string]sip.ServerTransaction
}

// newCarrier starts a carrier on ip answering INVITEs with code, over UDP.
func newCarrier(t testing.TB, ip string, code int) *carrier {
	t.Helper()
	return newCarrierOn(t, "UDP", ip, code)
}

// newCarrierOn is newCarrier over transport "UDP" or "TCP".
func newCarrierOn(t testing.TB, transport, ip string, code int) *carrier {
	t.Helper()
	c := &carrier{t: t, ip: ip, code: code, invites: make(chan *sip.Request, 16), cancels: make(chan *sip.Request, 16),
		byes: make(chan *sip.Request, 16), options: make(chan *sip.Request, 64), silenced: make(chan *sip.Request, 64), pending: map[string]sip.ServerTransaction{}}
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("carrier-" + ip))
	if err != nil {
		t.Fatal(err)
	}
	c.ua = ua
	srv, _ := sipgo.NewServer(ua)
	var closer interface{ Close() error }
	var serve func()
	if transport == "TCP" {
		l, err := net.Listen("tcp", ip+":0")
		if err != nil {
			t.Fatal(err)
		}
		c.addr, closer = l.Addr().String(), l
		serve = func() { go func() { _ = srv.ServeTCP(l) }() }
	} else {
		pc, err := net.ListenPacket("udp", ip+":0")
		if err != nil {
			t.Fatal(err)
		}
		c.addr, closer = pc.LocalAddr().String(), pc
		serve = func() {
			go func() { _ = srv.ServeUDP(pc) }()
			eventually(t, 2*time.Second, "carrier listener", func() bool { return ua.TransportLayer().Pool("udp").Size() > 0 })
		}
	}
	c.rtp, err = net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(ip)})
	if err != nil {
		t.Fatal(err)
	}
	go c.echo()
	srv.OnInvite(c.onInvite)
	srv.OnAck(func(*sip.Request, sip.ServerTransaction) {})
	srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		c.byes <- req
		_ = tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	srv.OnCancel(func(req *sip.Request, tx sip.ServerTransaction) {
		c.cancels <- req
		_ = tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
		c.mu.Lock()
		inv := c.pending[req.CallID().Value()]
		c.mu.Unlock()
		if inv != nil {
			_ = inv.Respond(sip.NewResponseFromRequest(req, 487, "Request Terminated", nil))
		}
	})
	srv.OnOptions(func(req *sip.Request, tx sip.ServerTransaction) {
		if c.isSilent() {
			return
		}
		select {
		case c.options <- req:
		default:
		}
		_ = tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	serve()
	t.Cleanup(func() {
		_ = closer.Close()
		_ = c.rtp.Close()
		_ = ua.Close()
	})
	return c
}

func (c *carrier) isSilent() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.silent
}

// setSilent makes the carrier ignore every request (a dead host).
func (c *carrier) setSilent(v bool) {
	c.mu.Lock()
	c.silent = v
	c.mu.Unlock()
}

// echo returns every RTP packet to its sender, as a loopback test line.
func (c *carrier) echo() {
	buf := make([]byte, 1500)
	for {
		n, from, err := c.rtp.ReadFromUDP(buf)
		if err != nil {
			return
		}
		_, _ = c.rtp.WriteToUDP(buf[:n], from)
	}
}

func (c *carrier) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	if c.isSilent() {
		select {
		case c.silenced <- req:
		default:
		}
		return
	}
	c.mu.Lock()
	challenge := c.challenge
	c.mu.Unlock()
	if challenge && req.GetHeader("Proxy-Authorization") == nil {
		res := sip.NewResponseFromRequest(req, 407, "Proxy Authentication Required", nil)
		res.AppendHeader(sip.NewHeader("Proxy-Authenticate", `Digest realm="carrier.test", nonce="c4rr1er", algorithm=MD5`))
		_ = tx.Respond(res)
		return
	}
	c.invites <- req
	c.mu.Lock()
	code, delay := c.code, c.delay
	c.pending[req.CallID().Value()] = tx
	c.mu.Unlock()
	_ = tx.Respond(sip.NewResponseFromRequest(req, 100, "Trying", nil))
	if code == 0 {
		return
	}
	time.Sleep(delay)
	res := sip.NewResponseFromRequest(req, code, "", nil)
	res.To().Params.Add("tag", "carrier"+strconv.Itoa(int(time.Now().UnixNano()%100000)))
	if code >= 200 && code < 300 {
		port := c.rtp.LocalAddr().(*net.UDPAddr).Port
		sdp := fmt.Sprintf("v=0\r\no=carrier 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %d RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n", c.ip, c.ip, port)
		res.AppendHeader(&sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "carrier", Host: c.ip, Port: portOf(c.addr)}})
		res.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		res.SetBody([]byte(sdp))
	}
	_ = tx.Respond(res)
}
