package main

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"
)

// errCertificate marks a certificate/key pair that cannot be read or parsed.
var errCertificate = errors.New("tls certificate")

// defaultCertCheck is how often certSource looks at the files for changes.
const defaultCertCheck = 5 * time.Second

// acmeConfig is the "tls.acme" block: automatic certificates for the
// HTTPS/WSS listener from an ACME CA (RFC 8555), validated with the
// TLS-ALPN-01 challenge (RFC 8737) on that same listener.
type acmeConfig struct {
	// Enabled turns ACME on. Enabling it means the operator agrees to the
	// CA's terms of service (RFC 8555 §7.3 "termsOfServiceAgreed").
	Enabled bool `yaml:"enabled"`
	// Hosts lists the DNS names certificates may be issued for; required
	// when Enabled. Handshakes for any other name are refused before the
	// CA is contacted.
	Hosts []string `yaml:"hosts"`
	// Email is the account contact (RFC 8555 §7.1.2); may be empty.
	Email string `yaml:"email"`
	// Directory is the CA's directory URL (RFC 8555 §7.1.1); "" means
	// Let's Encrypt production.
	Directory string `yaml:"directory"`
	// CacheDir keeps the account key and certificates across restarts;
	// "" means <data_dir>/acme.
	CacheDir string `yaml:"cache_dir"`
}

// certSource serves a certificate/key pair from PEM files and picks up
// replacements (renewals, rotated secrets) without a restart. The files are
// looked at lazily from GetCertificate, at most once per checkEvery, so no
// goroutine or watcher is needed.
//
// A change is detected by content, not by modification time or size: both
// files are small, and timestamps miss rewrites on file systems with coarse
// mtime granularity or when a rename reuses an inode.
type certSource struct {
	certFile, keyFile string
	log               *slog.Logger

	// checkEvery bounds how often the files are read; set by
	// newCertSource and only changed before the source is in use.
	checkEvery time.Duration

	mu        sync.Mutex
	cert      *tls.Certificate
	loaded    [sha256.Size]byte // digest of the files that produced cert
	failed    [sha256.Size]byte // last content that did not load (logged once)
	hasFailed bool
	lastCheck time.Time
}

// readPair reads both files and returns their contents and a digest of the
// pair. An unreadable file yields an error and the digest of what was read,
// so a persisting error is recognised as the same state.
func readPair(certFile, keyFile string) (certPEM, keyPEM []byte, sum [sha256.Size]byte, err error) {
	certPEM, cerr := os.ReadFile(certFile)
	keyPEM, kerr := os.ReadFile(keyFile)
	h := sha256.New()
	for _, part := range []struct {
		data []byte
		err  error
	}{{certPEM, cerr}, {keyPEM, kerr}} {
		// Length-prefix each part so no two distinct pairs collide by
		// concatenation; a read error is folded in by its text.
		if part.err != nil {
			h.Write([]byte{1})
			h.Write([]byte(part.err.Error()))
		}
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(part.data)))
		h.Write(n[:])
		h.Write(part.data)
	}
	h.Sum(sum[:0])
	return certPEM, keyPEM, sum, errors.Join(cerr, kerr)
}

// parsePair parses what readPair returned.
func (c *certSource) parsePair(certPEM, keyPEM []byte, readErr error) (*tls.Certificate, error) {
	if readErr != nil {
		return nil, fmt.Errorf("%w: %w", errCertificate, readErr)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("%w: %s, %s: %w", errCertificate, c.certFile, c.keyFile, err)
	}
	return &cert, nil
}

// newCertSource loads certFile/keyFile (PEM; they may be the same file, and
// the certificate file may carry the chain after the leaf) and returns a
// source serving them. It fails if the pair is unreadable or does not
// match. A nil log means slog.Default().
func newCertSource(certFile, keyFile string, log *slog.Logger) (*certSource, error) {
	if log == nil {
		log = slog.Default()
	}
	c := &certSource{certFile: certFile, keyFile: keyFile, log: log, checkEvery: defaultCertCheck}
	certPEM, keyPEM, sum, err := readPair(certFile, keyFile)
	cert, err := c.parsePair(certPEM, keyPEM, err)
	if err != nil {
		return nil, err
	}
	c.cert, c.loaded, c.lastCheck = cert, sum, time.Now()
	c.logLoaded("TLS certificate loaded", cert)
	return c, nil
}

// logLoaded records which certificate is now served (never key material)
// and warns when it is outside its validity period.
func (c *certSource) logLoaded(msg string, cert *tls.Certificate) {
	leaf := cert.Leaf
	if leaf == nil {
		c.log.Info(msg, "cert_file", c.certFile)
		return
	}
	c.log.Info(msg, "cert_file", c.certFile, "subject", leaf.Subject.String(),
		"serial", leaf.SerialNumber.String(), "not_after", leaf.NotAfter)
	if now := time.Now(); now.After(leaf.NotAfter) || now.Before(leaf.NotBefore) {
		c.log.Warn("TLS certificate is outside its validity period", "cert_file", c.certFile,
			"not_before", leaf.NotBefore, "not_after", leaf.NotAfter)
	}
}

// GetCertificate implements tls.Config.GetCertificate. It returns the
// current certificate, first re-reading the files if at least checkEvery has
// passed since the last look. Changed content is parsed and served from then
// on. A change that does not load (half-written, mismatched pair, garbage,
// deleted file) keeps the previous certificate in service and is logged
// once; it is retried when the files change again.
func (c *certSource) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := time.Now(); now.Sub(c.lastCheck) >= c.checkEvery {
		c.lastCheck = now
		c.refresh()
	}
	return c.cert, nil
}

// refresh reloads the pair if the files differ from the loaded ones.
// Called with c.mu held.
func (c *certSource) refresh() {
	certPEM, keyPEM, sum, readErr := readPair(c.certFile, c.keyFile)
	if sum == c.loaded {
		c.hasFailed = false
		return
	}
	if c.hasFailed && sum == c.failed {
		return // this content already failed and was logged
	}
	cert, err := c.parsePair(certPEM, keyPEM, readErr)
	if err != nil {
		c.failed, c.hasFailed = sum, true
		c.log.Error("TLS certificate change not loaded; keeping the previous certificate",
			"cert_file", c.certFile, "key_file", c.keyFile, "err", err)
		return
	}
	c.cert, c.loaded, c.hasFailed = cert, sum, false
	c.logLoaded("TLS certificate reloaded", cert)
}

// tls12Suites are the TLS 1.2 cipher suites callgate accepts: ephemeral
// ECDH key exchange (forward secrecy) with an AEAD cipher only, as
// recommended by RFC 9325 §4.2 (BCP 195). RFC 5289 defines the ECDHE
// AES-GCM suites, RFC 7905 the ChaCha20-Poly1305 ones. CBC, RSA key
// transport, 3DES and RC4 are refused. TLS 1.3 suites (RFC 8446 §B.4) are
// all AEAD with ephemeral key exchange and are not configurable.
var tls12Suites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// serverGroups are the key exchange groups offered: the hybrid
// post-quantum X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem; TLS 1.3 only),
// X25519 (RFC 7748, RFC 8422 §5.1.1) and P-256 (RFC 8422 §5.1.1).
var serverGroups = []tls.CurveID{tls.X25519MLKEM768, tls.X25519, tls.CurveP256}

// serverTLS returns the tls.Config for callgate's TLS listeners (SIP over
// TLS and HTTPS/WSS), taking certificates from get. It requires TLS 1.2
// (RFC 5246) or 1.3 (RFC 8446): RFC 8996 deprecates TLS 1.0 and 1.1.
// Callers that need ALPN set NextProtos on the result.
func serverTLS(get func(*tls.ClientHelloInfo) (*tls.Certificate, error)) *tls.Config {
	return &tls.Config{
		MinVersion:       tls.VersionTLS12,
		CipherSuites:     slices.Clone(tls12Suites),
		CurvePreferences: slices.Clone(serverGroups),
		GetCertificate:   get,
	}
}

// acmeTLS returns the tls.Config for the HTTPS/WSS listener with
// certificates obtained and renewed from an ACME CA (RFC 8555), plus the
// autocert.Manager behind it. With cfg.Enabled false it returns all nils.
//
// Certificates are only requested for cfg.Hosts, and only when a client
// names one in SNI. Domain control is proven with TLS-ALPN-01 (RFC 8737):
// the CA connects to port 443 of the host offering only the "acme-tls/1"
// ALPN protocol (RFC 8737 §3), so the config lists acme.ALPNProto next to
// "http/1.1" and the listener must be reachable on port 443 and keep that
// protocol in its NextProtos. No HTTP-01 handler is installed. The account
// key and certificates are cached in cfg.CacheDir (default <dataDir>/acme),
// which is created with mode 0700.
func acmeTLS(cfg acmeConfig, dataDir string) (*tls.Config, *autocert.Manager, error) {
	if !cfg.Enabled {
		return nil, nil, nil
	}
	hosts, err := acmeHosts(cfg.Hosts)
	if err != nil {
		return nil, nil, err
	}
	m := &autocert.Manager{
		// RFC 8555 §7.3: enabling ACME is the operator's agreement to
		// the CA's terms of service.
		Prompt:     autocert.AcceptTOS,
		HostPolicy: autocert.HostWhitelist(hosts...),
		Email:      cfg.Email,
	}
	if cfg.Directory != "" {
		u, err := url.Parse(cfg.Directory)
		// RFC 8555 §6.1: ACME runs over HTTPS only.
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return nil, nil, &configError{Key: "tls.acme.directory", Msg: fmt.Sprintf("%q is not an https:// URL", cfg.Directory)}
		}
		m.Client = &acme.Client{DirectoryURL: cfg.Directory}
	}
	dir := cfg.CacheDir
	if dir == "" {
		dir = filepath.Join(dataDir, "acme")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, &configError{Key: "tls.acme.cache_dir", Msg: err.Error()}
	}
	m.Cache = autocert.DirCache(dir)
	tc := serverTLS(m.GetCertificate)
	tc.NextProtos = []string{"http/1.1", acme.ALPNProto}
	return tc, m, nil
}

// acmeHosts validates and normalises the configured host names.
func acmeHosts(in []string) ([]string, error) {
	var hosts []string
	for _, h := range in {
		h = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(h), "."))
		switch {
		case h == "":
			continue
		case strings.Contains(h, "*"):
			// RFC 8555 §7.1.3: wildcard identifiers need DNS-01, which
			// TLS-ALPN-01 cannot replace.
			return nil, &configError{Key: "tls.acme.hosts", Msg: fmt.Sprintf("%q: wildcards need DNS-01 validation, which is not supported", h)}
		case net.ParseIP(h) != nil:
			return nil, &configError{Key: "tls.acme.hosts", Msg: fmt.Sprintf("%q: only DNS names can be certified", h)}
		case !strings.Contains(h, "."):
			return nil, &configError{Key: "tls.acme.hosts", Msg: fmt.Sprintf("%q is not a fully qualified domain name", h)}
		}
		hosts = append(hosts, h)
	}
	if len(hosts) == 0 {
		return nil, &configError{Key: "tls.acme.hosts", Msg: "at least one host name is required when tls.acme.enabled is true"}
	}
	return hosts, nil
}
