package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/gorilla/websocket"
	"github.com/icholy/digest"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// browserCall is one simulated browser with one call: SIP over its own
// WebSocket written as JsSIP writes it, media through its own
// PeerConnection.
type browserCall struct {
	env     *browserEnv
	idx     uint32
	host    string // Via and Contact host, a .invalid name as JsSIP uses
	callID  string
	fromTag string
	ws      *websocket.Conn
	wmu     sync.Mutex
	res     chan *sip.Response

	pc        *webrtc.PeerConnection
	mic       micTrack
	hdr       rtp.Header
	payload   [payloadSize]byte
	frame     int                      // next frame of the tone ring (-opus)
	ring      atomic.Pointer[[][]byte] // the tone ring the answer asks for (-opus)
	rx        receiver
	connected chan struct{}
	connOnce  sync.Once
	failed    chan struct{}
	failOnce  sync.Once
	trackMu   sync.Mutex
	trackDone chan struct{}
	closing   bool

	answer    *sip.Response // the 2xx, once acknowledged
	remoteBye atomic.Bool
	wg        sync.WaitGroup
}

// newBrowserCall prepares call idx; establish makes it.
func newBrowserCall(env *browserEnv, idx uint32) *browserCall {
	c := &browserCall{env: env, idx: idx, host: fmt.Sprintf("mb%d.invalid", idx),
		callID: "mb-" + randHex(8), fromTag: randHex(5),
		res: make(chan *sip.Response, 16), connected: make(chan struct{}), failed: make(chan struct{})}
	c.rx.flow = env.p2b
	c.mic.mime = env.audio
	if env.tone != nil && idx < toneSampleStreams {
		c.rx.sample = &toneSample{}
	}
	fillSilence(c.payload[:])
	return c
}

// randHex returns n random bytes in hex.
func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// establish opens the WebSocket and the PeerConnection, places the call
// (INVITE, 407, ACK, INVITE with credentials, 2xx, ACK) and waits for
// ICE and DTLS to connect.
func (c *browserCall) establish(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, c.env.timeout)
	defer cancel()
	d := websocket.Dialer{Subprotocols: []string{"sip"}, HandshakeTimeout: c.env.timeout}
	ws, _, err := d.DialContext(ctx, c.env.wsURL, http.Header{"Origin": {c.env.origin}})
	if err != nil {
		return fmt.Errorf("websocket: %w", err)
	}
	c.ws = ws
	c.wg.Add(1)
	go func() { defer c.wg.Done(); c.readWS() }()
	if err := c.newPeer(); err != nil {
		return err
	}
	offer, err := c.pc.CreateOffer(nil)
	if err != nil {
		return err
	}
	gathered := webrtc.GatheringCompletePromise(c.pc)
	if err := c.pc.SetLocalDescription(offer); err != nil {
		return err
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return fmt.Errorf("ICE gathering: %w", ctx.Err())
	}
	if err := c.invite(ctx, c.pc.LocalDescription().SDP); err != nil {
		return err
	}
	select {
	case <-c.connected:
		return nil
	case <-c.failed:
		return fmt.Errorf("%w: PeerConnection failed", errMedia)
	case <-ctx.Done():
		return fmt.Errorf("%w: %s after the 2xx: %w", errMedia, c.pc.ConnectionState(), ctx.Err())
	}
}

// invite runs the INVITE exchange as JsSIP does.
func (c *browserCall) invite(ctx context.Context, sdp string) error {
	uri := "sip:" + c.env.callee + "@localhost"
	branch1 := "z9hG4bK" + randHex(6)
	c.sendSIP(c.inviteMsg(uri, 1, branch1, "", sdp))
	res, err := c.await(ctx, sip.INVITE, 1)
	if err != nil {
		return err
	}
	if res.StatusCode != 407 {
		return fmt.Errorf("%w: first INVITE got %s, want 407", errSIP, res.StartLine())
	}
	// RFC 3261 §17.1.1.3: a non-2xx final response is acknowledged in the
	// INVITE's transaction (same branch, To with the response's tag).
	c.sendSIP(fmt.Sprintf("ACK %s SIP/2.0\r\nVia: SIP/2.0/WS %s;branch=%s\r\nMax-Forwards: 69\r\nTo: %s\r\nFrom: <sip:%s@localhost>;tag=%s\r\nCall-ID: %s\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n",
		uri, c.host, branch1, res.To().Value(), c.env.user, c.fromTag, c.callID))
	auth, err := proxyAuthorization(res, "INVITE", uri, c.env.user, c.env.pass)
	if err != nil {
		return err
	}
	c.sendSIP(c.inviteMsg(uri, 2, "z9hG4bK"+randHex(6), auth, sdp))
	applied := ""
	for {
		r, err := c.await(ctx, sip.INVITE, 2)
		if err != nil {
			return err
		}
		if r.StatusCode < 200 {
			// JsSIP applies an answer carried by a reliable-less 1xx.
			if body := string(r.Body()); body != "" && applied == "" {
				if err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: body}); err != nil {
					return fmt.Errorf("early answer: %w", err)
				}
				applied = body
			}
			continue
		}
		if r.StatusCode >= 300 {
			return fmt.Errorf("%w: INVITE got %s", errSIP, r.StartLine())
		}
		if t := c.env.tone; t != nil {
			ring := t.opusFor(string(r.Body()))
			c.ring.Store(&ring)
		}
		if applied == "" {
			if err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: string(r.Body())}); err != nil {
				return fmt.Errorf("answer: %w", err)
			}
		}
		if r.Contact() == nil {
			return fmt.Errorf("%w: 2xx without Contact", errSIP)
		}
		// RFC 3261 §13.2.2.4: the 2xx is acknowledged in a new transaction
		// to the remote target, with the INVITE's CSeq number.
		c.sendSIP(fmt.Sprintf("ACK %s SIP/2.0\r\nVia: SIP/2.0/WS %s;branch=z9hG4bK%s\r\nMax-Forwards: 69\r\nTo: %s\r\nFrom: %s\r\nCall-ID: %s\r\nCSeq: %d ACK\r\nContent-Length: 0\r\n\r\n",
			r.Contact().Address.String(), c.host, randHex(6), r.To().Value(), r.From().Value(), c.callID, r.CSeq().SeqNo))
		c.answer = r
		return nil
	}
}

// inviteMsg renders an INVITE as JsSIP sends it over WebSocket (RFC 7118
// §5: Via transport WS, a .invalid host, Contact with transport=ws and ob).
func (c *browserCall) inviteMsg(uri string, seq int, branch, auth, sdp string) string {
	var s strings.Builder
	fmt.Fprintf(&s, "INVITE %s SIP/2.0\r\nVia: SIP/2.0/WS %s;branch=%s\r\nMax-Forwards: 69\r\n", uri, c.host, branch)
	fmt.Fprintf(&s, "To: <%s>\r\nFrom: \"Bench %d\" <sip:%s@localhost>;tag=%s\r\nCall-ID: %s\r\nCSeq: %d INVITE\r\n", uri, c.idx, c.env.user, c.fromTag, c.callID, seq)
	if auth != "" {
		fmt.Fprintf(&s, "Proxy-Authorization: %s\r\n", auth)
	}
	fmt.Fprintf(&s, "Contact: <sip:mb%d@%s;transport=ws;ob>\r\nContent-Type: application/sdp\r\n", c.idx, c.host)
	s.WriteString("Allow: INVITE,ACK,CANCEL,BYE,OPTIONS\r\nSupported: ice,outbound\r\nUser-Agent: mediabench\r\n")
	fmt.Fprintf(&s, "Content-Length: %d\r\n\r\n%s", len(sdp), sdp)
	return s.String()
}

// proxyAuthorization answers the first Proxy-Authenticate challenge (RFC
// 3261 §22.3; MD5 is offered first to browsers).
func proxyAuthorization(res *sip.Response, method, uri, user, pass string) (string, error) {
	h := res.GetHeader("Proxy-Authenticate")
	if h == nil {
		return "", fmt.Errorf("%w: 407 without Proxy-Authenticate", errSIP)
	}
	chal, err := digest.ParseChallenge(h.Value())
	if err != nil {
		return "", fmt.Errorf("%w: challenge: %w", errSIP, err)
	}
	cred, err := digest.Digest(chal, digest.Options{Method: method, URI: uri, Username: user, Password: pass, Count: 1})
	if err != nil {
		return "", fmt.Errorf("%w: digest: %w", errSIP, err)
	}
	return cred.String(), nil
}

// hangup sends BYE in the call's dialog (RFC 3261 §15.1.1) and waits for
// the 200.
func (c *browserCall) hangup(ctx context.Context) error {
	r := c.answer
	if r == nil {
		return fmt.Errorf("%w: no established call", errSIP)
	}
	if c.remoteBye.Load() {
		return fmt.Errorf("%w: the gateway hung up first", errSIP)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	seq := r.CSeq().SeqNo + 1
	c.sendSIP(fmt.Sprintf("BYE %s SIP/2.0\r\nVia: SIP/2.0/WS %s;branch=z9hG4bK%s\r\nMax-Forwards: 69\r\nTo: %s\r\nFrom: %s\r\nCall-ID: %s\r\nCSeq: %d BYE\r\nContent-Length: 0\r\n\r\n",
		r.Contact().Address.String(), c.host, randHex(6), r.To().Value(), r.From().Value(), c.callID, seq))
	res, err := c.await(ctx, sip.BYE, seq)
	if err != nil {
		return err
	}
	if res.StatusCode != 200 {
		return fmt.Errorf("%w: BYE got %s", errSIP, res.StartLine())
	}
	return nil
}

// await returns the next final or provisional response of the
// transaction (method, seq); other responses are skipped.
func (c *browserCall) await(ctx context.Context, method sip.RequestMethod, seq uint32) (*sip.Response, error) {
	for {
		select {
		case r, ok := <-c.res:
			if !ok {
				return nil, fmt.Errorf("%w: websocket closed waiting for %s", errSIP, method)
			}
			if cs := r.CSeq(); cs != nil && cs.MethodName == method && cs.SeqNo == seq && r.StatusCode > 100 {
				return r, nil
			}
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: no answer to %s: %w", errSIP, method, ctx.Err())
		}
	}
}

// sendSIP writes one SIP message as a text frame.
func (c *browserCall) sendSIP(msg string) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_ = c.ws.WriteMessage(websocket.TextMessage, []byte(msg))
}

// readWS parses what the gateway sends: responses go to await, requests
// are answered (BYE ends the call from the gateway's side).
func (c *browserCall) readWS() {
	defer close(c.res)
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		m, err := sip.ParseMessage(data)
		if err != nil {
			continue
		}
		switch m := m.(type) {
		case *sip.Response:
			select {
			case c.res <- m:
			default: // nobody waits: a retransmission
			}
		case *sip.Request:
			switch m.Method {
			case sip.ACK:
			case sip.BYE:
				c.remoteBye.Store(true)
				c.env.log.Warn("gateway hung up a call", "call", c.idx)
				c.sendSIP(sip.NewResponseFromRequest(m, 200, "OK", nil).String())
			case sip.OPTIONS:
				c.sendSIP(sip.NewResponseFromRequest(m, 200, "OK", nil).String())
			default:
				c.sendSIP(sip.NewResponseFromRequest(m, 488, "Not Acceptable Here", nil).String())
			}
		}
	}
}

// close tears the call down: PeerConnection, then WebSocket.
func (c *browserCall) close() {
	c.closePeer()
	if c.ws != nil {
		c.wmu.Lock()
		_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		c.wmu.Unlock()
		_ = c.ws.Close()
	}
	c.wg.Wait()
}
