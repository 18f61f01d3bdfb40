package trunk

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callgate/callgate/b2bua/sipauth"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// regRecord is one REGISTER seen by the test registrar.
type regRecord struct {
	at         time.Time
	callID     string
	cseq       uint32
	fromTag    string
	expires    string
	authorized bool
	req        *sip.Request
}

// testRegistrar challenges every unauthenticated REGISTER and grants
// grant seconds in the Contact's expires parameter (and a different value
// in the Expires header, which must be ignored).
type testRegistrar struct {
	uas   *testUAS
	auth  *sipauth.Authenticator
	grant int

	mu   sync.Mutex
	regs []regRecord
}

func startRegistrar(t *testing.T, grant int) *testRegistrar {
	r := &testRegistrar{
		auth:  sipauth.New(sipauth.Config{Realm: "carrier.example", Algorithms: []sipauth.Algorithm{sipauth.SHA256, sipauth.MD5}, Logger: testLogger()}),
		grant: grant,
	}
	r.uas = startUAS(t, "127.0.0.1:0", func(srv *sipgo.Server) { srv.OnRegister(r.handle) })
	return r
}

func (r *testRegistrar) handle(req *sip.Request, tx sip.ServerTransaction) {
	rec := regRecord{at: time.Now(), callID: req.CallID().Value(), cseq: req.CSeq().SeqNo,
		fromTag: req.From().Params.GetOr("tag", ""), req: req}
	if h := req.GetHeader("Expires"); h != nil {
		rec.expires = h.Value()
	}
	h := req.GetHeader("Authorization")
	if h != nil {
		_, err := r.auth.Verify("REGISTER", h.Value(), func(u string) (sipauth.Secret, bool) {
			return sipauth.Secret{Password: "trunk-pw"}, u == "acct"
		})
		rec.authorized = err == nil
	}
	r.mu.Lock()
	r.regs = append(r.regs, rec)
	r.mu.Unlock()
	if !rec.authorized {
		var hs []sip.Header
		for _, c := range r.auth.Challenge(false) {
			hs = append(hs, sip.NewHeader("WWW-Authenticate", c))
		}
		respond(tx, req, 401, "Unauthorized", hs...)
		return
	}
	exp := r.grant
	if rec.expires == "0" {
		exp = 0
	}
	ct := req.Contact().Clone()
	ct.Params = sip.NewParams()
	ct.Params.Add("expires", strconv.Itoa(exp))
	other := &sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "other-device", Host: "192.0.2.200"}, Params: sip.HeaderParams{{K: "expires", V: "3000"}}}
	respond(tx, req, 200, "OK", other, ct, sip.NewHeader("Expires", "3600"))
}

func (r *testRegistrar) records() []regRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]regRecord(nil), r.regs...)
}

// TestRegisterRefreshAndUnregister: the trunk answers the digest
// challenge, takes the 2 s granted in its Contact's expires, refreshes
// before expiry with the same Call-ID and increasing CSeq, and removes
// the binding at Close.
func TestRegisterRefreshAndUnregister(t *testing.T) {
	reg := startRegistrar(t, 2)
	c := newTestClient(t)
	s, err := NewSet([]Config{{
		Name: "reg", Addresses: []string{reg.uas.addr}, Domain: "carrier.example",
		Username: "acct", Password: "trunk-pw",
		Register: RegisterConfig{Enabled: true, Expiry: time.Minute, ContactUser: "gw-in", Timeout: time.Second, RetryMin: 300 * time.Millisecond},
	}}, c.options())
	if err != nil {
		t.Fatal(err)
	}
	tr := s.Get("reg")
	s.Start(testCtx(t, 30*time.Second))
	eventually(t, 10*time.Second, "two refreshes", func() bool { return tr.Status().Registration.Refreshes >= 2 })
	st := tr.Status().Registration
	if st.State != RegRegistered || st.LastError != "" || time.Until(st.Expires) > 2*time.Second || time.Until(st.Expires) <= 0 {
		t.Fatalf("status %+v", st)
	}
	if s.MatchContactUser("gw-in") != tr {
		t.Fatal("MatchContactUser")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if st := tr.Status().Registration; st.State != RegOff || !st.Expires.IsZero() {
		t.Fatalf("after Close: %+v", st)
	}

	recs := reg.records()
	if len(recs) < 6 {
		t.Fatalf("%d REGISTERs", len(recs))
	}
	var lastGrant time.Time
	for i, r := range recs {
		if r.callID != recs[0].callID || r.fromTag != recs[0].fromTag {
			t.Errorf("REGISTER %d: Call-ID or From tag changed", i)
		}
		if i > 0 && r.cseq <= recs[i-1].cseq {
			t.Errorf("REGISTER %d: CSeq %d after %d", i, r.cseq, recs[i-1].cseq)
		}
		// Authorized REGISTERs alternate with challenged ones.
		if r.authorized != (i%2 == 1) {
			t.Errorf("REGISTER %d: authorized=%v", i, r.authorized)
		}
		last := i == len(recs)-1
		if (r.expires == "0") != (last || i == len(recs)-2) {
			t.Errorf("REGISTER %d: Expires %s", i, r.expires)
		}
		if !last && r.expires != "0" && r.expires != "60" {
			t.Errorf("REGISTER %d: Expires %s", i, r.expires)
		}
		if r.authorized && r.expires != "0" {
			if !lastGrant.IsZero() && r.at.Sub(lastGrant) >= 2*time.Second {
				t.Errorf("refresh %d came %v after the previous grant of 2 s", i, r.at.Sub(lastGrant))
			}
			lastGrant = r.at
		}
	}
	req := recs[1].req
	ct := req.Contact()
	if req.Recipient.String() != "sip:carrier.example" || req.To().Address.String() != "sip:acct@carrier.example" ||
		req.From().Address.String() != "sip:acct@carrier.example" || ct == nil ||
		ct.Address.String() != "sip:gw-in@127.0.0.1:"+strconv.Itoa(c.addr.Port)+";transport=udp" ||
		req.GetHeader("User-Agent").Value() != "trunk-test" || req.MaxForwards().Val() != 70 ||
		!strings.Contains(req.Via().Value(), ";rport") || req.Via().Params.GetOr("branch", "") == recs[0].req.Via().Params.GetOr("branch", "") {
		t.Fatalf("REGISTER:\n%s", req)
	}
	if v := req.GetHeader("Authorization").Value(); strings.Contains(v, "trunk-pw") {
		t.Fatal("password on the wire")
	}
}

// TestRegisterRejectedCredentials: a registrar that refuses the
// credentials puts the registration into "failing", retried with back-off.
func TestRegisterRejectedCredentials(t *testing.T) {
	reg := startRegistrar(t, 30)
	c := newTestClient(t)
	s, err := NewSet([]Config{{
		Name: "bad", Addresses: []string{reg.uas.addr}, Domain: "carrier.example",
		Username: "acct", Password: "wrong",
		Register: RegisterConfig{Enabled: true, Timeout: time.Second, RetryMin: 50 * time.Millisecond, RetryMax: 100 * time.Millisecond},
	}}, c.options())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tr := s.Get("bad")
	s.Start(testCtx(t, 30*time.Second))
	eventually(t, 5*time.Second, "failing", func() bool {
		st := tr.Status().Registration
		return st.State == RegFailing && strings.Contains(st.LastError, "refused the credentials")
	})
	eventually(t, 5*time.Second, "retries", func() bool { return len(reg.records()) >= 6 })
	if strings.Contains(tr.Status().Registration.LastError, "wrong") {
		t.Fatal("password in error")
	}
	if err := s.Close(); err != nil { // nothing registered: no unREGISTER
		t.Fatal(err)
	}
}

// TestRegisterIntervalTooBrief: 423 with Min-Expires is retried with that
// expiry (RFC 3261 §10.2.8); without credentials a trunk is registered
// without challenge.
func TestRegisterIntervalTooBrief(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	carrier := startUAS(t, "127.0.0.1:0", func(srv *sipgo.Server) {
		srv.OnRegister(func(req *sip.Request, tx sip.ServerTransaction) {
			exp := req.GetHeader("Expires").Value()
			mu.Lock()
			seen = append(seen, exp)
			mu.Unlock()
			if n, _ := strconv.Atoi(exp); n > 0 && n < 1800 {
				respond(tx, req, 423, "Interval Too Brief", sip.NewHeader("Min-Expires", "1800"))
				return
			}
			respond(tx, req, 200, "OK", sip.NewHeader("Expires", exp))
		})
	})
	c := newTestClient(t)
	s, err := NewSet([]Config{{
		Name: "ipauth", Addresses: []string{carrier.addr}, Username: "acct",
		Register: RegisterConfig{Enabled: true, Expiry: 300 * time.Second},
	}}, c.options())
	if err != nil {
		t.Fatal(err)
	}
	tr := s.Get("ipauth")
	s.Start(testCtx(t, 30*time.Second))
	eventually(t, 5*time.Second, "registered", func() bool { return tr.Status().Registration.State == RegRegistered })
	if until := time.Until(tr.Status().Registration.Expires); until < 1700*time.Second {
		t.Fatalf("granted %v", until)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(seen, ",") != "300,1800,0" {
		t.Fatalf("Expires sequence %v", seen)
	}
}

func TestGrantedExpiry(t *testing.T) {
	ours := sip.Uri{Scheme: "sip", User: "gw", Host: "127.0.0.1", Port: 5060}
	mk := func(hdrs ...string) *sip.Response {
		res := sip.NewResponse(200, "OK")
		for _, h := range hdrs {
			name, v, _ := strings.Cut(h, ": ")
			if name == "Contact" {
				var ch sip.ContactHeader
				ch.DisplayName, _ = sip.ParseAddressValue(v, &ch.Address, &ch.Params)
				res.AppendHeader(&ch)
				continue
			}
			res.AppendHeader(sip.NewHeader(name, v))
		}
		return res
	}
	for _, tc := range []struct {
		res  *sip.Response
		want time.Duration
	}{
		{mk("Contact: <sip:gw@127.0.0.1>;expires=120", "Expires: 10"), 120 * time.Second},
		{mk("Contact: <sip:other@127.0.0.1>;expires=5", "Contact: <sip:gw@127.0.0.1:5060;transport=udp>;expires=90"), 90 * time.Second},
		{mk("Contact: <sip:rewritten@198.51.100.1:4000>;expires=45"), 45 * time.Second}, // the only binding
		{mk("Contact: <sip:other@127.0.0.1>;expires=5", "Contact: <sip:x@127.0.0.1>;expires=6", "Expires: 77"), 77 * time.Second},
		{mk("Expires: 33"), 33 * time.Second},
		{mk("Contact: <sip:gw@127.0.0.1>;expires=junk"), 600 * time.Second},
		{mk(), 600 * time.Second},
	} {
		if got := grantedExpiry(tc.res, ours, 600*time.Second); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.res, got, tc.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	s, err := NewSet([]Config{{Name: "b", Addresses: []string{"192.0.2.1"}, Username: "u", Password: "p",
		Register: RegisterConfig{Enabled: true, RetryMin: time.Second, RetryMax: 10 * time.Second}}},
		Options{Logger: testLogger(), Client: newNopClient(t)})
	if err != nil {
		t.Fatal(err)
	}
	r := s.Get("b").reg
	prev := time.Duration(0)
	for i := range 8 {
		d := r.failed(ErrRegister)
		if d < time.Second || d > 10*time.Second {
			t.Fatalf("attempt %d: back-off %v", i, d)
		}
		if i >= 5 && d < 8*time.Second { // capped region, -20% jitter
			t.Fatalf("attempt %d: back-off %v below cap", i, d)
		}
		if i > 0 && i < 3 && d < prev/2 {
			t.Fatalf("attempt %d: back-off %v after %v", i, d, prev)
		}
		prev = d
	}
	r.mu.Lock()
	r.retryAfter = 9 * time.Second
	r.fails = 0
	r.mu.Unlock()
	if d := r.failed(ErrRegister); d < 9*time.Second {
		t.Fatalf("Retry-After ignored: %v", d)
	}
	if d := r.succeeded(900 * time.Millisecond); d != time.Second {
		t.Fatalf("refresh delay %v", d)
	}
	if d := r.succeeded(600 * time.Second); d != 300*time.Second {
		t.Fatalf("refresh delay %v", d)
	}
}
