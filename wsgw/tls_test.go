package wsgw

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/callgate/callgate/wsgw/wsgwtest"
	"github.com/gorilla/websocket"
)

// selfSigned returns a certificate for 127.0.0.1 and a pool trusting it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	return wsgwtest.SelfSigned(t)
}

func TestTLSSecureConn(t *testing.T) {
	cert, pool := selfSigned(t)
	rec := newRecorder()
	ts := startServer(t, Config{TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}}, rec)

	d := dialer()
	d.TLSClientConfig = &tls.Config{RootCAs: pool, NextProtos: []string{"h2", "http/1.1"}}
	ws, resp, err := d.Dial("wss://"+ts.addr+"/ws", http.Header{"Origin": {"https://" + ts.addr}})
	if err != nil {
		t.Fatalf("wss dial: %v", err)
	}
	defer ws.Close()
	if resp.Header.Get("Sec-WebSocket-Protocol") != "sip" {
		t.Fatal("sip not echoed over TLS")
	}
	c := rec.waitOpen(t)
	if !c.Secure() {
		t.Fatal("Secure() = false over TLS")
	}
	if err := ws.WriteMessage(websocket.TextMessage, []byte("MESSAGE")); err != nil {
		t.Fatal(err)
	}
	if m := rec.waitMsg(t); string(m.msg) != "MESSAGE" {
		t.Fatalf("got %q", m.msg)
	}
}

func TestTLSHandshakeTimeout(t *testing.T) {
	cert, _ := selfSigned(t)
	ts := startServer(t, Config{
		HandshakeTimeout: 200 * time.Millisecond,
		TLSConfig:        &tls.Config{Certificates: []tls.Certificate{cert}},
	}, newRecorder())
	raw, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	_ = raw.SetReadDeadline(time.Now().Add(waitLong))
	var b [16]byte
	if _, err := raw.Read(b[:]); err == nil {
		t.Fatal("read succeeded on a silent TLS client")
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("silent TLS client was not disconnected")
	}
}

// TestTLSALPNKeepsACMEButNeverH2: h2 is never negotiated; the ACME
// TLS-ALPN-01 protocol is, when the configuration offers it.
func TestTLSALPNKeepsACMEButNeverH2(t *testing.T) {
	cert, _ := selfSigned(t)
	for _, tc := range []struct {
		offered []string
		want    []string
	}{
		{[]string{"h2", "http/1.1"}, []string{"http/1.1"}},
		{[]string{"http/1.1", "acme-tls/1"}, []string{"http/1.1", "acme-tls/1"}},
		{nil, []string{"http/1.1"}},
	} {
		s := New(Config{TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: tc.offered}}, nil)
		got := s.tls.NextProtos
		if len(got) != len(tc.want) || got[0] != tc.want[0] || (len(got) > 1 && got[1] != tc.want[1]) {
			t.Errorf("offered %v: serving %v, want %v", tc.offered, got, tc.want)
		}
	}
}
