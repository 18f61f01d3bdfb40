// Package sipauth is the server side of SIP digest authentication.
//
// It implements the challenge/response exchange of RFC 3261 §22.4 with the
// digest computations of RFC 2617 §3.2.2 and RFC 7616 §3.4, and the SHA-256
// algorithm for SIP defined by RFC 8760. The package works on header values
// as plain strings and has no dependency on a SIP stack, so it can be used
// from any transaction layer:
//
//	auth := sipauth.New(sipauth.Config{Realm: "example.org"})
//
//	// 401/407: one WWW-Authenticate / Proxy-Authenticate value per algorithm.
//	for _, v := range auth.Challenge(false) { ... }
//
//	// On the retried request:
//	res, err := auth.Verify("REGISTER", authorizationValue, lookup)
//	switch {
//	case err == nil:              // res.User is authenticated
//	case sipauth.IsStale(err):    // re-challenge with Challenge(true)
//	default:                      // re-challenge (or 403) without details
//	}
//
// Nonces are self-contained: each carries its issue time, 16 random bytes and
// an HMAC over both, so they can be checked without server state and every
// challenge carries a fresh one. For qop=auth the package additionally keeps
// the last accepted nonce-count per nonce in a bounded in-memory table to
// reject replayed requests (RFC 7616 §3.3, §5.5).
//
// Secrets never appear in errors or logs: [Secret] redacts itself when
// formatted or logged, and errors returned by [Authenticator.Verify] only
// contain the offending, non-secret header fields.
package sipauth
