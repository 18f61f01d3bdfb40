package browserleg

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

func TestCertificatePersisted(t *testing.T) {
	file := filepath.Join(t.TempDir(), "dtls.pem")
	e1 := newTestEngine(t, Config{CertFile: file})
	st, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("certificate file mode %v, want 0600", st.Mode().Perm())
	}
	e1.Close()
	e2 := newTestEngine(t, Config{CertFile: file})
	if e1.Fingerprint() != e2.Fingerprint() {
		t.Errorf("fingerprint changed across restart: %s vs %s", e1.Fingerprint(), e2.Fingerprint())
	}
	if !strings.HasPrefix(e1.Fingerprint(), "sha-256 ") || len(e1.Fingerprint()) != len("sha-256 ")+32*3-1 {
		t.Errorf("fingerprint %q", e1.Fingerprint())
	}
	if e3 := newTestEngine(t, Config{}); e3.Fingerprint() == e1.Fingerprint() {
		t.Error("ephemeral engine reused the persisted certificate")
	}
	// The certificate is what the answer's fingerprint says.
	br := newTestBrowser(t)
	leg, answer, err := e2.Answer(testCtx(t), br.offer("", nil), pcmu, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer leg.Close()
	info, _ := parseSDP(answer)
	if "sha-256 "+info.fingerprint[len("sha-256 "):] != e2.Fingerprint() {
		t.Errorf("answer fingerprint %q, engine %q", info.fingerprint, e2.Fingerprint())
	}
}

func TestCertificateBadFiles(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.pem")
	os.WriteFile(garbage, []byte("not a certificate"), 0o600)

	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := webrtc.GenerateCertificate(rsaKey)
	if err != nil {
		t.Fatal(err)
	}
	rsaPEM, err := rc.PEM()
	if err != nil {
		t.Fatal(err)
	}
	rsaFile := filepath.Join(dir, "rsa.pem")
	os.WriteFile(rsaFile, []byte(rsaPEM), 0o600)

	for _, f := range []string{garbage, rsaFile, filepath.Join(dir, "missing-dir", "x.pem")} {
		_, err := NewEngine(Config{CertFile: f, Logger: quietLog})
		if !errors.Is(err, ErrCertificate) {
			t.Errorf("%s: err %v, want ErrCertificate", filepath.Base(f), err)
		}
	}
}

func TestCertificateRenewedWhenExpiring(t *testing.T) {
	file := filepath.Join(t.TempDir(), "dtls.pem")
	now := time.Now()
	old, gen, err := loadCertificate(file, now.Add(-certLifetime))
	if err != nil || !gen {
		t.Fatal(err, gen)
	}
	fresh, gen, err := loadCertificate(file, now)
	if err != nil {
		t.Fatal(err)
	}
	if !gen || old.Equals(*fresh) {
		t.Error("an expired certificate was kept")
	}
	if !fileExpiry(t, file).After(now.Add(certRenewMargin)) {
		t.Error("file not rewritten with the fresh certificate")
	}
	again, gen, err := loadCertificate(file, now)
	if err != nil || gen || !again.Equals(*fresh) {
		t.Errorf("a valid certificate was not reused: %v %v", err, gen)
	}
}

// fileExpiry returns when the certificate in file expires.
func fileExpiry(t *testing.T, file string) time.Time {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	c, err := webrtc.CertificateFromPEM(string(data))
	if err != nil {
		t.Fatal(err)
	}
	return c.Expires()
}
