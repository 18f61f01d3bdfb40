package trunk

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// TestOptionsUpDown: a trunk goes down after OptionsFailures timed-out
// pings while the carrier is gone, and up again after the carrier returns
// on the same address.
func TestOptionsUpDown(t *testing.T) {
	var pings atomic.Int64
	var lastReq atomic.Pointer[sip.Request]
	handler := func(srv *sipgo.Server) {
		srv.OnOptions(func(req *sip.Request, tx sip.ServerTransaction) {
			pings.Add(1)
			lastReq.Store(req)
			respond(tx, req, 200, "OK")
		})
	}
	carrier := startUAS(t, "127.0.0.1:0", handler)
	c := newTestClient(t)
	s, err := NewSet([]Config{{
		Name: "pinged", Addresses: []string{carrier.addr}, Domain: "carrier.example",
		OptionsInterval: 100 * time.Millisecond, OptionsTimeout: 200 * time.Millisecond, OptionsFailures: 2,
	}}, c.options())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tr := s.Get("pinged")
	s.Start(testCtx(t, 30*time.Second))
	eventually(t, 5*time.Second, "first ping", func() bool { return !tr.Status().LastPing.IsZero() })
	if !tr.Up() || tr.Status().LastPingError != "" {
		t.Fatalf("status %+v", tr.Status())
	}
	req := lastReq.Load()
	if req.Recipient.String() != "sip:carrier.example" || req.From().Params.GetOr("tag", "") == "" ||
		req.MaxForwards().Val() != 70 || !req.Via().Params.Has("rport") || !strings.HasPrefix(req.Via().Params.GetOr("branch", ""), "z9hG4bK") ||
		req.Via().Host != "127.0.0.1" || req.Via().Port != c.addr.Port || req.GetHeader("User-Agent").Value() != "trunk-test" {
		t.Fatalf("OPTIONS:\n%s", req)
	}

	carrier.stop()
	start := time.Now()
	eventually(t, 5*time.Second, "trunk down", func() bool { return !tr.Up() })
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Fatalf("down after %v: before two timeouts", d)
	}
	if st := tr.Status(); st.Up || !strings.Contains(st.LastPingError, "ping") {
		t.Fatalf("status %+v", st)
	}

	startUAS(t, carrier.addr, handler)
	eventually(t, 5*time.Second, "trunk up again", tr.Up)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	n := pings.Load()
	if err := s.Close(); err != nil { // idempotent
		t.Fatal(err)
	}
	time.Sleep(250 * time.Millisecond)
	if pings.Load() != n {
		t.Fatal("pinging after Close")
	}
}

// TestPingStatusCodes: any answer is life except 408 and 503.
func TestPingStatusCodes(t *testing.T) {
	var code atomic.Int64
	carrier := startUAS(t, "127.0.0.1:0", func(srv *sipgo.Server) {
		srv.OnOptions(func(req *sip.Request, tx sip.ServerTransaction) {
			respond(tx, req, int(code.Load()), "Whatever")
		})
	})
	c := newTestClient(t)
	s, err := NewSet([]Config{{Name: "p", Addresses: []string{carrier.addr}, Transport: "udp"}}, c.options())
	if err != nil {
		t.Fatal(err)
	}
	tr := s.Get("p")
	ctx := testCtx(t, 10*time.Second)
	for _, tc := range []struct {
		code int
		ok   bool
	}{{200, true}, {404, true}, {405, true}, {401, true}, {500, true}, {408, false}, {503, false}, {603, true}} {
		code.Store(int64(tc.code))
		err := tr.Ping(ctx)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrPing)) {
			t.Errorf("code %d: %v", tc.code, err)
		}
	}
	// The pinger state machine: down after OptionsFailures (3).
	for i := range 3 {
		tr.recordPing(ErrPing)
		if tr.Up() != (i < 2) {
			t.Fatalf("after %d failures up=%v", i+1, tr.Up())
		}
	}
	tr.recordPing(nil)
	if !tr.Up() || tr.Status().LastPingError != "" {
		t.Fatal("not up after a success")
	}
	// A cancelled context ends a ping at once.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := tr.Ping(cctx); err == nil {
		t.Fatal("ping with cancelled context succeeded")
	}
}

// TestNoPingAlwaysUp: without OptionsInterval no goroutine pings and the
// trunk stays up.
func TestNoPingAlwaysUp(t *testing.T) {
	s, err := NewSet([]Config{{Name: "quiet", Addresses: []string{"127.0.0.1:9"}}}, Options{Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	s.Start(context.Background())
	s.Start(context.Background()) // second Start is a no-op
	if !s.Get("quiet").Up() || !s.Get("quiet").Status().LastPing.IsZero() {
		t.Fatal("status")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s.Start(context.Background()) // after Close: nothing
}
