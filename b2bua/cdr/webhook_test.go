package cdr

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// hookServer is a loopback webhook receiver recording what it gets.
type hookServer struct {
	*httptest.Server

	mu       sync.Mutex
	requests []received
	// respond chooses the status for the n-th request (1-based); nil
	// means 204.
	respond func(n int, r *http.Request) int
}

type received struct {
	header http.Header
	body   []byte
}

func newHookServer(t *testing.T, respond func(n int, r *http.Request) int) *hookServer {
	t.Helper()
	h := &hookServer{respond: respond}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.requests = append(h.requests, received{r.Header.Clone(), body})
		n := len(h.requests)
		h.mu.Unlock()
		status := http.StatusNoContent
		if h.respond != nil {
			status = h.respond(n, r)
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookServer) got() []received {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]received(nil), h.requests...)
}

func TestWebhookSignedEvents(t *testing.T) {
	srv := newHookServer(t, nil)
	const secret = "topsecret"
	r := openTest(t, Config{Webhook: WebhookConfig{URL: srv.URL + "/hook?token=abc", Secret: secret}})

	r.Event(Event{Type: EventRinging, Time: t0, CallID: "c1", Caller: "alice", Callee: "bob"})
	r.Event(Event{Type: EventAnswered, CallID: "c1", Caller: "alice", Callee: "bob"})
	if err := r.Write(sampleRecord("c1", t0)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "three deliveries", func() bool { return r.Stats().WebhookDelivered == 3 })

	reqs := srv.got()
	wantTypes := []string{EventRinging, EventAnswered, EventEnded}
	ids := map[string]bool{}
	for i, req := range reqs {
		h := req.header
		if h.Get("Content-Type") != "application/json" {
			t.Errorf("content type %q", h.Get("Content-Type"))
		}
		if h.Get(HeaderEvent) != wantTypes[i] {
			t.Errorf("request %d event %q, want %q (order)", i, h.Get(HeaderEvent), wantTypes[i])
		}
		ts, err := strconv.ParseInt(h.Get(HeaderTimestamp), 10, 64)
		if err != nil || time.Since(time.Unix(ts, 0)).Abs() > time.Minute {
			t.Errorf("timestamp %q", h.Get(HeaderTimestamp))
		}
		if !Verify(secret, h.Get(HeaderTimestamp), req.body, h.Get(HeaderSignature)) {
			t.Errorf("request %d: signature %q does not verify", i, h.Get(HeaderSignature))
		}
		if want := Sign(secret, ts, req.body); h.Get(HeaderSignature) != want {
			t.Errorf("signature %q, want %q", h.Get(HeaderSignature), want)
		}
		if Verify("wrong", h.Get(HeaderTimestamp), req.body, h.Get(HeaderSignature)) {
			t.Error("signature verifies with the wrong secret")
		}
		ids[h.Get(HeaderDelivery)] = true

		var ev Event
		if err := json.Unmarshal(req.body, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Type != wantTypes[i] || ev.CallID != "c1" || ev.Caller != "alice" || ev.Time.IsZero() {
			t.Errorf("event %+v", ev)
		}
		if (ev.Record != nil) != (ev.Type == EventEnded) {
			t.Errorf("%s event record %v", ev.Type, ev.Record)
		}
	}
	if len(ids) != 3 {
		t.Errorf("delivery IDs not distinct: %v", ids)
	}
	var ended Event
	_ = json.Unmarshal(reqs[2].body, &ended)
	if ended.Record == nil || ended.Record.CallID != "c1" || ended.Record.DurationMs != 90_000 || !ended.Time.Equal(t0) {
		t.Errorf("ended event %+v", ended)
	}
	var first Event
	_ = json.Unmarshal(reqs[0].body, &first)
	if !first.Time.Equal(t0) {
		t.Errorf("ringing time %v", first.Time)
	}
}

func TestWebhookUnsigned(t *testing.T) {
	srv := newHookServer(t, nil)
	r := openTest(t, Config{Webhook: WebhookConfig{URL: srv.URL}})
	r.Event(Event{Type: EventRinging, CallID: "c"})
	waitFor(t, "delivery", func() bool { return r.Stats().WebhookDelivered == 1 })
	if sig := srv.got()[0].header.Get(HeaderSignature); sig != "" {
		t.Errorf("unsigned webhook sent signature %q", sig)
	}
}

func TestWebhookRetriesAfter503(t *testing.T) {
	srv := newHookServer(t, func(n int, _ *http.Request) int {
		switch n {
		case 1, 2:
			return http.StatusServiceUnavailable
		case 3:
			return http.StatusTooManyRequests
		}
		return http.StatusOK
	})
	r := openTest(t, Config{Webhook: WebhookConfig{URL: srv.URL, Secret: "k", Backoff: time.Millisecond}})
	r.Event(Event{Type: EventRinging, CallID: "c"})
	waitFor(t, "delivery", func() bool { return r.Stats().WebhookDelivered == 1 })
	reqs := srv.got()
	if len(reqs) != 4 {
		t.Fatalf("%d attempts, want 4", len(reqs))
	}
	id := reqs[0].header.Get(HeaderDelivery)
	for _, req := range reqs {
		if req.header.Get(HeaderDelivery) != id || string(req.body) != string(reqs[0].body) {
			t.Error("retry changed delivery ID or body")
		}
		if !Verify("k", req.header.Get(HeaderTimestamp), req.body, req.header.Get(HeaderSignature)) {
			t.Error("retry signature does not verify")
		}
	}
	if s := r.Stats(); s.WebhookFailed != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestWebhookGivesUpAfterRetries(t *testing.T) {
	srv := newHookServer(t, func(int, *http.Request) int { return http.StatusBadGateway })
	r := openTest(t, Config{Webhook: WebhookConfig{URL: srv.URL, Retries: 2, Backoff: time.Millisecond}})
	r.Event(Event{Type: EventRinging, CallID: "c"})
	waitFor(t, "failure", func() bool { return r.Stats().WebhookFailed == 1 })
	if n := len(srv.got()); n != 3 {
		t.Errorf("%d attempts, want 1 + 2 retries", n)
	}
}

func TestWebhookNoRetryOn400(t *testing.T) {
	srv := newHookServer(t, func(int, *http.Request) int { return http.StatusBadRequest })
	r := openTest(t, Config{Webhook: WebhookConfig{URL: srv.URL, Backoff: time.Millisecond}})
	r.Event(Event{Type: EventRinging, CallID: "c1"})
	r.Event(Event{Type: EventRinging, CallID: "c2"})
	waitFor(t, "failures", func() bool { return r.Stats().WebhookFailed == 2 })
	if n := len(srv.got()); n != 2 {
		t.Errorf("%d attempts for 2 events, want 2", n)
	}
}

func TestWebhookRetriesNetworkErrors(t *testing.T) {
	// A server that is closed at once: connections are refused.
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	r := openTest(t, Config{Webhook: WebhookConfig{URL: url, Retries: 2, Backoff: time.Millisecond, Timeout: time.Second}})
	r.Event(Event{Type: EventRinging, CallID: "c"})
	waitFor(t, "failure", func() bool { return r.Stats().WebhookFailed == 1 })
}

func TestWebhookDropsWhenFull(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	srv := newHookServer(t, func(n int, r *http.Request) int {
		if n == 1 {
			entered <- struct{}{}
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		return http.StatusOK
	})
	r := openTest(t, Config{Webhook: WebhookConfig{URL: srv.URL, QueueSize: 2}})
	r.Event(Event{Type: EventRinging, CallID: "in-flight"})
	<-entered
	for i := range 7 {
		r.Event(Event{Type: EventRinging, CallID: strconv.Itoa(i)})
	}
	if s := r.Stats(); s.WebhookDropped != 5 || s.WebhookQueued != 2 {
		t.Fatalf("stats while blocked %+v, want 5 dropped, 2 queued", s)
	}
	close(release)
	waitFor(t, "queued deliveries", func() bool { return r.Stats().WebhookDelivered == 3 })
}

func TestCloseDrainsQueue(t *testing.T) {
	srv := newHookServer(t, nil)
	r, err := Open(Config{Webhook: WebhookConfig{URL: srv.URL}, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	const n = 50
	for i := range n {
		r.Event(Event{Type: EventRinging, CallID: strconv.Itoa(i)})
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if s := r.Stats(); s.WebhookDelivered != n || s.WebhookDropped != 0 {
		t.Fatalf("after Close: %+v", s)
	}
	if len(srv.got()) != n {
		t.Fatalf("server got %d", len(srv.got()))
	}
	// Events after Close are dropped.
	r.Event(Event{Type: EventRinging})
	if r.Stats().WebhookDropped != 1 {
		t.Error("event after Close not counted as dropped")
	}
}

func TestCloseDrainIsBounded(t *testing.T) {
	srv := newHookServer(t, func(_ int, r *http.Request) int {
		<-r.Context().Done() // never answers while the client waits
		return http.StatusOK
	})
	r, err := Open(Config{Webhook: WebhookConfig{URL: srv.URL, DrainTimeout: 100 * time.Millisecond, Timeout: time.Minute}, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		r.Event(Event{Type: EventRinging, CallID: strconv.Itoa(i)})
	}
	start := time.Now()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Close took %v", d)
	}
	if s := r.Stats(); s.WebhookDropped != 5 || s.WebhookDelivered != 0 {
		t.Fatalf("after bounded drain: %+v", s)
	}
}

func TestVerifyRejects(t *testing.T) {
	body := []byte(`{"type":"ringing"}`)
	sig := Sign("k", 1700000000, body)
	for _, tc := range []struct{ ts, sig string }{
		{"1700000001", sig},
		{"abc", sig},
		{"1700000000", sig[len("sha256="):]},
		{"1700000000", "sha256=zz"},
		{"1700000000", "sha1=" + sig[len("sha256="):]},
	} {
		if Verify("k", tc.ts, body, tc.sig) {
			t.Errorf("Verify accepted ts %q sig %q", tc.ts, tc.sig)
		}
	}
	if !Verify("k", "1700000000", body, sig) {
		t.Error("Verify rejected a valid signature")
	}
	if Verify("k", "1700000000", append(body, ' '), sig) {
		t.Error("Verify accepted a changed body")
	}
}

func TestSignKnownAnswer(t *testing.T) {
	body := []byte(`{"type":"ended"}`)
	m := hmac.New(sha256.New, []byte("secret"))
	m.Write([]byte("1700000000." + string(body)))
	want := "sha256=" + hex.EncodeToString(m.Sum(nil))
	if got := Sign("secret", 1700000000, body); got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}
