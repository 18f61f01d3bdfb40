package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// phone is a SIP desk phone on 127.0.0.1: a sipgo UA over UDP registered
// at the gateway that answers every INVITE at once with PCMU on a fresh
// RTP socket of its own. With tone set (-opus) it sends a tone instead of
// marked silence and keeps samples of the first calls for the tone check.
type phone struct {
	log    *slog.Logger
	ua     *sipgo.UserAgent
	srv    *sipgo.Server
	client *sipgo.Client
	sipPC  net.PacketConn
	addr   netip.AddrPort // SIP socket
	gw     string
	user   string
	pass   string
	flow   *flow // browser → phone
	tone   *transcodeMedia
	// onCall is told of every new call (seq counts from 1) as it is
	// answered, so its RTP can start at once as a real phone's does.
	onCall func(c *phoneCall, seq int64)

	mu     sync.Mutex
	calls  map[string]*phoneCall // by Call-ID
	order  []*phoneCall          // in answer order
	closed bool

	invites atomic.Int64
	acks    atomic.Int64
	byes    atomic.Int64
	wg      sync.WaitGroup
}

// phoneCall is one answered call's RTP peer.
type phoneCall struct {
	conn   *net.UDPConn
	dst    netip.AddrPort // callgate's side, from its offer
	sdp    string
	tag    string // our To tag
	callID string
	pacer  *rtpPacer
	rx     receiver
	out    *flow       // phone → browser
	ended  atomic.Bool // hung up: stop sending
	once   sync.Once
}

// newPhone starts the phone's SIP stack on a loopback UDP socket; onCall
// and tone may be nil.
func newPhone(log *slog.Logger, gw, user, pass string, b2p, p2b *flow, onCall func(*phoneCall, int64), tone *transcodeMedia) (*phone, error) {
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("mediabench-phone"))
	if err != nil {
		return nil, err
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(log))
	if err != nil {
		_ = ua.Close()
		return nil, err
	}
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		_ = ua.Close()
		return nil, err
	}
	addr := pc.LocalAddr().(*net.UDPAddr).AddrPort()
	client, err := sipgo.NewClient(ua, sipgo.WithClientLogger(log), sipgo.WithClientHostname("127.0.0.1"),
		sipgo.WithClientPort(int(addr.Port())), sipgo.WithClientConnectionAddr(addr.String()))
	if err != nil {
		_ = pc.Close()
		_ = ua.Close()
		return nil, err
	}
	p := &phone{log: log, ua: ua, srv: srv, client: client, sipPC: pc, addr: addr, gw: gw, user: user, pass: pass,
		flow: b2p, tone: tone, onCall: onCall, calls: map[string]*phoneCall{}}
	srv.OnInvite(func(req *sip.Request, tx sip.ServerTransaction) { p.onInvite(req, tx, p2b) })
	srv.OnAck(func(*sip.Request, sip.ServerTransaction) { p.acks.Add(1) })
	srv.OnBye(p.onBye)
	srv.OnOptions(func(req *sip.Request, tx sip.ServerTransaction) {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	p.wg.Add(1)
	go func() { defer p.wg.Done(); _ = srv.ServeUDP(pc) }()
	// The client sends through the server's socket once it is pooled.
	for i := 0; i < 200 && ua.TransportLayer().Pool("udp").Size() == 0; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	return p, nil
}

// register binds the phone's SIP address (RFC 3261 §10.2), answering the
// digest challenge (§22.2).
func (p *phone) register(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	host, portS, _ := net.SplitHostPort(p.gw)
	port, _ := strconv.Atoi(portS)
	req := sip.NewRequest(sip.REGISTER, sip.Uri{Scheme: "sip", Host: host, Port: port})
	aor := sip.Uri{Scheme: "sip", User: p.user, Host: "localhost"}
	from := &sip.FromHeader{Address: aor, Params: sip.NewParams()}
	from.Params.Add("tag", sip.GenerateTagN(8))
	req.AppendHeader(from)
	req.AppendHeader(&sip.ToHeader{Address: aor, Params: sip.NewParams()})
	req.AppendHeader(&sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: p.user, Host: "127.0.0.1", Port: int(p.addr.Port())}})
	req.AppendHeader(sip.NewHeader("Expires", "3600"))
	req.SetTransport("UDP")
	req.SetDestination(p.gw)
	res, err := p.client.Do(ctx, req)
	if err != nil {
		return fmt.Errorf("register: %w", err)
	}
	if res.StatusCode == 401 {
		res, err = p.client.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: p.user, Password: p.pass})
		if err != nil {
			return fmt.Errorf("register: %w", err)
		}
	}
	if res.StatusCode != 200 {
		return fmt.Errorf("%w: REGISTER got %s", errSIP, res.StartLine())
	}
	return nil
}

// onInvite answers a new call with 200 and its own RTP socket, or a
// re-INVITE with the call's unchanged SDP.
func (p *phone) onInvite(req *sip.Request, tx sip.ServerTransaction, p2b *flow) {
	callID := req.CallID().Value()
	p.mu.Lock()
	c, known := p.calls[callID]
	closed := p.closed
	p.mu.Unlock()
	if closed {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 503, "Shutting Down", nil))
		return
	}
	if !known {
		n := p.invites.Add(1)
		var err error
		c, err = p.newCall(req, uint32(n), p2b)
		if err != nil {
			p.log.Warn("phone: refusing call", "error", err)
			_ = tx.Respond(sip.NewResponseFromRequest(req, 488, "Not Acceptable Here", nil))
			return
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			c.close()
			_ = tx.Respond(sip.NewResponseFromRequest(req, 503, "Shutting Down", nil))
			return
		}
		p.calls[callID] = c
		p.order = append(p.order, c)
		p.mu.Unlock()
		if p.onCall != nil {
			p.onCall(c, n)
		}
	}
	res := sip.NewResponseFromRequest(req, 200, "OK", []byte(c.sdp))
	if tag, _ := req.To().Params.Get("tag"); tag == "" {
		// RFC 3261 §8.2.6.2: the UAS adds the To tag.
		res.To().Params.Add("tag", c.tag)
	}
	res.AppendHeader(&sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: p.user, Host: "127.0.0.1", Port: int(p.addr.Port())}})
	res.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	_ = tx.Respond(res)
}

// newCall opens the RTP socket for an offer and starts its reader.
func (p *phone) newCall(req *sip.Request, idx uint32, p2b *flow) (*phoneCall, error) {
	offer, err := parseSDPAudio(string(req.Body()))
	if err != nil {
		return nil, err
	}
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	c := &phoneCall{conn: conn, dst: offer.dst, out: p2b, tag: "ph" + strconv.FormatUint(uint64(idx), 10), callID: req.CallID().Value(),
		sdp:   phoneAnswerSDP(conn.LocalAddr().(*net.UDPAddr).Port, offer, 1),
		pacer: newRTPPacer(idx, 0x50000000+idx)}
	if offer.pcmu >= 0 {
		c.pacer.buf[1] = byte(offer.pcmu)
	}
	c.rx.flow = p.flow
	if p.tone != nil {
		c.pacer.ring = p.tone.pcmu
		if idx <= toneSampleStreams {
			c.rx.sample = &toneSample{}
		}
	}
	p.wg.Add(1)
	go func() { defer p.wg.Done(); c.read() }()
	return c, nil
}

// read receives the call's RTP until the socket closes.
func (c *phoneCall) read() {
	buf := make([]byte, 1500)
	for {
		n, err := c.conn.Read(buf)
		if err != nil {
			return
		}
		c.rx.onPacket(buf[:n])
	}
}

// send implements pacedSender: one PCMU packet to callgate.
func (c *phoneCall) send(inWindow bool) {
	if c.ended.Load() {
		return
	}
	pkt := c.pacer.next(inWindow)
	if _, err := c.conn.WriteToUDPAddrPort(pkt, c.dst); err != nil {
		c.out.sendErrs.Add(1)
		return
	}
	if inWindow {
		c.out.sent.Add(1)
	}
}

// skip implements skipCounter.
func (c *phoneCall) skip() { c.out.skipped.Add(1) }

// close releases the call's RTP socket.
func (c *phoneCall) close() { c.once.Do(func() { _ = c.conn.Close() }) }

// onBye ends a call (RFC 3261 §15.1.2).
func (p *phone) onBye(req *sip.Request, tx sip.ServerTransaction) {
	p.mu.Lock()
	c, ok := p.calls[req.CallID().Value()]
	delete(p.calls, req.CallID().Value())
	p.mu.Unlock()
	if !ok {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
		return
	}
	c.ended.Store(true)
	p.byes.Add(1)
	// The RTP socket stays open until close: a pacer may still hold it.
	_ = tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
}

// live returns the calls answered and not yet hung up, in answer order.
func (p *phone) live() []*phoneCall {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]*phoneCall, 0, len(p.calls))
	for _, c := range p.order {
		if p.calls[c.callID] == c {
			out = append(out, c)
		}
	}
	return out
}

// close stops the SIP stack and every RTP socket, and waits for the
// phone's goroutines.
func (p *phone) close() {
	p.mu.Lock()
	p.closed = true
	calls := p.order
	p.mu.Unlock()
	_ = p.sipPC.Close()
	for _, c := range calls {
		c.close()
	}
	_ = p.client.Close()
	_ = p.srv.Close()
	_ = p.ua.Close()
	p.wg.Wait()
}
