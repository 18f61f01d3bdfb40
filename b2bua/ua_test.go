package b2bua_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// answerPlan says how a test phone answers an incoming INVITE.
type answerPlan struct {
	ring  bool          // send 180 first
	code  int           // final status; 0 means never answer
	delay time.Duration // before the final
	noSDP bool          // answer 2xx without SDP
	// reinviteDelay holds the answer to a re-INVITE this long.
	reinviteDelay time.Duration
	// early sends 183 with SDP (early media) instead of 180.
	early bool
	// allow, when set, is the Allow header of the 2xx.
	allow string
	// sessionExpires, when set, is the Session-Expires header of the 2xx.
	sessionExpires string
	// minSE makes the phone refuse an INVITE asking for a shorter session
	// interval (in seconds) with 422 (RFC 4028 §8.1).
	minSE int
}

// deskPhone is a sipgo UA on 127.0.0.1 that registers at the gateway,
// answers calls according to plan, and can place calls: a stand-in for a
// real desk phone with an RTP socket of its own.
type deskPhone struct {
	t    testing.TB
	user string
	pass string
	// authUser is the digest username when it differs from user (token
	// credentials).
	authUser string
	// audio is the phone's one audio format, "PT name"; "" is PCMU.
	audio  string
	g      *gateway
	ua     *sipgo.UserAgent
	srv    *sipgo.Server
	client *sipgo.Client
	addr   string
	rtp    *net.UDPConn
	dsc    *sipgo.DialogServerCache
	dcc    *sipgo.DialogClientCache

	mu        sync.Mutex
	plan      answerPlan
	invites   chan *sip.Request
	acks      chan *sip.Request
	byes      chan *sip.Request
	cancels   chan *sip.Request
	infos     chan *sip.Request
	updates   chan *sip.Request
	reinvites chan *sip.Request
	refers    chan *sip.Request
	notifies  chan *sip.Request
	sessions  chan *sipgo.DialogServerSession
}

func newDeskPhone(t testing.TB, g *gateway, user string) *deskPhone {
	t.Helper()
	p := &deskPhone{t: t, user: user, pass: testUsers[user], g: g,
		invites: make(chan *sip.Request, 16), acks: make(chan *sip.Request, 16), byes: make(chan *sip.Request, 16),
		cancels: make(chan *sip.Request, 16), infos: make(chan *sip.Request, 16), updates: make(chan *sip.Request, 16), reinvites: make(chan *sip.Request, 16), refers: make(chan *sip.Request, 4), notifies: make(chan *sip.Request, 8),
		sessions: make(chan *sipgo.DialogServerSession, 16), plan: answerPlan{ring: true, code: 200}}
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("deskphone-" + user))
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := sipgo.NewServer(ua)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = pc.LocalAddr().String()
	host, port, _ := net.SplitHostPort(p.addr)
	pn, _ := strconv.Atoi(port)
	client, _ := sipgo.NewClient(ua, sipgo.WithClientHostname(host), sipgo.WithClientPort(pn), sipgo.WithClientConnectionAddr(p.addr))
	p.ua, p.srv, p.client = ua, srv, client
	contact := sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: user, Host: host, Port: pn}}
	p.dsc = sipgo.NewDialogServerCache(client, contact)
	p.dcc = sipgo.NewDialogClientCache(client, contact)
	p.rtp, err = net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	srv.OnInvite(p.onInvite)
	srv.OnAck(func(req *sip.Request, tx sip.ServerTransaction) {
		_ = p.dsc.ReadAck(req, tx)
		p.acks <- req
	})
	srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		p.byes <- req
		if err := p.dsc.ReadBye(req, tx); err != nil {
			if err := p.dcc.ReadBye(req, tx); err != nil {
				_ = tx.Respond(sip.NewResponseFromRequest(req, 481, "No Dialog", nil))
			}
		}
	})
	srv.OnCancel(func(req *sip.Request, tx sip.ServerTransaction) {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 481, "No Transaction", nil))
	})
	srv.OnUpdate(func(req *sip.Request, tx sip.ServerTransaction) {
		p.updates <- req
		res := sip.NewResponseFromRequest(req, 200, "OK", nil)
		if len(req.Body()) > 0 {
			res.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
			res.SetBody(p.sdp(""))
		}
		_ = tx.Respond(res)
	})
	srv.OnRefer(func(req *sip.Request, tx sip.ServerTransaction) {
		p.refers <- req
		_ = tx.Respond(sip.NewResponseFromRequest(req, 202, "Accepted", nil))
	})
	srv.OnNotify(func(req *sip.Request, tx sip.ServerTransaction) {
		select {
		case p.notifies <- req:
		default:
		}
		_ = tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	srv.OnInfo(func(req *sip.Request, tx sip.ServerTransaction) {
		p.infos <- req
		_ = tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	go func() { _ = srv.ServeUDP(pc) }()
	eventually(t, 2*time.Second, "phone listener", func() bool { return ua.TransportLayer().Pool("udp").Size() > 0 })
	t.Cleanup(func() {
		// Stop receiving first so nothing arriving during teardown makes the
		// stack open a fresh socket after its pool was cleared.
		_ = pc.Close()
		_ = p.rtp.Close()
		_ = client.Close()
		_ = ua.Close()
	})
	return p
}

// setPlan changes how the phone answers.
func (p *deskPhone) setPlan(a answerPlan) {
	p.mu.Lock()
	p.plan = a
	p.mu.Unlock()
}

// sdp describes the phone's audio socket.
func (p *deskPhone) sdp(dir string) []byte {
	if dir == "" {
		dir = "sendrecv"
	}
	port := p.rtp.LocalAddr().(*net.UDPAddr).Port
	pt, name := "0", "PCMU"
	if p.audio != "" {
		pt, name, _ = strings.Cut(p.audio, " ")
	}
	return []byte(fmt.Sprintf("v=0\r\no=%s 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"+
		"m=audio %d RTP/AVP %s 101\r\na=rtpmap:%s %s/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=%s\r\n", p.user, port, pt, pt, name, dir))
}

func (p *deskPhone) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	if tag, _ := req.To().Params.Get("tag"); tag != "" {
		// re-INVITE: answer with our SDP, mirroring hold (RFC 3264 §8.4).
		p.reinvites <- req
		p.mu.Lock()
		delay := p.plan.reinviteDelay
		p.mu.Unlock()
		time.Sleep(delay)
		dir := "sendrecv"
		if m := dirRe.FindSubmatch(req.Body()); m != nil {
			switch string(m[1]) {
			case "sendonly":
				dir = "recvonly"
			case "inactive":
				dir = "inactive"
			case "recvonly":
				dir = "sendonly"
			}
		}
		res := sip.NewResponseFromRequest(req, 200, "OK", nil)
		res.AppendHeader(&sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: p.user, Host: "127.0.0.1", Port: p.port()}})
		res.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		res.SetBody(p.sdp(dir))
		_ = tx.Respond(res)
		return
	}
	p.invites <- req
	p.mu.Lock()
	plan := p.plan
	p.mu.Unlock()
	dss, err := p.dsc.ReadInvite(req, tx)
	if err != nil {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 400, err.Error(), nil))
		return
	}
	tx.OnCancel(func(r *sip.Request) { p.cancels <- r })
	switch {
	case plan.early:
		_ = dss.Respond(183, "Session Progress", p.sdp(""), sip.NewHeader("Content-Type", "application/sdp"))
	case plan.ring:
		_ = dss.Respond(180, "Ringing", nil)
	}
	if plan.code == 0 {
		<-tx.Done()
		return
	}
	select {
	case <-time.After(plan.delay):
	case <-tx.Done():
		return
	}
	if plan.code >= 300 {
		_ = dss.Respond(plan.code, "", nil)
		return
	}
	if plan.minSE > 0 {
		if se := req.GetHeader("Session-Expires"); se == nil || atoiPrefix(se.Value()) < plan.minSE {
			_ = dss.Respond(422, "Session Interval Too Small", nil, sip.NewHeader("Min-SE", strconv.Itoa(plan.minSE)))
			return
		}
	}
	var body []byte
	if !plan.noSDP {
		body = p.sdp("")
	}
	hdrs := []sip.Header{}
	if plan.allow != "" {
		hdrs = append(hdrs, sip.NewHeader("Allow", plan.allow))
	}
	if plan.sessionExpires != "" {
		hdrs = append(hdrs, sip.NewHeader("Session-Expires", plan.sessionExpires), sip.NewHeader("Require", "timer"))
	}
	if body != nil {
		hdrs = append(hdrs, sip.NewHeader("Content-Type", "application/sdp"))
	}
	_ = dss.Respond(200, "OK", body, hdrs...)
	// Hand the session over only after the 200: Respond writes the
	// dialog's state, which a test may read as soon as it holds dss.
	p.sessions <- dss
}

func (p *deskPhone) port() int { return portOf(p.addr) }

// atoiPrefix reads the leading digits of s ("90;refresher=uac" → 90).
func atoiPrefix(s string) int {
	n := 0
	for _, r := range strings.TrimSpace(s) {
		if r < '0' || r > '9' {
			break
		}
		n = n*10 + int(r-'0')
	}
	return n
}

func portOf(addr string) int {
	_, port, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(port)
	return n
}

// register binds the phone's UDP address at the gateway.
func (p *deskPhone) register() {
	p.t.Helper()
	res := p.tryRegister()
	if res.StatusCode != 200 {
		p.t.Fatalf("%s register: %s", p.user, res.StartLine())
	}
}

// tryRegister registers and returns the final response.
func (p *deskPhone) tryRegister() *sip.Response {
	p.t.Helper()
	ph := &sipPhone{ua: p.ua, client: p.client, transport: "UDP", target: p.g.udp, cseq: 1}
	return ph.register(p.t, regReq{user: p.user, authUser: p.authUser, pass: p.pass, expires: 600, contacts: []string{"<sip:" + p.user + "@" + p.addr + ">"}})
}

// call places a call to user with an optional SDP offer and waits for the
// final answer; it returns the session (nil on failure) and the status.
func (p *deskPhone) call(ctx context.Context, to string, offer []byte) (*sipgo.DialogClientSession, int, error) {
	return p.callWith(ctx, to, offer)
}

// callWith is call with extra headers in the INVITE.
func (p *deskPhone) callWith(ctx context.Context, to string, offer []byte, hdrs ...sip.Header) (*sipgo.DialogClientSession, int, error) {
	sess, res, err := p.invite(ctx, to, offer, hdrs...)
	if res == nil {
		return sess, 0, err
	}
	if res.StatusCode >= 300 {
		return nil, res.StatusCode, nil
	}
	return sess, res.StatusCode, nil
}

// refusal places a call that must fail and returns its final response.
func (p *deskPhone) refusal(t *testing.T, to string) *sip.Response {
	t.Helper()
	_, res, err := p.invite(ctx10(t), to, p.sdp(""))
	if err != nil || res == nil || res.StatusCode < 300 {
		t.Fatalf("call to %s: %v %v, want a refusal", to, res, err)
	}
	return res
}

// invite places a call and returns its final response: the session's
// 2xx, or the refusal.
func (p *deskPhone) invite(ctx context.Context, to string, offer []byte, hdrs ...sip.Header) (*sipgo.DialogClientSession, *sip.Response, error) {
	recipient := sip.Uri{Scheme: "sip", User: to, Host: "localhost"}
	host, port, _ := net.SplitHostPort(p.g.udp)
	pn, _ := strconv.Atoi(port)
	req := sip.NewRequest(sip.INVITE, recipient)
	req.SetDestination(net.JoinHostPort(host, port))
	req.SetTransport("UDP")
	req.AppendHeader(&sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: p.user, Host: "localhost"}, Params: sip.NewParams()})
	req.From().Params.Add("tag", sip.GenerateTagN(8))
	req.AppendHeader(&sip.ToHeader{Address: recipient, Params: sip.NewParams()})
	for _, h := range hdrs {
		req.AppendHeader(h)
	}
	if offer != nil {
		req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		req.SetBody(offer)
	}
	_ = pn
	sess, err := p.dcc.WriteInvite(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	username := p.user
	if p.authUser != "" {
		username = p.authUser
	}
	err = sess.WaitAnswer(ctx, sipgo.AnswerOptions{Username: username, Password: p.pass})
	var de *sipgo.ErrDialogResponse
	if errors.As(err, &de) {
		return nil, de.Res, nil
	}
	if err != nil {
		return sess, nil, err
	}
	return sess, sess.InviteResponse, nil
}

var (
	mediaRe = regexp.MustCompile(`(?m)^m=audio (\d+) `)
	connRe  = regexp.MustCompile(`(?m)^c=IN IP4 (\S+)`)
	dirRe   = regexp.MustCompile(`(?m)^a=(sendrecv|sendonly|recvonly|inactive)\r?$`)
)

// sdpTarget returns where an SDP body wants its audio.
func sdpTarget(t testing.TB, body []byte) *net.UDPAddr {
	t.Helper()
	m, c := mediaRe.FindSubmatch(body), connRe.FindSubmatch(body)
	if m == nil || c == nil {
		t.Fatalf("no audio address in SDP:\n%s", body)
	}
	port, _ := strconv.Atoi(string(m[1]))
	return &net.UDPAddr{IP: net.ParseIP(string(c[1])), Port: port}
}

// sdpDirection returns the a= direction of a body, "sendrecv" when absent.
func sdpDirection(body []byte) string {
	if m := dirRe.FindSubmatch(body); m != nil {
		return string(m[1])
	}
	return "sendrecv"
}

// wait receives from ch or fails after d.
func wait[T any](t testing.TB, ch <-chan T, d time.Duration, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(d):
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
}

// rtpPacket builds an RTP packet (RFC 3550 §5.1) with a recognisable payload.
func rtpPacket(seq uint16, ssrc uint32, payload []byte) []byte {
	b := make([]byte, 12+len(payload))
	b[0] = 0x80
	b[1] = 0 // PCMU
	b[2], b[3] = byte(seq>>8), byte(seq)
	ts := uint32(seq) * 160
	b[4], b[5], b[6], b[7] = byte(ts>>24), byte(ts>>16), byte(ts>>8), byte(ts)
	b[8], b[9], b[10], b[11] = byte(ssrc>>24), byte(ssrc>>16), byte(ssrc>>8), byte(ssrc)
	copy(b[12:], payload)
	return b
}

// inviteThenCancel sends an INVITE, answers the 407, waits for a 180 and
// cancels (RFC 3261 §9.1); it returns the INVITE's final status.
func (p *deskPhone) inviteThenCancel(t testing.TB, to string) int {
	t.Helper()
	return p.inviteThenCancelAfter(t, to, 0)
}

// inviteThenCancelAfter is inviteThenCancel with a pause between the 180
// and the CANCEL; a 200 that arrives first is acknowledged and hung up.
func (p *deskPhone) inviteThenCancelAfter(t testing.TB, to string, pause time.Duration) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	build := func(auth string, seq uint32) *sip.Request {
		recipient := sip.Uri{Scheme: "sip", User: to, Host: "localhost"}
		req := sip.NewRequest(sip.INVITE, recipient)
		req.SetDestination(p.g.udp)
		req.SetTransport("UDP")
		from := &sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: p.user, Host: "localhost"}, Params: sip.NewParams()}
		from.Params.Add("tag", "cancel-test")
		req.AppendHeader(from)
		req.AppendHeader(&sip.ToHeader{Address: recipient, Params: sip.NewParams()})
		cid := sip.CallIDHeader("cancel-" + p.user + "-" + strconv.FormatInt(callCounter.Add(1), 10))
		req.AppendHeader(&cid)
		req.AppendHeader(&sip.CSeqHeader{SeqNo: seq, MethodName: sip.INVITE})
		req.AppendHeader(&sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: p.user, Host: "127.0.0.1", Port: p.port()}})
		if auth != "" {
			req.AppendHeader(sip.NewHeader("Proxy-Authorization", auth))
		}
		req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		req.SetBody(p.sdp(""))
		return req
	}
	callCounter.Add(1)
	first := build("", 1)
	res, err := p.client.Do(ctx, first)
	if err != nil || res.StatusCode != 407 {
		t.Fatalf("want 407, got %v %v", res, err)
	}
	auth, err := answerChallengeHdr(res, "Proxy-Authenticate", "INVITE", first.Recipient.String(), p.user, p.pass)
	if err != nil {
		t.Fatal(err)
	}
	inv := build(auth, 2)
	tx, err := p.client.TransactionRequest(ctx, inv)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Terminate()
	for {
		select {
		case r := <-tx.Responses():
			if r.StatusCode == 180 {
				time.Sleep(pause)
				c := sip.NewRequest(sip.CANCEL, inv.Recipient)
				c.AppendHeader(inv.Via().Clone())
				c.AppendHeader(sip.HeaderClone(inv.From()))
				c.AppendHeader(sip.HeaderClone(inv.To()))
				c.AppendHeader(sip.HeaderClone(inv.CallID()))
				c.AppendHeader(&sip.CSeqHeader{SeqNo: 2, MethodName: sip.CANCEL})
				mf := sip.MaxForwardsHeader(70)
				c.AppendHeader(&mf)
				c.SetDestination(p.g.udp)
				c.SetTransport("UDP")
				c.SetBody(nil)
				cres, err := p.client.Do(ctx, c, func(*sipgo.Client, *sip.Request) error { return nil })
				if err != nil || cres.StatusCode != 200 {
					t.Fatalf("CANCEL: %v %v", cres, err)
				}
				continue
			}
			if r.StatusCode >= 200 && r.StatusCode < 300 {
				p.ackAndBye(ctx, t, inv, r)
				return r.StatusCode
			}
			if r.StatusCode >= 300 {
				return r.StatusCode
			}
		case <-tx.Done():
			t.Fatalf("INVITE transaction ended: %v", tx.Err())
		}
	}
}

// answerChallengeHdr answers the first challenge in header name.
func answerChallengeHdr(res *sip.Response, name, method, uri, user, pass string) (string, error) {
	h := res.GetHeader(name)
	if h == nil {
		return "", fmt.Errorf("no %s", name)
	}
	chal, err := digest.ParseChallenge(h.Value())
	if err != nil {
		return "", err
	}
	cred, err := digest.Digest(chal, digest.Options{Method: method, URI: uri, Username: user, Password: pass, Count: 1})
	if err != nil {
		return "", err
	}
	return cred.String(), nil
}

// ackAndBye confirms a 2xx to inv and hangs up at once.
func (p *deskPhone) ackAndBye(ctx context.Context, t testing.TB, inv *sip.Request, res *sip.Response) {
	t.Helper()
	target := res.Contact().Address
	mk := func(m sip.RequestMethod, seq uint32) *sip.Request {
		r := sip.NewRequest(m, target)
		r.AppendHeader(sip.HeaderClone(inv.From()))
		r.AppendHeader(sip.HeaderClone(res.To()))
		r.AppendHeader(sip.HeaderClone(inv.CallID()))
		r.AppendHeader(&sip.CSeqHeader{SeqNo: seq, MethodName: m})
		r.SetDestination(p.g.udp)
		r.SetTransport("UDP")
		return r
	}
	if err := p.client.WriteRequest(mk(sip.ACK, inv.CSeq().SeqNo)); err != nil {
		t.Fatalf("ACK: %v", err)
	}
	if res, err := p.client.Do(ctx, mk(sip.BYE, inv.CSeq().SeqNo+1)); err != nil || res.StatusCode != 200 {
		t.Fatalf("BYE after a 200 that crossed the CANCEL: %v %v", res, err)
	}
}
