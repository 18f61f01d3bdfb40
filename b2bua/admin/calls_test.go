package admin

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

func seedCalls(fb *fakeBackend) time.Time {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	ans := t0.Add(3 * time.Second)
	fb.calls["c2"] = CallInfo{ID: "c2", Caller: "bob", Callee: "+4930123", CallerLeg: "wss 192.0.2.1:443",
		CalleeLeg: "udp 198.51.100.7:5060", Trunk: "carrier", State: StateAnswered, Start: t0.Add(time.Minute),
		Answered: &ans, CallerCallID: "a@x", CalleeCallID: "b@y", Codec: "PCMA"}
	fb.calls["c1"] = CallInfo{ID: "c1", Caller: "alice", Callee: "bob", State: StateRinging, Start: t0,
		CallerCallID: "c@x", CalleeCallID: "d@y"}
	return t0
}

func TestListCalls(t *testing.T) {
	e := newEnv(t, nil)
	r := e.get("/admin/calls")
	wantStatus(t, r, http.StatusOK)
	if got := strings.TrimSpace(string(r.body)); got != `{"calls":[]}` {
		t.Errorf("empty list: %s", got)
	}

	seedCalls(e.fb)
	r = e.get("/admin/calls")
	wantStatus(t, r, http.StatusOK)
	var list callList
	r.decode(t, &list)
	if len(list.Calls) != 2 || list.Calls[0].ID != "c1" || list.Calls[1].ID != "c2" {
		t.Fatalf("calls not oldest first: %+v", list.Calls)
	}
	if !reflect.DeepEqual(list.Calls[1], e.fb.calls["c2"]) {
		t.Errorf("round trip: got %+v, want %+v", list.Calls[1], e.fb.calls["c2"])
	}
}

func TestGetCall(t *testing.T) {
	e := newEnv(t, nil)
	seedCalls(e.fb)
	r := e.get("/admin/calls/c2")
	wantStatus(t, r, http.StatusOK)
	var c CallInfo
	r.decode(t, &c)
	if !reflect.DeepEqual(c, e.fb.calls["c2"]) {
		t.Errorf("got %+v", c)
	}

	r = e.get("/admin/calls/nope")
	wantStatus(t, r, http.StatusNotFound)
	if msg := r.errMsg(t); !strings.Contains(msg, `"nope"`) {
		t.Errorf("message %q", msg)
	}
}

func TestHangup(t *testing.T) {
	e := newEnv(t, nil)
	seedCalls(e.fb)

	wantStatus(t, e.del("/admin/calls/c1"), http.StatusNoContent)
	if got := e.fb.hungUp["c1"]; got != DefaultHangupReason {
		t.Errorf("reason %q", got)
	}
	wantStatus(t, e.get("/admin/calls/c1"), http.StatusNotFound)
	wantStatus(t, e.del("/admin/calls/c1"), http.StatusNotFound)

	wantStatus(t, e.del("/admin/calls/c2?reason="+url.QueryEscape("maintenance window")), http.StatusNoContent)
	if got := e.fb.hungUp["c2"]; got != "maintenance window" {
		t.Errorf("reason %q", got)
	}
	if !strings.Contains(e.logs.String(), "call hung up") {
		t.Error("hangup not logged")
	}
}

func TestHangupBadReason(t *testing.T) {
	e := newEnv(t, nil)
	seedCalls(e.fb)
	for _, reason := range []string{"", "a\r\nX-Injected: 1", `say "hi"`, `back\slash`, "tab\there",
		"caf\u00e9", strings.Repeat("x", maxReasonLen+1)} {
		r := e.del("/admin/calls/c1?reason=" + url.QueryEscape(reason))
		wantStatus(t, r, http.StatusBadRequest)
		r.errMsg(t)
	}
	if len(e.fb.hungUp) != 0 {
		t.Errorf("backend hung up despite bad reason: %v", e.fb.hungUp)
	}
	wantStatus(t, e.del("/admin/calls/c1?reason="+strings.Repeat("x", maxReasonLen)), http.StatusNoContent)
}

func TestHangupBackendFailure(t *testing.T) {
	e := newEnv(t, nil)
	seedCalls(e.fb)
	e.fb.hangupErr = fmt.Errorf("hangup: %w", errStore)
	r := e.del("/admin/calls/c1")
	wantStatus(t, r, http.StatusInternalServerError)
	if msg := r.errMsg(t); !strings.Contains(msg, "store unavailable") {
		t.Errorf("message %q", msg)
	}
	if !strings.Contains(e.logs.String(), "backend failure") {
		t.Error("failure not logged")
	}
}

func TestCallInfoJSONNames(t *testing.T) {
	fb := newFake()
	seedCalls(fb)
	got := jsonKeys(t, fb.calls["c2"])
	want := []string{"answered", "callee", "callee_call_id", "callee_leg", "caller", "caller_call_id",
		"caller_leg", "codec", "id", "start", "state", "trunk"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("keys %v, want %v", got, want)
	}
	got = jsonKeys(t, fb.calls["c1"])
	want = []string{"callee", "callee_call_id", "callee_leg", "caller", "caller_call_id",
		"caller_leg", "id", "start", "state"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("keys without optional fields %v, want %v", got, want)
	}
}
