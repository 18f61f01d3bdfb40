package browserleg

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"hash"

	"github.com/pion/srtp/v3"
)

// srtpExporterLabel is the RFC 5705 exporter label of DTLS-SRTP
// (RFC 5764 §4.2).
const srtpExporterLabel = "EXTRACTOR-dtls_srtp"

// prfHash returns the hash of the TLS 1.2 PRF for a cipher suite: RFC 5246
// §5 makes SHA-256 the PRF of every suite that names no other; the
// *_SHA384 suites (RFC 5289 §3) use SHA-384. Only suites pion's DTLS
// implements are known; for any other the fast path stays off.
func prfHash(suite uint16) (func() hash.Hash, bool) {
	switch suite {
	case 0xc02c, // TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
		0xc030: // TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
		return sha512.New384, true
	case 0xc02b, // TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
		0xc02f, // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
		0xc00a, // TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA
		0xc014, // TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA
		0xc0ac, // TLS_ECDHE_ECDSA_WITH_AES_128_CCM
		0xc0ae, // TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8
		0xcca9, // TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
		0xcca8: // TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
		return sha256.New, true
	}
	return nil, false
}

// srtpProfile maps a use_srtp profile (RFC 5764 §4.1.2, RFC 7714 §14.2) to
// pion's; false for profiles the fast path does not take.
func srtpProfile(p uint16) (srtp.ProtectionProfile, bool) {
	switch p {
	case 0x0001: // SRTP_AES128_CM_HMAC_SHA1_80
		return srtp.ProtectionProfileAes128CmHmacSha1_80, true
	case 0x0002: // SRTP_AES128_CM_HMAC_SHA1_32
		return srtp.ProtectionProfileAes128CmHmacSha1_32, true
	case 0x0007: // SRTP_AEAD_AES_128_GCM
		return srtp.ProtectionProfileAeadAes128Gcm, true
	case 0x0008: // SRTP_AEAD_AES_256_GCM
		return srtp.ProtectionProfileAeadAes256Gcm, true
	}
	return 0, false
}

// prf12 fills out with the TLS 1.2 PRF (RFC 5246 §5):
// PRF(secret, label, seed) = P_hash(secret, label + seed), where
// P_hash = HMAC(secret, A(1) + seed') + HMAC(secret, A(2) + seed') + ...
// with A(0) = seed' and A(i) = HMAC(secret, A(i-1)).
func prf12(newHash func() hash.Hash, secret []byte, label string, seed []byte, out []byte) {
	full := make([]byte, 0, len(label)+len(seed))
	full = append(append(full, label...), seed...)
	mac := hmac.New(newHash, secret)
	mac.Write(full)
	a := mac.Sum(nil)
	for len(out) > 0 {
		mac.Reset()
		mac.Write(a)
		mac.Write(full)
		out = out[copy(out, mac.Sum(nil)):]
		mac.Reset()
		mac.Write(a)
		a = mac.Sum(a[:0])
	}
}

// dtlsExporter is the RFC 5705 keying material exporter of one DTLS 1.2
// association, rebuilt from its master secret and hello randoms: what
// pion/srtp's Config.ExtractSessionKeysFromDTLS asks of a DTLS connection.
type dtlsExporter struct {
	hash                       func() hash.Hash
	master                     []byte
	clientRandom, serverRandom [dtlsRandomLen]byte
}

// ExportKeyingMaterial implements srtp.KeyingMaterialExporter: RFC 5705 §4,
// PRF(master_secret, label, client_random + server_random) without a
// context value, which DTLS-SRTP does not use (RFC 5764 §4.2).
func (x *dtlsExporter) ExportKeyingMaterial(label string, context []byte, length int) ([]byte, error) {
	if context != nil {
		return nil, fmt.Errorf("%w: exporter context", errNoFastPath)
	}
	seed := make([]byte, 0, 2*dtlsRandomLen)
	seed = append(append(seed, x.clientRandom[:]...), x.serverRandom[:]...)
	out := make([]byte, length)
	prf12(x.hash, x.master, label, seed, out)
	return out, nil
}

// srtpKeys derives the SRTP master keys and salts of one association
// (RFC 5764 §4.2: client_write_SRTP_master_key, server_write_..._key,
// client_write_..._salt, server_write_..._salt), ours being the client's
// when weClient.
func srtpKeys(x *dtlsExporter, profile srtp.ProtectionProfile, weClient bool) (srtp.SessionKeys, error) {
	cfg := srtp.Config{Profile: profile}
	if err := cfg.ExtractSessionKeysFromDTLS(x, weClient); err != nil {
		return srtp.SessionKeys{}, fmt.Errorf("%w: %w", errNoFastPath, err)
	}
	return cfg.Keys, nil
}
