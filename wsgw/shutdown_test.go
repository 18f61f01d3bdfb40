package wsgw

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"
)

func TestShutdownSendsGoingAway(t *testing.T) {
	baseline := goleak.IgnoreCurrent()
	rec := newRecorder()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := New(Config{Logger: testLogger(t)}, rec)
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	url := "ws://" + ln.Addr().String() + "/ws"

	reading, _, err := dialer().Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer reading.Close()
	rec.waitOpen(t)
	deaf, _, err := dialer().Dial(url, nil) // never reads: close handshake times out
	if err != nil {
		t.Fatal(err)
	}
	defer deaf.Close()
	rec.waitOpen(t)

	gotClose := make(chan error, 1)
	go func() {
		_ = reading.SetReadDeadline(time.Now().Add(waitLong))
		_, _, err := reading.ReadMessage()
		gotClose <- err
	}()

	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	start := time.Now()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Shutdown took %v", d)
	}
	var ce *websocket.CloseError
	if err := <-gotClose; !errors.As(err, &ce) || ce.Code != websocket.CloseGoingAway {
		t.Fatalf("client got %v, want close 1001", err)
	}
	for range 2 {
		if ev := rec.waitClose(t, time.Second); !errors.Is(ev.err, ErrShutdown) {
			t.Fatalf("OnClose err %v, want ErrShutdown", ev.err)
		}
	}
	if n := s.ConnCount(); n != 0 {
		t.Fatalf("ConnCount after Shutdown = %d", n)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Fatalf("Serve returned %v", err)
	}
	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Serve(ln2); !errors.Is(err, http.ErrServerClosed) {
		t.Fatalf("Serve after Shutdown returned %v", err)
	}
	if _, err := net.Dial("tcp", ln2.Addr().String()); err == nil {
		t.Error("listener passed to Serve after Shutdown still accepts")
	}
	_ = reading.Close()
	_ = deaf.Close()
	goleak.VerifyNone(t, baseline)
}

func TestShutdownContextExpiresWhileHandlerBlocks(t *testing.T) {
	rec := newRecorder()
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	rec.onMsg = func(*Conn, []byte) {
		entered <- struct{}{}
		<-release
	}
	ts := startServer(t, Config{}, rec)
	ws := dial(t, ts.wsURL(), nil)
	rec.waitOpen(t)
	if err := ws.WriteMessage(websocket.TextMessage, []byte("block")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-entered:
	case <-time.After(waitLong):
		t.Fatal("OnMessage not called")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := ts.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v, want context.DeadlineExceeded", err)
	}
	close(release)
	if ev := rec.waitClose(t, waitLong); !errors.Is(ev.err, ErrShutdown) {
		t.Fatalf("OnClose err %v", ev.err)
	}
}

func TestServerCloseHard(t *testing.T) {
	rec := newRecorder()
	ts := startServer(t, Config{}, rec)
	ws := dial(t, ts.wsURL(), nil)
	c := rec.waitOpen(t)
	if err := ts.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ts.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if ev := rec.waitClose(t, waitLong); ev.c != c || !errors.Is(ev.err, ErrShutdown) {
		t.Fatalf("OnClose err %v", ev.err)
	}
	_ = ws.SetReadDeadline(time.Now().Add(waitLong))
	if _, _, err := ws.ReadMessage(); err == nil {
		t.Fatal("client still connected")
	}
	if _, resp, err := dialer().Dial(ts.wsURL(), nil); err == nil {
		t.Fatalf("dial after Close succeeded (%v)", resp.Status)
	}
}
