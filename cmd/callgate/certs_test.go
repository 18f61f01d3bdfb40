package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/crypto/acme"
)

// testPair is a self-signed ECDSA P-256 certificate and its key, PEM encoded.
type testPair struct {
	serial    int64
	cert, key []byte
}

func newTestPair(t testing.TB, serial int64) testPair {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: "callgate.test"},
		DNSNames:     []string{"callgate.test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return testPair{
		serial: serial,
		cert:   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		key:    pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}),
	}
}

// fixedMtime is stamped on every file the tests write: a change must be
// noticed by content even when timestamps (and sizes) stay the same.
var fixedMtime = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// writeFiles rewrites both files in place with fixedMtime.
func writeFiles(t testing.TB, certFile, keyFile string, cert, key []byte) {
	t.Helper()
	for _, f := range []struct {
		path string
		data []byte
	}{{certFile, cert}, {keyFile, key}} {
		if err := os.WriteFile(f.path, f.data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(f.path, fixedMtime, fixedMtime); err != nil {
			t.Fatal(err)
		}
	}
}

// lockedBuffer collects log output written from handshake goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startTLS serves handshakes on a loopback listener until the test ends.
func startTLS(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	l, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			_ = c.(*tls.Conn).Handshake() // failures are what some tests expect
			_ = c.Close()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		wg.Wait()
	})
	return l.Addr().String()
}

// handshake connects to addr with cfg and returns the server's serial.
func handshake(addr string, cfg *tls.Config) (*big.Int, error) {
	d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 5 * time.Second}, Config: cfg}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	defer func() { _ = c.Close() }()
	return c.(*tls.Conn).ConnectionState().PeerCertificates[0].SerialNumber, nil
}

func clientTLS() *tls.Config {
	return &tls.Config{InsecureSkipVerify: true, ServerName: "callgate.test"}
}

func wantSerial(t *testing.T, addr string, want int64) {
	t.Helper()
	got, err := handshake(addr, clientTLS())
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	if got.Int64() != want {
		t.Fatalf("served serial %v, want %d", got, want)
	}
}

func TestCertSourceReloadsOnChange(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	a, b, c := newTestPair(t, 101), newTestPair(t, 202), newTestPair(t, 303)
	writeFiles(t, certFile, keyFile, a.cert, a.key)

	logs := &lockedBuffer{}
	src, err := newCertSource(certFile, keyFile, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	src.checkEvery = 0 // look at the files on every handshake
	addr := startTLS(t, serverTLS(src.GetCertificate))
	wantSerial(t, addr, a.serial)

	writeFiles(t, certFile, keyFile, b.cert, b.key)
	wantSerial(t, addr, b.serial)

	// A broken change keeps B in service and is reported once.
	writeFiles(t, certFile, keyFile, []byte("garbage"), []byte("more garbage"))
	for range 3 {
		wantSerial(t, addr, b.serial)
	}
	if n := strings.Count(logs.String(), "level=ERROR"); n != 1 {
		t.Fatalf("%d error lines for one broken change, want 1:\n%s", n, logs)
	}

	// A mismatched pair (C's certificate, B's key) is another broken change.
	writeFiles(t, certFile, keyFile, c.cert, b.key)
	wantSerial(t, addr, b.serial)
	if n := strings.Count(logs.String(), "level=ERROR"); n != 2 {
		t.Fatalf("%d error lines after two broken changes, want 2:\n%s", n, logs)
	}

	writeFiles(t, certFile, keyFile, c.cert, c.key)
	wantSerial(t, addr, c.serial)
	if strings.Contains(logs.String(), "PRIVATE KEY") {
		t.Fatal("key material in the log")
	}
}

func TestCertSourceChecksAtMostEveryInterval(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	a, b := newTestPair(t, 1), newTestPair(t, 2)
	writeFiles(t, certFile, keyFile, a.cert, a.key)
	src, err := newCertSource(certFile, keyFile, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if src.checkEvery != defaultCertCheck {
		t.Fatalf("checkEvery %v, want %v", src.checkEvery, defaultCertCheck)
	}
	src.checkEvery = time.Hour
	writeFiles(t, certFile, keyFile, b.cert, b.key)
	cert, err := src.GetCertificate(nil)
	if err != nil || cert.Leaf.SerialNumber.Int64() != a.serial {
		t.Fatalf("within the interval got %v, %v; want the old certificate", cert, err)
	}
	src.checkEvery = 0
	cert, err = src.GetCertificate(nil)
	if err != nil || cert.Leaf.SerialNumber.Int64() != b.serial {
		t.Fatalf("after the interval got %v, %v; want the new certificate", cert, err)
	}
}

func TestCertSourceFollowsRenameAndDeletion(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	a, b := newTestPair(t, 7), newTestPair(t, 8)
	writeFiles(t, certFile, keyFile, a.cert, a.key)
	logs := &lockedBuffer{}
	src, err := newCertSource(certFile, keyFile, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	src.checkEvery = 0

	// Deleted files: keep serving, log once.
	for _, f := range []string{certFile, keyFile} {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if cert, _ := src.GetCertificate(nil); cert.Leaf.SerialNumber.Int64() != a.serial {
			t.Fatal("certificate dropped when the files vanished")
		}
	}
	if n := strings.Count(logs.String(), "level=ERROR"); n != 1 {
		t.Fatalf("%d error lines, want 1:\n%s", n, logs)
	}

	// Atomic replacement by rename (same mtime, possibly a reused inode).
	tmpCert, tmpKey := filepath.Join(dir, "cert.tmp"), filepath.Join(dir, "key.tmp")
	writeFiles(t, tmpCert, tmpKey, b.cert, b.key)
	if err := os.Rename(tmpKey, keyFile); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmpCert, certFile); err != nil {
		t.Fatal(err)
	}
	if cert, _ := src.GetCertificate(nil); cert.Leaf.SerialNumber.Int64() != b.serial {
		t.Fatal("renamed-in certificate not picked up")
	}
}

func TestNewCertSourceRejectsBadFiles(t *testing.T) {
	dir := t.TempDir()
	a, b := newTestPair(t, 1), newTestPair(t, 2)
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	goodCert, goodKey, otherKey := write("a.crt", a.cert), write("a.key", a.key), write("b.key", b.key)
	garbage := write("garbage", []byte("not pem"))
	combined := write("both.pem", append(slices.Clone(a.cert), a.key...))

	for _, tc := range []struct{ name, cert, key string }{
		{"missing cert", filepath.Join(dir, "nope.crt"), goodKey},
		{"missing key", goodCert, filepath.Join(dir, "nope.key")},
		{"garbage cert", garbage, goodKey},
		{"garbage key", goodCert, garbage},
		{"mismatched key", goodCert, otherKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newCertSource(tc.cert, tc.key, slog.New(slog.DiscardHandler))
			if !errors.Is(err, errCertificate) {
				t.Fatalf("err = %v, want errCertificate", err)
			}
		})
	}
	if _, err := newCertSource(combined, combined, nil); err != nil {
		t.Fatalf("certificate and key in one file: %v", err)
	}
}

func TestServerTLSPolicy(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	p := newTestPair(t, 42)
	writeFiles(t, certFile, keyFile, p.cert, p.key)
	src, err := newCertSource(certFile, keyFile, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	addr := startTLS(t, serverTLS(src.GetCertificate))

	client := func(edit func(*tls.Config)) *tls.Config {
		c := clientTLS()
		edit(c)
		return c
	}
	for _, tc := range []struct {
		name string
		cfg  *tls.Config
		ok   bool
	}{
		{"TLS 1.3", client(func(c *tls.Config) { c.MinVersion = tls.VersionTLS13 }), true},
		{"TLS 1.2 AES-GCM", client(func(c *tls.Config) {
			c.MaxVersion = tls.VersionTLS12
			c.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}
		}), true},
		{"TLS 1.2 ChaCha20-Poly1305", client(func(c *tls.Config) {
			c.MaxVersion = tls.VersionTLS12
			c.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}
		}), true},
		{"TLS 1.2 P-256 only", client(func(c *tls.Config) {
			c.MaxVersion = tls.VersionTLS12
			c.CurvePreferences = []tls.CurveID{tls.CurveP256}
		}), true},
		{"TLS 1.1", client(func(c *tls.Config) {
			c.MinVersion, c.MaxVersion = tls.VersionTLS10, tls.VersionTLS11
		}), false},
		{"TLS 1.2 CBC only", client(func(c *tls.Config) {
			c.MaxVersion = tls.VersionTLS12
			c.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}
		}), false},
		{"TLS 1.2 P-384 only", client(func(c *tls.Config) {
			c.MaxVersion = tls.VersionTLS12
			c.CurvePreferences = []tls.CurveID{tls.CurveP384}
		}), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			serial, err := handshake(addr, tc.cfg)
			if tc.ok && (err != nil || serial.Int64() != p.serial) {
				t.Fatalf("handshake refused: %v", err)
			}
			if !tc.ok && err == nil {
				t.Fatal("handshake accepted, want refusal")
			}
		})
	}
}

func TestServerTLSSettings(t *testing.T) {
	c := serverTLS(nil)
	if c.MinVersion != tls.VersionTLS12 {
		t.Fatalf("MinVersion %x", c.MinVersion)
	}
	for _, id := range c.CipherSuites {
		name := tls.CipherSuiteName(id)
		if !strings.HasPrefix(name, "TLS_ECDHE_") || !(strings.Contains(name, "_GCM_") || strings.Contains(name, "CHACHA20_POLY1305")) {
			t.Errorf("suite %s is not ECDHE with AEAD", name)
		}
	}
	for _, want := range []tls.CurveID{tls.X25519, tls.CurveP256} {
		if !slices.Contains(c.CurvePreferences, want) {
			t.Errorf("CurvePreferences %v lacks %v", c.CurvePreferences, want)
		}
	}
	// Each config owns its slices: editing one leaves the next intact.
	c.CipherSuites[0], c.CurvePreferences[0] = 0, 0
	if d := serverTLS(nil); d.CipherSuites[0] == 0 || d.CurvePreferences[0] == 0 {
		t.Fatal("serverTLS configs share their slices")
	}
}

func TestACMETLSConfigErrors(t *testing.T) {
	dir := t.TempDir()
	tc, m, err := acmeTLS(acmeConfig{Hosts: []string{"callgate.example.org"}}, dir)
	if tc != nil || m != nil || err != nil {
		t.Fatalf("disabled: got %v, %v, %v; want all nil", tc, m, err)
	}
	for _, c := range []struct {
		name, key string
		cfg       acmeConfig
	}{
		{"no hosts", "tls.acme.hosts", acmeConfig{Enabled: true}},
		{"blank hosts", "tls.acme.hosts", acmeConfig{Enabled: true, Hosts: []string{"", "  "}}},
		{"wildcard", "tls.acme.hosts", acmeConfig{Enabled: true, Hosts: []string{"*.example.org"}}},
		{"ip address", "tls.acme.hosts", acmeConfig{Enabled: true, Hosts: []string{"192.0.2.1"}}},
		{"single label", "tls.acme.hosts", acmeConfig{Enabled: true, Hosts: []string{"localhost"}}},
		{"plain http directory", "tls.acme.directory", acmeConfig{Enabled: true, Hosts: []string{"a.example.org"}, Directory: "http://ca.example/dir"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := acmeTLS(c.cfg, dir)
			var ce *configError
			if !errors.As(err, &ce) || ce.Key != c.key {
				t.Fatalf("err = %v, want configError for %s", err, c.key)
			}
		})
	}
}

func TestACMETLSRefusesUnlistedHostOffline(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	dataDir := t.TempDir()
	// The directory points at a closed loopback port: even a bug that let
	// the manager reach out could not leave this machine.
	tc, m, err := acmeTLS(acmeConfig{
		Enabled:   true,
		Hosts:     []string{" Callgate.Example.org. "},
		Email:     "ops@example.org",
		Directory: "https://127.0.0.1:1/directory",
	}, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	if m == nil || m.Email != "ops@example.org" || m.Client == nil || m.Client.DirectoryURL != "https://127.0.0.1:1/directory" {
		t.Fatalf("manager not configured: %+v", m)
	}
	if !slices.Contains(tc.NextProtos, acme.ALPNProto) || !slices.Contains(tc.NextProtos, "acme-tls/1") {
		t.Fatalf("NextProtos %v lacks acme-tls/1", tc.NextProtos)
	}
	if tc.MinVersion != tls.VersionTLS12 || len(tc.CipherSuites) == 0 {
		t.Fatalf("ACME config misses the server policy: %+v", tc)
	}
	if fi, err := os.Stat(filepath.Join(dataDir, "acme")); err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		t.Fatalf("cache dir: %v, %v", fi, err)
	}

	for _, name := range []string{"other.example.org", ""} {
		start := time.Now()
		_, err = tc.GetCertificate(&tls.ClientHelloInfo{ServerName: name, SupportedProtos: []string{"http/1.1"}})
		if err == nil {
			t.Fatalf("certificate for %q outside the whitelist", name)
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("refusal for %q took %v", name, d)
		}
	}

	// The same over a real loopback handshake.
	addr := startTLS(t, tc)
	cfg := clientTLS()
	cfg.ServerName = "other.example.org"
	start := time.Now()
	if _, err := handshake(addr, cfg); err == nil {
		t.Fatal("handshake for an unlisted host succeeded")
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("refusal took %v", d)
	}
}

func BenchmarkCertSourceGetCertificate(b *testing.B) {
	dir := b.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	p := newTestPair(b, 1)
	writeFiles(b, certFile, keyFile, p.cert, p.key)
	src, err := newCertSource(certFile, keyFile, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := src.GetCertificate(nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}
