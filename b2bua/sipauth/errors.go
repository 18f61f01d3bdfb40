package sipauth

import "errors"

// Sentinel errors returned (wrapped) by [Authenticator.Verify]. Compare with
// errors.Is. Callers should not reveal to the peer which one occurred: a
// response of 401/407 with a fresh challenge (or 403) is appropriate for all
// of them, and ErrUnknownUser in particular must look exactly like
// ErrWrongCredentials on the wire.
var (
	// ErrMalformed means the header could not be parsed, lacks a required
	// field, is not of the Digest scheme, or asks for an unsupported feature
	// such as userhash=true.
	ErrMalformed = errors.New("sipauth: malformed credentials")
	// ErrRealm means the credentials name a realm other than ours.
	ErrRealm = errors.New("sipauth: realm mismatch")
	// ErrAlgorithm means the algorithm is unknown, unsupported or not offered.
	ErrAlgorithm = errors.New("sipauth: unsupported algorithm")
	// ErrBadNonce means the nonce (or opaque) was not issued by this
	// authenticator: forged, garbled or minted with another key or realm.
	ErrBadNonce = errors.New("sipauth: invalid nonce")
	// ErrStaleNonce means the nonce is authentic and the digest was correct,
	// but the nonce has expired; the caller should re-challenge with
	// stale=true (RFC 7616 §3.3) so the client retries without prompting.
	ErrStaleNonce = errors.New("sipauth: stale nonce")
	// ErrUnknownUser means the lookup did not know the username.
	ErrUnknownUser = errors.New("sipauth: unknown user")
	// ErrWrongCredentials means the digest response did not match.
	ErrWrongCredentials = errors.New("sipauth: wrong credentials")
	// ErrNoSecret means the user exists but its Secret offers nothing usable
	// with the requested algorithm (no password and no matching HA1). It is
	// always returned together with ErrWrongCredentials, so errors.Is matches
	// both; it exists so operators can tell a provisioning gap from a typo.
	ErrNoSecret = errors.New("sipauth: no secret for algorithm")
	// ErrReplay means a qop=auth request reused a nonce-count that is not
	// greater than the last accepted one for the same nonce.
	ErrReplay = errors.New("sipauth: replayed nonce count")
	// ErrQOP means the credentials ask for a quality of protection other
	// than "auth" (for example auth-int, which is not supported).
	ErrQOP = errors.New("sipauth: unsupported qop")
)

// IsStale reports whether err means the nonce had merely expired, in which
// case the caller should re-challenge with Challenge(true).
func IsStale(err error) bool { return errors.Is(err, ErrStaleNonce) }
