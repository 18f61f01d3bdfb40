package admin

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRegistrations(t *testing.T) {
	e := newEnv(t, nil)
	r := e.get("/admin/registrations")
	wantStatus(t, r, http.StatusOK)
	if got := strings.TrimSpace(string(r.body)); got != `{"registrations":[]}` {
		t.Errorf("empty list: %s", got)
	}

	exp := time.Date(2025, 3, 1, 13, 0, 0, 0, time.UTC)
	e.fb.regs = []Registration{
		{AOR: "sip:bob@example.com", Contact: "sip:bob@192.0.2.9:5060", Transport: "UDP", Source: "192.0.2.9:5060",
			UserAgent: "phone/1", Expires: exp},
		{AOR: "sip:alice@example.com", Contact: "sip:x@df7jal23ls0d.invalid;transport=ws", Transport: "WSS",
			Source: "192.0.2.1:40000", UserAgent: "SIP.js", Expires: exp, InstanceID: "<urn:uuid:1>"},
	}
	r = e.get("/admin/registrations")
	wantStatus(t, r, http.StatusOK)
	var list registrationList
	r.decode(t, &list)
	if len(list.Registrations) != 2 || !reflect.DeepEqual(list.Registrations[0], e.fb.regs[1]) {
		t.Errorf("list: %+v", list.Registrations)
	}
	if e.fb.lastRegUser != "" {
		t.Errorf("filter %q for all", e.fb.lastRegUser)
	}

	r = e.get("/admin/registrations?user=bob")
	wantStatus(t, r, http.StatusOK)
	r.decode(t, &list)
	if len(list.Registrations) != 1 || list.Registrations[0].AOR != "sip:bob@example.com" || e.fb.lastRegUser != "bob" {
		t.Errorf("filtered: %+v (filter %q)", list.Registrations, e.fb.lastRegUser)
	}

	wantStatus(t, e.get("/admin/registrations?user="+strings.Repeat("u", maxUserQuery+1)), http.StatusBadRequest)

	e.fb.regsErr = fmt.Errorf("location: %w", errStore)
	wantStatus(t, e.get("/admin/registrations"), http.StatusInternalServerError)

	want := []string{"aor", "contact", "expires", "instance_id", "source", "transport", "user_agent"}
	if got := jsonKeys(t, e.fb.regs[1]); !reflect.DeepEqual(got, want) {
		t.Errorf("keys %v", got)
	}
}

func TestTrunks(t *testing.T) {
	e := newEnv(t, nil)
	r := e.get("/admin/trunks")
	wantStatus(t, r, http.StatusOK)
	if got := strings.TrimSpace(string(r.body)); got != `{"trunks":[]}` {
		t.Errorf("empty list: %s", got)
	}

	ping := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	e.fb.trunks = []TrunkStatus{
		{Name: "zeta", Up: false, LastPingError: "timeout"},
		{Name: "alpha", Up: true, ActiveCalls: 3, LastPing: &ping,
			Registration: TrunkRegistration{Enabled: true, State: "registered", Expires: &ping}},
	}
	r = e.get("/admin/trunks")
	wantStatus(t, r, http.StatusOK)
	var list trunkList
	r.decode(t, &list)
	if len(list.Trunks) != 2 || !reflect.DeepEqual(list.Trunks[0], e.fb.trunks[1]) || list.Trunks[1].Name != "zeta" {
		t.Errorf("list: %+v", list.Trunks)
	}
	if got, want := jsonKeys(t, e.fb.trunks[1]), []string{"active_calls", "last_ping", "name", "registration", "up"}; !reflect.DeepEqual(got, want) {
		t.Errorf("keys %v", got)
	}
	if got, want := jsonKeys(t, e.fb.trunks[1].Registration), []string{"enabled", "expires", "state"}; !reflect.DeepEqual(got, want) {
		t.Errorf("registration keys %v", got)
	}
}

func TestReload(t *testing.T) {
	e := newEnv(t, nil)
	wantStatus(t, e.do(http.MethodPost, "/admin/reload", nil, nil), http.StatusNoContent)
	if e.fb.reloads != 1 {
		t.Errorf("reloads %d", e.fb.reloads)
	}
	if !strings.Contains(e.logs.String(), "configuration reloaded") {
		t.Error("reload not logged")
	}

	e.fb.reloadErr = fmt.Errorf("%w: routing.yaml line 3: bad pattern", ErrInvalid)
	r := e.do(http.MethodPost, "/admin/reload", nil, nil)
	wantStatus(t, r, http.StatusInternalServerError)
	if msg := r.errMsg(t); !strings.Contains(msg, "line 3: bad pattern") {
		t.Errorf("message %q", msg)
	}
}

func TestOpenAPIServed(t *testing.T) {
	e := newEnv(t, nil)
	r := e.get("/admin/openapi.json")
	wantStatus(t, r, http.StatusOK)
	if string(r.body) != string(openAPIDoc) {
		t.Error("served document differs from the embedded one")
	}
	doc := OpenAPI()
	doc[0] = 'X'
	if openAPIDoc[0] == 'X' {
		t.Error("OpenAPI returned the embedded slice itself")
	}
}

func TestConcurrentRequests(t *testing.T) {
	e := newEnv(t, nil)
	seedCalls(e.fb)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("user%d", g)
			for i := range 20 {
				if ctx.Err() != nil {
					return
				}
				for _, req := range []struct {
					method, path, body string
					want               int
				}{
					{http.MethodPut, "/admin/users/" + name, `{"password":"x","max_calls":` + fmt.Sprint(i) + `}`, 0},
					{http.MethodGet, "/admin/users", "", http.StatusOK},
					{http.MethodGet, "/admin/calls", "", http.StatusOK},
					{http.MethodPost, "/admin/reload", "", http.StatusNoContent},
				} {
					hreq, _ := http.NewRequestWithContext(ctx, req.method, e.srv.URL+req.path, strings.NewReader(req.body))
					hreq.Header.Set("Authorization", "Bearer "+testToken)
					hreq.Header.Set("Content-Type", "application/json")
					resp, err := e.client.Do(hreq)
					if err != nil {
						errs <- err
						return
					}
					resp.Body.Close()
					if req.want != 0 && resp.StatusCode != req.want {
						errs <- fmt.Errorf("%s %s: %d", req.method, req.path, resp.StatusCode)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(e.fb.users) != 8 || e.fb.reloads != 8*20 {
		t.Errorf("users %d reloads %d", len(e.fb.users), e.fb.reloads)
	}
}
