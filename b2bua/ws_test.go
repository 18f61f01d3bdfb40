package b2bua_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callgate/callgate/b2bua"
	"github.com/emiago/sipgo/sip"
	"github.com/gorilla/websocket"
)

// browser is a gorilla WebSocket client that speaks SIP the way JsSIP does.
type browser struct {
	t        testing.TB
	conn     *websocket.Conn
	host     string // random .invalid host of Via and Contact
	contact  string // Contact URI user
	instance string
	cseq     int
	callID   string
}

func dialBrowser(t testing.TB, g *gateway, instance string) *browser {
	t.Helper()
	d := websocket.Dialer{Subprotocols: []string{"sip"}, HandshakeTimeout: 3 * time.Second}
	h := http.Header{"Origin": {"http://" + g.http}}
	c, resp, err := d.Dial("ws://"+g.http+"/ws", h)
	if err != nil {
		t.Fatalf("dial websocket: %v", err)
	}
	if resp.Header.Get("Sec-WebSocket-Protocol") != "sip" {
		t.Fatalf("subprotocol not echoed: %q", resp.Header.Get("Sec-WebSocket-Protocol"))
	}
	t.Cleanup(func() { _ = c.Close() })
	n := callCounter.Add(1)
	return &browser{t: t, conn: c, host: fmt.Sprintf("h%dx.invalid", n), contact: fmt.Sprintf("c%dq", n),
		instance: instance, cseq: 1, callID: fmt.Sprintf("ws-%d", n)}
}

// registerMsg renders a REGISTER as JsSIP 3.13 sends it.
func (b *browser) registerMsg(user string, expires int, auth string) string {
	var s strings.Builder
	fmt.Fprintf(&s, "REGISTER sip:localhost SIP/2.0\r\n")
	fmt.Fprintf(&s, "Via: SIP/2.0/WS %s;branch=z9hG4bK%d\r\n", b.host, callCounter.Add(1))
	fmt.Fprintf(&s, "Max-Forwards: 69\r\n")
	fmt.Fprintf(&s, "To: <sip:%s@localhost>\r\n", user)
	fmt.Fprintf(&s, "From: <sip:%s@localhost>;tag=ft%d\r\n", user, b.cseq)
	fmt.Fprintf(&s, "Call-ID: %s\r\n", b.callID)
	fmt.Fprintf(&s, "CSeq: %d REGISTER\r\n", b.cseq)
	b.cseq++
	if auth != "" {
		fmt.Fprintf(&s, "Authorization: %s\r\n", auth)
	}
	fmt.Fprintf(&s, "Contact: <sip:%s@%s;transport=ws>;+sip.ice;reg-id=1;+sip.instance=\"<urn:uuid:%s>\";expires=%d\r\n",
		b.contact, b.host, b.instance, expires)
	fmt.Fprintf(&s, "Expires: %d\r\n", expires)
	fmt.Fprintf(&s, "Allow: INVITE,ACK,CANCEL,BYE,UPDATE,MESSAGE,OPTIONS,REFER,INFO,NOTIFY\r\n")
	fmt.Fprintf(&s, "Supported: path,gruu,outbound\r\n")
	fmt.Fprintf(&s, "User-Agent: JsSIP 3.13.0\r\n")
	fmt.Fprintf(&s, "Content-Length: 0\r\n\r\n")
	return s.String()
}

func (b *browser) send(msg string) {
	b.t.Helper()
	if err := b.conn.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		b.t.Fatalf("write: %v", err)
	}
}

// readResponse reads frames until a SIP response arrives.
func (b *browser) readResponse() *sip.Response {
	b.t.Helper()
	_ = b.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, data, err := b.conn.ReadMessage()
		if err != nil {
			b.t.Fatalf("read: %v", err)
		}
		msg, err := sip.ParseMessage(data)
		if err != nil {
			b.t.Fatalf("parse %q: %v", data, err)
		}
		if res, ok := msg.(*sip.Response); ok {
			return res
		}
	}
}

// register performs the JsSIP registration with MD5 digest (the only
// algorithm JsSIP implements; it keeps the last challenge header).
func (b *browser) register(user, pass string, expires int) *sip.Response {
	b.t.Helper()
	b.send(b.registerMsg(user, expires, ""))
	res := b.readResponse()
	if res.StatusCode != 401 {
		return res
	}
	for _, h := range res.GetHeaders("WWW-Authenticate") {
		if !strings.Contains(h.Value(), "algorithm=MD5") {
			b.t.Fatalf("every challenge to a browser must be MD5 (JsSIP and SIP.js keep the last one): %s", h.Value())
		}
	}
	auth, err := answerChallenge(res, "REGISTER", "sip:localhost", user, pass, "MD5")
	if err != nil {
		b.t.Fatal(err)
	}
	b.send(b.registerMsg(user, expires, auth))
	return b.readResponse()
}

func (b *browser) contactURI() string {
	return fmt.Sprintf("sip:%s@%s;transport=ws", b.contact, b.host)
}

func TestWebSocketRegisterLikeJsSIP(t *testing.T) {
	g := startGateway(t, nil)
	b := dialBrowser(t, g, "11111111-2222-3333-4444-555555555555")
	res := b.register("1000", testUsers["1000"], 600)
	if res.StatusCode != 200 {
		t.Fatalf("want 200, got %s", res.StartLine())
	}
	var found bool
	for _, h := range res.GetHeaders("Contact") {
		c := h.(*sip.ContactHeader)
		if c.Address.String() != b.contactURI() {
			continue
		}
		found = true
		exp, ok := c.Params.Get("expires")
		if !ok || exp == "" {
			t.Fatalf("Contact lacks ;expires=: %s", c.Value())
		}
		if inst, _ := c.Params.Get("+sip.instance"); !strings.Contains(inst, b.instance) {
			t.Fatalf("Contact lacks the instance: %s", c.Value())
		}
	}
	if !found {
		t.Fatalf("200 does not list our contact %s: %v", b.contactURI(), res.GetHeaders("Contact"))
	}
	bs, _ := g.srv.Bindings(context.Background(), "1000@localhost")
	if len(bs) != 1 || bs[0].Transport != "WS" || bs[0].ConnID == "" || bs[0].RegID != 1 {
		t.Fatalf("binding %+v", bs)
	}

	// Closing the socket removes the binding.
	_ = b.conn.Close()
	eventually(t, 2*time.Second, "binding removal after socket close", func() bool {
		bs, _ := g.srv.Bindings(context.Background(), "1000@localhost")
		return len(bs) == 0
	})
}

func TestWebSocketSameInstanceReplacesFlow(t *testing.T) {
	g := startGateway(t, nil)
	const inst = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	b1 := dialBrowser(t, g, inst)
	if res := b1.register("1001", testUsers["1001"], 600); res.StatusCode != 200 {
		t.Fatalf("first: %s", res.StartLine())
	}
	b2 := dialBrowser(t, g, inst)
	res := b2.register("1001", testUsers["1001"], 600)
	if res.StatusCode != 200 {
		t.Fatalf("second: %s", res.StartLine())
	}
	if got := contactURIs(res); len(got) != 1 || got[0] != b2.contactURI() {
		t.Fatalf("after re-register from the same instance the 200 lists %v, want only %s", got, b2.contactURI())
	}
	bs, _ := g.srv.Bindings(context.Background(), "1001@localhost")
	if len(bs) != 1 || bs[0].Contact != b2.contactURI() {
		t.Fatalf("bindings %+v", bs)
	}
	// Closing the old flow must not remove the new binding.
	_ = b1.conn.Close()
	time.Sleep(200 * time.Millisecond)
	bs, _ = g.srv.Bindings(context.Background(), "1001@localhost")
	if len(bs) != 1 {
		t.Fatalf("new binding lost when the old socket closed: %+v", bs)
	}
}

func TestWebSocketKeepAliveAndOptions(t *testing.T) {
	g := startGateway(t, nil)
	b := dialBrowser(t, g, "k")
	b.send("\r\n\r\n")
	_ = b.conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	_, data, err := b.conn.ReadMessage()
	if err != nil || string(data) != "\r\n" {
		t.Fatalf("keep-alive reply %q, %v", data, err)
	}
	b.send("OPTIONS sip:localhost SIP/2.0\r\nVia: SIP/2.0/WS x.invalid;branch=z9hG4bKopt1\r\nMax-Forwards: 70\r\n" +
		"From: <sip:probe@localhost>;tag=1\r\nTo: <sip:localhost>\r\nCall-ID: opt-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
	res := b.readResponse()
	if res.StatusCode != 200 || res.GetHeader("Allow") == nil {
		t.Fatalf("OPTIONS: %s", res.StartLine())
	}
}

func TestWebSocketClientIsNeverDialled(t *testing.T) {
	// A response whose flow is gone must not trigger DNS or a dial of the
	// .invalid Via host: the resolver answers locally.
	g := startGateway(t, nil)
	b := dialBrowser(t, g, "gone")
	// Send a request and close at once; the gateway's response has nowhere
	// to go. The process must stay healthy and answer others.
	b.send(b.registerMsg("1000", 600, ""))
	_ = b.conn.Close()
	time.Sleep(100 * time.Millisecond)
	b2 := dialBrowser(t, g, "alive")
	if res := b2.register("1000", testUsers["1000"], 600); res.StatusCode != 200 {
		t.Fatalf("after a vanished client: %s", res.StartLine())
	}
}

// TestWebSocketMessageSizeLimit: a SIP message of exactly MaxMessageSize
// is read whole and answered; one byte more closes that socket with 1009
// (RFC 6455 §7.4.1) instead of reaching the SIP stack cut short. A larger
// configured read limit is capped, because the stack cannot read more.
func TestWebSocketMessageSizeLimit(t *testing.T) {
	g := startGateway(t, func(c *b2bua.Config) { c.WS.ReadLimit = 1 << 20 })
	options := func(size int) string {
		head := "OPTIONS sip:localhost SIP/2.0\r\nVia: SIP/2.0/WS x.invalid;branch=z9hG4bKbig" + strconv.Itoa(size) + "\r\nMax-Forwards: 70\r\n" +
			"From: <sip:probe@localhost>;tag=1\r\nTo: <sip:localhost>\r\nCall-ID: big-" + strconv.Itoa(size) + "\r\nCSeq: 1 OPTIONS\r\n"
		tail := "Content-Length: 0\r\n\r\n"
		pad := size - len(head) - len(tail) - len("X-Pad: \r\n")
		return head + "X-Pad: " + strings.Repeat("p", pad) + "\r\n" + tail
	}
	b := dialBrowser(t, g, "big")
	msg := options(b2bua.MaxMessageSize)
	if len(msg) != b2bua.MaxMessageSize {
		t.Fatalf("built %d bytes, want %d", len(msg), b2bua.MaxMessageSize)
	}
	b.send(msg)
	if res := b.readResponse(); res.StatusCode != 200 {
		t.Fatalf("OPTIONS of %d bytes: %s", len(msg), res.StartLine())
	}
	b.send(options(b2bua.MaxMessageSize + 1))
	_ = b.conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	_, data, err := b.conn.ReadMessage()
	if err == nil {
		t.Fatalf("socket still open after an oversized message; got %q", data)
	}
	if !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
		t.Fatalf("oversized message: %v, want close 1009", err)
	}
}
