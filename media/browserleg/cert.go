package browserleg

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pion/webrtc/v4"
)

// certLifetime is the validity of a generated certificate. Browsers check
// only the fingerprint of a DTLS certificate (RFC 8122 §5), never its
// dates, but pion refuses an expired one, so a persisted certificate is
// made to outlive any deployment.
const certLifetime = 10 * 365 * 24 * time.Hour

// certRenewMargin: a loaded certificate expiring sooner than this is
// replaced (and the file rewritten), so a running engine never meets an
// expired one.
const certRenewMargin = 30 * 24 * time.Hour

// loadCertificate returns the DTLS certificate: from file when it exists,
// else freshly generated (and written to file when file is not "").
func loadCertificate(file string, now time.Time) (cert *webrtc.Certificate, generated bool, err error) {
	if file != "" {
		data, err := os.ReadFile(file)
		switch {
		case err == nil:
			c, err := parseCertificate(string(data))
			if err != nil {
				return nil, false, fmt.Errorf("%w: %s: %w", ErrCertificate, file, err)
			}
			if c.Expires().After(now.Add(certRenewMargin)) {
				return c, false, nil
			}
			// Expiring: fall through and replace it.
		case errors.Is(err, fs.ErrNotExist):
		default:
			return nil, false, fmt.Errorf("%w: %w", ErrCertificate, err)
		}
	}
	c, err := generateCertificate(now)
	if err != nil {
		return nil, false, fmt.Errorf("%w: %w", ErrCertificate, err)
	}
	if file != "" {
		if err := writeCertificate(file, c); err != nil {
			return nil, false, fmt.Errorf("%w: %w", ErrCertificate, err)
		}
	}
	return c, true, nil
}

// parseCertificate reads a PEM certificate and PKCS#8 key and insists on
// ECDSA P-256 (the curve browsers use for DTLS-SRTP, RFC 8827 §6.5).
func parseCertificate(pemText string) (*webrtc.Certificate, error) {
	c, err := webrtc.CertificateFromPEM(pemText)
	if err != nil {
		return nil, err
	}
	key, err := keyFromPEM(pemText)
	if err != nil {
		return nil, err
	}
	ek, ok := key.(*ecdsa.PrivateKey)
	if !ok || ek.Curve != elliptic.P256() {
		return nil, errors.New("key is not ECDSA P-256")
	}
	return c, nil
}

// keyFromPEM returns the first PKCS#8 private key in pemText.
func keyFromPEM(pemText string) (any, error) {
	rest := []byte(pemText)
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errors.New("no PRIVATE KEY block")
		}
		if block.Type == "PRIVATE KEY" {
			return x509.ParsePKCS8PrivateKey(block.Bytes)
		}
	}
}

// generateCertificate makes a self-signed ECDSA P-256 certificate.
func generateCertificate(now time.Time) (*webrtc.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	return webrtc.NewCertificate(key, x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "callgate"},
		Issuer:       pkix.Name{CommonName: "callgate"},
		NotBefore:    now.Add(-24 * time.Hour),
		NotAfter:     now.Add(certLifetime),
		Version:      2,
	})
}

// writeCertificate stores c as PEM with mode 0600, atomically (temporary
// file in the same directory, then rename).
func writeCertificate(file string, c *webrtc.Certificate) error {
	text, err := c.PEM()
	if err != nil {
		return err
	}
	dir := filepath.Dir(file)
	tmp, err := os.CreateTemp(dir, ".dtls-cert-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	defer os.Remove(name) // no-op after a successful rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.WriteString(text); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(name, file)
}

// fingerprintOf returns "sha-256 AB:CD:..." for c (RFC 8122 §5).
func fingerprintOf(c *webrtc.Certificate) (string, error) {
	fps, err := c.GetFingerprints()
	if err != nil {
		return "", err
	}
	for _, fp := range fps {
		if strings.EqualFold(fp.Algorithm, "sha-256") {
			return "sha-256 " + strings.ToUpper(fp.Value), nil
		}
	}
	return "", errors.New("no sha-256 fingerprint")
}
