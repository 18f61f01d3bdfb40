package wsgw

import (
	"bytes"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func TestMessagesDeliveredExactly(t *testing.T) {
	rec := newRecorder()
	ts := startServer(t, Config{}, rec)
	ws := dial(t, ts.wsURL(), nil)
	c := rec.waitOpen(t)

	text := []byte("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/WSS x\r\n\r\n")
	bin := []byte{0, 1, 2, 0xff, '\r', '\n'}
	if err := ws.WriteMessage(websocket.TextMessage, text); err != nil {
		t.Fatal(err)
	}
	if err := ws.WriteMessage(websocket.BinaryMessage, bin); err != nil {
		t.Fatal(err)
	}
	for _, want := range [][]byte{text, bin} {
		m := rec.waitMsg(t)
		if m.c != c || !bytes.Equal(m.msg, want) {
			t.Fatalf("OnMessage got %q, want %q", m.msg, want)
		}
	}

	out := []byte("SIP/2.0 200 OK\r\n\r\n")
	if err := c.Send(out); err != nil {
		t.Fatal(err)
	}
	out[0] = 'X' // Send must have copied
	mt, got := readFrame(t, ws)
	if mt != websocket.TextMessage || string(got) != "SIP/2.0 200 OK\r\n\r\n" {
		t.Fatalf("client got type %d %q", mt, got)
	}
}

func TestMessagesFragmentedFrameReassembled(t *testing.T) {
	rec := newRecorder()
	ts := startServer(t, Config{}, rec)
	// A tiny client write buffer makes gorilla split the message into
	// continuation frames (RFC 6455 §5.4).
	d := dialer()
	d.WriteBufferSize = 64
	ws, _, err := d.Dial(ts.wsURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	rec.waitOpen(t)
	want := bytes.Repeat([]byte("INVITE sip:x SIP/2.0\r\n"), 20)
	if err := ws.WriteMessage(websocket.TextMessage, want); err != nil {
		t.Fatal(err)
	}
	if m := rec.waitMsg(t); !bytes.Equal(m.msg, want) {
		t.Fatalf("got %q", m.msg)
	}
}

func TestKeepAliveAnsweredNotPassedUp(t *testing.T) {
	rec := newRecorder()
	ts := startServer(t, Config{}, rec)
	ws := dial(t, ts.wsURL(), nil)
	c := rec.waitOpen(t)

	if err := ws.WriteMessage(websocket.TextMessage, []byte("\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	mt, got := readFrame(t, ws)
	if mt != websocket.TextMessage || string(got) != "\r\n" {
		t.Fatalf("keep-alive answer %d %q, want text \"\\r\\n\"", mt, got)
	}
	for _, f := range []string{"\r\n", "\n", "\r\n\r\n\r\n", ""} {
		if err := ws.WriteMessage(websocket.TextMessage, []byte(f)); err != nil {
			t.Fatal(err)
		}
	}
	if err := ws.WriteMessage(websocket.TextMessage, []byte("REGISTER")); err != nil {
		t.Fatal(err)
	}
	if m := rec.waitMsg(t); string(m.msg) != "REGISTER" {
		t.Fatalf("first message passed up %q, want REGISTER", m.msg)
	}
	// Only one "\r\n" answer: the next frame the client sees is ours.
	if err := c.Send([]byte("NEXT")); err != nil {
		t.Fatal(err)
	}
	if _, got := readFrame(t, ws); string(got) != "NEXT" {
		t.Fatalf("unexpected extra frame %q", got)
	}
}

func TestOversizedFrameClosesOnlyThatConnection(t *testing.T) {
	rec := newRecorder()
	ts := startServer(t, Config{}, rec)
	big := dial(t, ts.wsURL(), nil)
	cBig := rec.waitOpen(t)
	other := dial(t, ts.wsURL(), nil)
	cOther := rec.waitOpen(t)

	// Exactly ReadLimit bytes is still fine.
	if err := other.WriteMessage(websocket.BinaryMessage, make([]byte, DefaultReadLimit)); err != nil {
		t.Fatal(err)
	}
	if m := rec.waitMsg(t); m.c != cOther || len(m.msg) != DefaultReadLimit {
		t.Fatalf("limit-sized message: conn %v len %d", m.c.ID(), len(m.msg))
	}

	_ = big.WriteMessage(websocket.TextMessage, make([]byte, 1<<20))
	ev := rec.waitClose(t, waitLong)
	if ev.c != cBig || !errors.Is(ev.err, ErrMessageTooBig) {
		t.Fatalf("OnClose(%v, %v), want big conn with ErrMessageTooBig", ev.c.ID(), ev.err)
	}
	expectCloseCode(t, big, websocket.CloseMessageTooBig)

	if err := other.WriteMessage(websocket.TextMessage, []byte("still here")); err != nil {
		t.Fatal(err)
	}
	if m := rec.waitMsg(t); m.c != cOther || string(m.msg) != "still here" {
		t.Fatalf("other conn got %q", m.msg)
	}
	if err := cOther.Send([]byte("pong")); err != nil {
		t.Fatal(err)
	}
	if _, got := readFrame(t, other); string(got) != "pong" {
		t.Fatalf("other client got %q", got)
	}
	<-cBig.Done()
	if ts.ConnCount() != 1 {
		t.Fatalf("ConnCount = %d", ts.ConnCount())
	}
}

func TestOnCloseOnClientCloseFrame(t *testing.T) {
	rec := newRecorder()
	ts := startServer(t, Config{}, rec)
	ws := dial(t, ts.wsURL(), nil)
	c := rec.waitOpen(t)
	start := time.Now()
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye")
	if err := ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	ev := rec.waitClose(t, waitLong)
	if d := time.Since(start); d > time.Second {
		t.Errorf("OnClose after %v", d)
	}
	var ce *websocket.CloseError
	if ev.c != c || !errors.Is(ev.err, ErrPeerClosed) || !errors.As(ev.err, &ce) || ce.Code != websocket.CloseNormalClosure {
		t.Fatalf("OnClose err %v", ev.err)
	}
	// The server echoes the close frame (RFC 6455 §5.5.1).
	expectCloseCode(t, ws, websocket.CloseNormalClosure)
	select {
	case <-c.Done():
	case <-time.After(waitLong):
		t.Fatal("Done not closed")
	}
	if err := c.Send([]byte("x")); !errors.Is(err, ErrConnClosed) {
		t.Fatalf("Send after close: %v", err)
	}
}

func TestOnCloseOnAbruptTCPClose(t *testing.T) {
	for _, reset := range []bool{false, true} {
		rec := newRecorder()
		ts := startServer(t, Config{}, rec)
		ws := dial(t, ts.wsURL(), nil)
		c := rec.waitOpen(t)
		nc := ws.NetConn()
		if reset {
			if err := nc.(*net.TCPConn).SetLinger(0); err != nil {
				t.Fatal(err)
			}
		}
		start := time.Now()
		_ = nc.Close()
		ev := rec.waitClose(t, waitLong)
		if d := time.Since(start); d > time.Second {
			t.Errorf("reset=%v: OnClose after %v", reset, d)
		}
		if ev.c != c || !errors.Is(ev.err, ErrConnLost) {
			t.Fatalf("reset=%v: OnClose err %v, want ErrConnLost", reset, ev.err)
		}
	}
}

func TestConnCloseSendsNormalClosureAfterQueued(t *testing.T) {
	rec := newRecorder()
	ts := startServer(t, Config{}, rec)
	ws := dial(t, ts.wsURL(), nil)
	c := rec.waitOpen(t)
	if err := c.Send([]byte("last words")); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil { // idempotent
		t.Fatal(err)
	}
	if err := c.Send([]byte("too late")); !errors.Is(err, ErrConnClosed) {
		t.Fatalf("Send after Close: %v", err)
	}
	if _, got := readFrame(t, ws); string(got) != "last words" {
		t.Fatalf("got %q", got)
	}
	expectCloseCode(t, ws, websocket.CloseNormalClosure)
	ev := rec.waitClose(t, waitLong)
	if !errors.Is(ev.err, ErrConnClosed) {
		t.Fatalf("OnClose err %v", ev.err)
	}
	<-c.Done()
	if ts.ConnCount() != 0 {
		t.Fatalf("ConnCount = %d", ts.ConnCount())
	}
}

func TestConnCloseUnresponsivePeerBounded(t *testing.T) {
	rec := newRecorder()
	// Long write and ping timers: only the close grace period can end it.
	ts := startServer(t, Config{WriteTimeout: time.Minute, PingInterval: time.Minute}, rec)
	dial(t, ts.wsURL(), nil) // never reads, never answers the close frame
	c := rec.waitOpen(t)
	start := time.Now()
	_ = c.Close()
	ev := rec.waitClose(t, waitLong)
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("close took %v", d)
	}
	if !errors.Is(ev.err, ErrConnClosed) {
		t.Fatalf("OnClose err %v", ev.err)
	}
}

func TestOnOpenBeforeMessagesAndSendFromHandler(t *testing.T) {
	rec := newRecorder()
	var opened bool
	rec.onOpen = func(c *Conn) {
		opened = true
		_ = c.Send([]byte("hello"))
	}
	rec.onMsg = func(c *Conn, msg []byte) {
		if !opened {
			t.Error("OnMessage before OnOpen")
		}
		_ = c.Send(append([]byte("echo:"), msg...))
	}
	ts := startServer(t, Config{}, rec)
	ws := dial(t, ts.wsURL(), nil)
	if _, got := readFrame(t, ws); string(got) != "hello" {
		t.Fatalf("got %q", got)
	}
	if err := ws.WriteMessage(websocket.TextMessage, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, got := readFrame(t, ws); string(got) != "echo:x" {
		t.Fatalf("got %q", got)
	}
}
