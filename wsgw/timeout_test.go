package wsgw

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func TestHandshakeTimeoutStalledClient(t *testing.T) {
	const hsTimeout = 300 * time.Millisecond
	rec := newRecorder()
	ts := startServer(t, Config{HandshakeTimeout: hsTimeout}, rec)

	stalled, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	opened := time.Now()

	start := time.Now()
	dial(t, ts.wsURL(), nil)
	if d := time.Since(start); d > time.Second {
		t.Fatalf("upgrade beside a stalled client took %v", d)
	}
	rec.waitOpen(t)

	_ = stalled.SetReadDeadline(time.Now().Add(waitLong))
	var buf [64]byte
	n, err := stalled.Read(buf[:])
	elapsed := time.Since(opened)
	if err == nil {
		t.Fatalf("stalled client read %q, want connection closed", buf[:n])
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("stalled client was not closed within %v", waitLong)
	}
	if !errors.Is(err, io.EOF) {
		t.Logf("stalled client read error: %v", err)
	}
	if elapsed < hsTimeout-50*time.Millisecond || elapsed > hsTimeout+2*time.Second {
		t.Fatalf("stalled client closed after %v, want about %v", elapsed, hsTimeout)
	}
}

func TestPingTimeoutClosesSilentClientOnly(t *testing.T) {
	// PongWait is generous so a loaded machine does not starve the answering
	// client's pongs; the silent client is still closed within a second.
	cfg := Config{PingInterval: 100 * time.Millisecond, PongWait: 500 * time.Millisecond}
	rec := newRecorder()
	ts := startServer(t, cfg, rec)

	// The silent client reads (so it sees pings) but never answers them.
	silent := dial(t, ts.wsURL(), nil)
	cSilent := rec.waitOpen(t)
	silent.SetPingHandler(func(string) error { return nil })
	silentDone := make(chan struct{})
	go func() {
		defer close(silentDone)
		for {
			if _, _, err := silent.ReadMessage(); err != nil {
				return
			}
		}
	}()

	// The answering client uses gorilla's default ping handler (pong).
	alive := dial(t, ts.wsURL(), nil)
	cAlive := rec.waitOpen(t)
	aliveMsgs := make(chan []byte, 4)
	go func() {
		defer close(aliveMsgs)
		for {
			_, b, err := alive.ReadMessage()
			if err != nil {
				return
			}
			aliveMsgs <- b
		}
	}()

	ev := rec.waitClose(t, waitLong)
	if ev.c != cSilent || !errors.Is(ev.err, ErrPingTimeout) {
		t.Fatalf("OnClose(%s, %v), want silent conn with ErrPingTimeout", ev.c.ID(), ev.err)
	}
	<-silentDone

	// Several more ping periods: the answering client must stay.
	select {
	case ev := <-rec.closed:
		t.Fatalf("answering client closed: %v", ev.err)
	case <-time.After(2 * (cfg.PingInterval + cfg.PongWait)):
	}
	if err := cAlive.Send([]byte("still alive")); err != nil {
		t.Fatal(err)
	}
	select {
	case b := <-aliveMsgs:
		if string(b) != "still alive" {
			t.Fatalf("got %q", b)
		}
	case <-time.After(waitLong):
		t.Fatal("no message on the answering client")
	}
	_ = alive.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	rec.waitClose(t, waitLong)
	for range aliveMsgs {
	}
}

func TestSendQueueOverflowClosesWithoutBlocking(t *testing.T) {
	rec := newRecorder()
	ts := startServer(t, Config{SendQueue: 4, WriteTimeout: 30 * time.Second}, rec)
	dial(t, ts.wsURL(), nil) // never reads
	c := rec.waitOpen(t)

	big := make([]byte, 256<<10)
	var err error
	for i := 0; i < 2000 && err == nil; i++ {
		start := time.Now()
		err = c.Send(big)
		if d := time.Since(start); d > time.Second {
			t.Fatalf("Send blocked for %v", d)
		}
	}
	if !errors.Is(err, ErrSendQueueFull) {
		t.Fatalf("Send error %v, want ErrSendQueueFull", err)
	}
	ev := rec.waitClose(t, waitLong)
	if !errors.Is(ev.err, ErrSendQueueFull) {
		t.Fatalf("OnClose err %v, want ErrSendQueueFull", ev.err)
	}
	if err := c.Send([]byte("x")); !errors.Is(err, ErrConnClosed) {
		t.Fatalf("Send after overflow: %v", err)
	}
}
