package b2bua_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/callgate/callgate/b2bua"
	"github.com/callgate/callgate/b2bua/accounts"
	"github.com/callgate/callgate/b2bua/admin"
	"github.com/callgate/callgate/b2bua/trunk"
)

const adminToken = "test-admin-token-0123456789"

// adminAPI serves the gateway's admin API on a loopback HTTP server.
func adminAPI(t *testing.T, g *gateway, reload func(context.Context) error) *httptest.Server {
	t.Helper()
	h, err := admin.New(admin.Config{Token: adminToken, Logger: testLogger()}, g.srv.AdminBackend(reload))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// adminDo sends one request with the token and decodes a JSON answer.
func adminDo(t *testing.T, srv *httptest.Server, method, path string, body any, out any) int {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, srv.URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if out != nil && res.StatusCode < 300 && res.StatusCode != 204 {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return res.StatusCode
}

// TestAdminCreatesUserAndHangsUpItsCall: a user created through the API
// registers and calls; the API lists and hangs up the call; requests
// without the token get 401; the user survives a restart of its store.
func TestAdminCreatesUserAndHangsUpItsCall(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "users.db")
	store, err := accounts.OpenBolt(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	g := startGateway(t, func(c *b2bua.Config) {
		c.Media.BindIP = loopbackIP
		c.Accounts = store
	})
	api := adminAPI(t, g, nil)

	res, err := api.Client().Get(api.URL + "/admin/calls")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Fatalf("without a token: %d, want 401", res.StatusCode)
	}

	if code := adminDo(t, api, "PUT", "/admin/users/2000", admin.User{Password: "pw-2000-secret"}, nil); code != 201 {
		t.Fatalf("create user: %d", code)
	}
	var u admin.User
	if code := adminDo(t, api, "GET", "/admin/users/2000", nil, &u); code != 200 || u.Name != "2000" || u.Password != "" {
		t.Fatalf("get user: %d %+v", code, u)
	}
	if code := adminDo(t, api, "PUT", "/admin/users/1000", admin.User{Password: "x"}, nil); code != 400 {
		t.Fatalf("changing a configured user: %d, want 400", code)
	}

	carol := newDeskPhone(t, g, "2000")
	carol.pass = "pw-2000-secret"
	carol.register()
	var regs struct{ Registrations []admin.Registration }
	if code := adminDo(t, api, "GET", "/admin/registrations?user=2000", nil, &regs); code != 200 || len(regs.Registrations) != 1 {
		t.Fatalf("registrations: %d %+v", code, regs)
	}
	bob := newDeskPhone(t, g, "1001")
	bob.register()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sess, code, err := carol.call(ctx, "1001", carol.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("call from the new user: %d %v", code, err)
	}
	_ = sess.Ack(ctx)
	var calls struct{ Calls []admin.CallInfo }
	if code := adminDo(t, api, "GET", "/admin/calls", nil, &calls); code != 200 || len(calls.Calls) != 1 {
		t.Fatalf("calls: %d %+v", code, calls)
	}
	call := calls.Calls[0]
	if call.Caller != "2000" || call.Callee != "1001" || call.State != admin.StateAnswered || call.Codec != "PCMU" {
		t.Fatalf("call info: %+v", call)
	}
	if code := adminDo(t, api, "DELETE", "/admin/calls/"+call.ID, nil, nil); code != 204 {
		t.Fatalf("hang up: %d", code)
	}
	wait(t, bob.byes, 3*time.Second, "BYE at the callee")
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
	if code := adminDo(t, api, "DELETE", "/admin/calls/"+call.ID, nil, nil); code != 404 {
		t.Fatalf("hang up an ended call: %d, want 404", code)
	}

	// The account is in the file: a second store sees it after the first
	// one is closed with the gateway.
	_ = g.srv.Shutdown(context.Background())
	again, err := accounts.OpenBolt(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	all, err := again.All()
	if err != nil || len(all) != 1 || all[0].Name != "2000" || all[0].HA1MD5 == "" {
		t.Fatalf("stored accounts: %+v %v", all, err)
	}
}

// TestReloadKeepsCallInProgress: a reload that adds a trunk and changes a
// user's policy leaves an established call up, and the new routing works.
func TestReloadKeepsCallInProgress(t *testing.T) {
	var cfg b2bua.Config
	g := startGateway(t, func(c *b2bua.Config) {
		c.Media.BindIP = loopbackIP
		cfg = *c
	})
	alice := newDeskPhone(t, g, "1000")
	bob := newDeskPhone(t, g, "1001")
	bob.register()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sess, code, err := alice.call(ctx, "1001", alice.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("call: %d %v", code, err)
	}
	_ = sess.Ack(ctx)

	carrier := newCarrier(t, "127.0.0.2", 200)
	next := cfg
	next.Routing.Trunks = []trunk.Config{carrierTrunk("carrier", carrier.addr)}
	next.Routing.Dialplan = []trunk.Rule{nationalRule("carrier")}
	api := adminAPI(t, g, func(context.Context) error { return g.srv.Reload(next) })
	if code := adminDo(t, api, "POST", "/admin/reload", nil, nil); code != 204 {
		t.Fatalf("reload: %d", code)
	}
	var trunks struct{ Trunks []admin.TrunkStatus }
	if code := adminDo(t, api, "GET", "/admin/trunks", nil, &trunks); code != 200 || len(trunks.Trunks) != 1 || !trunks.Trunks[0].Up {
		t.Fatalf("trunks after reload: %d %+v", code, trunks)
	}
	// The established call still carries media both ways.
	phoneEchoCheckTo(t, alice, bob, sess.InviteResponse.Body())
	if g.srv.ActiveCalls() != 1 {
		t.Fatal("the call did not survive the reload")
	}
	// New routing is live.
	sess2, code, err := bob.call(ctx, "030123456", bob.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("trunk call after reload: %d %v", code, err)
	}
	_ = sess2.Ack(ctx)
	_ = sess2.Bye(ctx)
	_ = sess.Bye(ctx)
	eventually(t, 3*time.Second, "calls end", func() bool { return g.srv.ActiveCalls() == 0 })

	// A broken configuration is refused and changes nothing.
	broken := next
	broken.Routing.Dialplan = []trunk.Rule{{Name: "bad", Prefix: "0", Trunks: []string{"nowhere"}}}
	if err := g.srv.Reload(broken); err == nil {
		t.Fatal("a dialplan naming an unknown trunk was accepted")
	}
	if len(g.srv.TrunkStatus()) != 1 {
		t.Fatal("a refused reload changed the trunks")
	}
}
