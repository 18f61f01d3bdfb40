package b2bua_test

import (
	"crypto/tls"
	"net"
	"testing"

	"github.com/callgate/callgate/b2bua"
	"github.com/callgate/callgate/wsgw/wsgwtest"
	"github.com/emiago/sipgo"
)

func TestRegisterOverTLS(t *testing.T) {
	cert, pool := wsgwtest.SelfSigned(t)
	g := startGateway(t, func(c *b2bua.Config) {
		c.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := g.srv.ServeTLS(l); err != nil {
		t.Fatal(err)
	}
	ua, err := sipgo.NewUA(sipgo.WithUserAgenTLSConfig(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}))
	if err != nil {
		t.Fatal(err)
	}
	c, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(); _ = ua.Close() })
	p := &sipPhone{ua: ua, client: c, transport: "TLS", target: l.Addr().String(), cseq: 1}
	contact := "sip:1000@127.0.0.1:5999;transport=tls"
	res := p.register(t, regReq{user: "1000", pass: testUsers["1000"], expires: 600, contacts: []string{"<" + contact + ">"}})
	if res.StatusCode != 200 || contactExpires(res, contact) < 598 {
		t.Fatalf("TLS register: %s", res.StartLine())
	}
	bs, _ := g.srv.Bindings(t.Context(), "1000@localhost")
	if len(bs) != 1 || bs[0].Transport != "TLS" {
		t.Fatalf("bindings %+v", bs)
	}
}
