package wsgw

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// waitLong bounds every wait for an expected event.
const waitLong = 5 * time.Second

// recMsg is one OnMessage call.
type recMsg struct {
	c   *Conn
	msg []byte
}

// recClose is one OnClose call.
type recClose struct {
	c   *Conn
	err error
}

// recorder is a Handler that reports every event on buffered channels.
type recorder struct {
	opened chan *Conn
	msgs   chan recMsg
	closed chan recClose

	mu     sync.Mutex
	onOpen func(*Conn)
	onMsg  func(*Conn, []byte)
}

func newRecorder() *recorder {
	return &recorder{
		opened: make(chan *Conn, 64),
		msgs:   make(chan recMsg, 1024),
		closed: make(chan recClose, 64),
	}
}

func (r *recorder) OnOpen(c *Conn) {
	r.mu.Lock()
	f := r.onOpen
	r.mu.Unlock()
	if f != nil {
		f(c)
	}
	r.opened <- c
}

func (r *recorder) OnMessage(c *Conn, msg []byte) {
	r.mu.Lock()
	f := r.onMsg
	r.mu.Unlock()
	if f != nil {
		f(c, msg)
	}
	r.msgs <- recMsg{c: c, msg: append([]byte(nil), msg...)}
}

func (r *recorder) OnClose(c *Conn, err error) {
	r.closed <- recClose{c: c, err: err}
}

func (r *recorder) waitOpen(t *testing.T) *Conn {
	t.Helper()
	select {
	case c := <-r.opened:
		return c
	case <-time.After(waitLong):
		t.Fatal("timeout waiting for OnOpen")
		return nil
	}
}

func (r *recorder) waitMsg(t *testing.T) recMsg {
	t.Helper()
	select {
	case m := <-r.msgs:
		return m
	case <-time.After(waitLong):
		t.Fatal("timeout waiting for OnMessage")
		return recMsg{}
	}
}

// waitClose waits for OnClose and returns its time of arrival too.
func (r *recorder) waitClose(t *testing.T, within time.Duration) recClose {
	t.Helper()
	select {
	case ev := <-r.closed:
		return ev
	case <-time.After(within):
		t.Fatalf("timeout (%v) waiting for OnClose", within)
		return recClose{}
	}
}

// testLogger discards logs unless the test is verbose.
func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(&tlogWriter{t: t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

type tlogWriter struct{ t testing.TB }

func (w *tlogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// testServer is a Server running on a loopback listener.
type testServer struct {
	*Server
	addr   string
	served chan error
}

// startServer runs New(cfg, h) on 127.0.0.1:0 and shuts it down at cleanup.
func startServer(t testing.TB, cfg Config, h Handler) *testServer {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = testLogger(t)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{Server: New(cfg, h), addr: ln.Addr().String(), served: make(chan error, 1)}
	go func() { ts.served <- ts.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLong)
		defer cancel()
		if err := ts.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		select {
		case err := <-ts.served:
			if !errors.Is(err, http.ErrServerClosed) {
				t.Errorf("Serve returned %v, want http.ErrServerClosed", err)
			}
		case <-time.After(waitLong):
			t.Error("Serve did not return")
		}
	})
	return ts
}

func (ts *testServer) wsURL() string   { return "ws://" + ts.addr + "/ws" }
func (ts *testServer) httpURL() string { return "http://" + ts.addr }

// dialer returns a client dialer offering the sip subprotocol.
func dialer() *websocket.Dialer {
	return &websocket.Dialer{Subprotocols: []string{"sip"}, HandshakeTimeout: waitLong}
}

// dial connects a client and closes it at cleanup.
func dial(t testing.TB, url string, hdr http.Header) *websocket.Conn {
	t.Helper()
	ws, resp, err := dialer().Dial(url, hdr)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial %s: %v (status %d)", url, err, status)
	}
	t.Cleanup(func() { _ = ws.Close() })
	return ws
}

// httpClient never keeps idle connections, so no transport goroutines leak.
func httpClient() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: waitLong}
}

// readAll returns a response body as a string.
func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// readFrame reads one client frame with a deadline.
func readFrame(t *testing.T, ws *websocket.Conn) (int, []byte) {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(waitLong))
	mt, b, err := ws.ReadMessage()
	if err != nil {
		t.Fatalf("client read: %v", err)
	}
	return mt, b
}

// expectCloseCode reads until a close frame arrives and checks its code.
func expectCloseCode(t *testing.T, ws *websocket.Conn, code int) {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(waitLong))
	for {
		_, _, err := ws.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != code {
			t.Fatalf("client read error %v, want close code %d", err, code)
		}
		return
	}
}
