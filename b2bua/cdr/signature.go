package cdr

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
)

// signaturePrefix names the MAC algorithm in X-Callgate-Signature.
const signaturePrefix = "sha256="

// Sign returns the X-Callgate-Signature value of a webhook request:
// "sha256=" and the lower-case hex HMAC-SHA256 (RFC 2104, FIPS 180-4) keyed
// with secret over the decimal X-Callgate-Timestamp value, a ".", and the
// request body. Binding the timestamp lets receivers reject replays of old
// requests.
func Sign(secret string, timestamp int64, body []byte) string {
	return signaturePrefix + hex.EncodeToString(mac(secret, strconv.FormatInt(timestamp, 10), body))
}

// Verify reports whether signature is the valid X-Callgate-Signature for
// the given X-Callgate-Timestamp header value and body. It compares in
// constant time. Receivers should also check that the timestamp is recent.
func Verify(secret, timestamp string, body []byte, signature string) bool {
	if _, err := strconv.ParseInt(timestamp, 10, 64); err != nil {
		return false
	}
	got, err := hex.DecodeString(strings.TrimPrefix(signature, signaturePrefix))
	if err != nil || !strings.HasPrefix(signature, signaturePrefix) {
		return false
	}
	return hmac.Equal(mac(secret, timestamp, body), got)
}

// mac computes HMAC-SHA256(secret, timestamp + "." + body).
func mac(secret, timestamp string, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(timestamp))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}
