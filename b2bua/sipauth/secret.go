package sipauth

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// redacted is how a Secret renders in every textual form.
const redacted = "Secret{redacted}"

// Secret is what the server knows about a user: either a clear password, or
// precomputed HA1 values (RFC 2617 §3.2.2.2: HA1 = H(user ":" realm ":"
// password)) so that clear passwords need not be stored.
//
// A Secret never reveals its contents when formatted with fmt (any verb) or
// logged with log/slog.
type Secret struct {
	// Password is the clear password. An empty string means "not set".
	Password string
	// HA1MD5 is the hex of MD5(user ":" realm ":" password), optional.
	HA1MD5 string
	// HA1SHA256 is the hex of SHA-256(user ":" realm ":" password), optional.
	HA1SHA256 string
}

// HA1 returns the lowercase hex HA1 for alg. When Password is set it is
// computed from user, realm and Password; otherwise the stored HA1 for alg is
// used. ok is false when neither is available, when alg is unsupported, or
// when the stored HA1 is not a hex string of the right length.
func (s Secret) HA1(alg Algorithm, user, realm string) (string, bool) {
	if !alg.Supported() {
		return "", false
	}
	if s.Password != "" {
		return computeHA1(alg, user, realm, s.Password), true
	}
	v := s.HA1MD5
	if alg == SHA256 {
		v = s.HA1SHA256
	}
	if len(v) != alg.hexLen() || !isHex(v) {
		return "", false
	}
	return strings.ToLower(v), true
}

// String returns "Secret{redacted}" so a Secret never leaks into logs.
func (s Secret) String() string { return redacted }

// GoString returns "Secret{redacted}" so %#v does not leak either.
func (s Secret) GoString() string { return redacted }

// Format implements fmt.Formatter: every verb (%v, %+v, %#v, %s, %q, %x,
// %d, ...) prints "Secret{redacted}".
func (s Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// LogValue implements slog.LogValuer and yields "Secret{redacted}".
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// Lookup returns the secret for a username in the authenticator's realm.
// ok is false for unknown users. The username is the unescaped value of the
// username parameter. A Lookup must be safe for concurrent use.
type Lookup func(user string) (Secret, bool)
