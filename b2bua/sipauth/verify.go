package sipauth

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"strings"
)

// Verify checks an Authorization or Proxy-Authorization header value sent
// with a request of the given SIP method and returns the authenticated user.
//
// The checks follow RFC 3261 §22.4 with the computations of RFC 2617 §3.2.2
// and RFC 7616 §3.4:
//
//   - the scheme must be Digest and username, realm, nonce, uri and
//     response must be present (ErrMalformed); userhash=true is not
//     supported (ErrMalformed, RFC 7616 §3.4.4);
//   - qop, when present, must be "auth" (ErrQOP) and then cnonce and an
//     8-hex-digit nc are required; without qop the RFC 2069 form
//     H(HA1:nonce:HA2) is accepted for old phones;
//   - the algorithm (MD5 when absent) must be offered (ErrAlgorithm);
//   - the realm must be ours (ErrRealm);
//   - the nonce (and opaque, when sent) must have been issued by this
//     authenticator's key and realm (ErrBadNonce);
//   - the digest must match (ErrUnknownUser, ErrWrongCredentials, the
//     latter possibly together with ErrNoSecret); unknown users cost the
//     same work as known ones and digests are compared in constant time;
//   - an expired nonce with a correct digest yields ErrStaleNonce, so that
//     stale=true is only signalled to clients that know the password
//     (RFC 2617 §3.2.1);
//   - with qop=auth the nc must exceed the last accepted one for the nonce
//     (ErrReplay); rejected attempts never advance that state.
//
// A nil lookup treats every user as unknown. The uri is not compared with
// the Request-URI, because proxies may rewrite it; it is returned in Result.
// Returned errors wrap the sentinels above and never contain secrets.
func (a *Authenticator) Verify(method, header string, lookup Lookup) (Result, error) {
	c, err := parseCredentials(header)
	if err != nil {
		return Result{}, err
	}
	// RFC 7616 §3.4.4: userhash is not supported, and we
	// never offer it, so a hashed username cannot be resolved.
	if c.has(fUserhash) {
		switch {
		case strings.EqualFold(c.userhash, "true"):
			return Result{}, fmt.Errorf("%w: userhash=true is not supported", ErrMalformed)
		case !strings.EqualFold(c.userhash, "false"):
			return Result{}, fmt.Errorf("%w: invalid userhash %q", ErrMalformed, clip(c.userhash))
		}
	}
	// RFC 3261 §22.4 / RFC 2617 §3.2.2: qop selects the response form; we
	// only offer "auth".
	withQOP := c.has(fQOP)
	var nc uint32
	if withQOP {
		if !strings.EqualFold(c.qop, "auth") {
			return Result{}, fmt.Errorf("%w: qop %q", ErrQOP, clip(c.qop))
		}
		// RFC 2617 §3.2.2: with qop, cnonce and nc MUST be present;
		// nc-value = 8LHEX.
		if c.cnonce == "" {
			return Result{}, fmt.Errorf("%w: qop without cnonce", ErrMalformed)
		}
		var ok bool
		if nc, ok = parseNC(c.nc); !ok {
			return Result{}, fmt.Errorf("%w: nc %q is not 8 hex digits", ErrMalformed, clip(c.nc))
		}
	}
	alg, ok := parseAlgorithm(c.algorithm, c.has(fAlgorithm))
	if !ok {
		return Result{}, fmt.Errorf("%w: %q", ErrAlgorithm, clip(c.algorithm))
	}
	if !a.offers(alg) {
		return Result{}, fmt.Errorf("%w: %s not offered", ErrAlgorithm, alg)
	}
	// RFC 3261 §22.4: the realm must match one we challenged with.
	if c.realm != a.realm {
		return Result{}, fmt.Errorf("%w: %q", ErrRealm, clip(c.realm))
	}
	// RFC 2617 §3.2.2: request-digest is a fixed-length hex string.
	if len(c.response) != alg.hexLen() || !isHex(c.response) {
		return Result{}, fmt.Errorf("%w: response is not a %s digest", ErrMalformed, alg)
	}
	issued, id, ok := a.codec.open(c.nonce)
	if !ok {
		return Result{}, fmt.Errorf("%w: not issued here", ErrBadNonce)
	}
	// RFC 7616 §3.4: opaque must be returned unchanged. Old clients that
	// omit it are tolerated; the nonce itself is authenticated anyway.
	if c.has(fOpaque) && subtle.ConstantTimeCompare([]byte(c.opaque), []byte(a.opaque)) != 1 {
		return Result{}, fmt.Errorf("%w: opaque mismatch", ErrBadNonce)
	}

	secret, known := Secret{}, false
	if lookup != nil {
		secret, known = lookup(c.username)
	}
	ha1, haveHA1 := "", false
	if known {
		ha1, haveHA1 = secret.HA1(alg, c.username, a.realm)
	}
	if !haveHA1 {
		// Same work as a real user, so response times do not reveal
		// which usernames exist.
		ha1, _ = a.dummy.HA1(alg, c.username, a.realm)
	}
	qop := ""
	if withQOP {
		qop = c.qop
	}
	var want, got [2 * sha256.Size]byte
	w := appendResponse(want[:0], alg, ha1, c.nonce, c.nc, c.cnonce, qop, method, c.uri)
	g := appendLower(got[:0], c.response)
	match := subtle.ConstantTimeCompare(w, g) == 1
	switch {
	case !known:
		return Result{}, fmt.Errorf("%w: %q", ErrUnknownUser, clip(c.username))
	case !haveHA1:
		return Result{}, fmt.Errorf("%w: %w: user %q has no %s secret", ErrWrongCredentials, ErrNoSecret, clip(c.username), alg)
	case !match:
		return Result{}, fmt.Errorf("%w: user %q", ErrWrongCredentials, clip(c.username))
	}

	// RFC 7616 §3.3 / RFC 2617 §3.2.1: a correct digest over an expired
	// nonce is answered with stale=true.
	now := a.now().UnixNano()
	if age := now - issued; age > int64(a.ttl) || age < -int64(a.ttl) {
		return Result{}, fmt.Errorf("%w: nonce expired", ErrStaleNonce)
	}
	if withQOP {
		// RFC 7616 §3.3 / §5.5: reject a nonce-count that was already used.
		switch a.replay.advance(id, issued, nc, now) {
		case replayReused:
			return Result{}, fmt.Errorf("%w: nc %s for user %q", ErrReplay, c.nc, clip(c.username))
		case replayForgot:
			return Result{}, fmt.Errorf("%w: nonce no longer tracked", ErrStaleNonce)
		}
	}
	return Result{User: c.username, Algorithm: alg, Realm: a.realm, URI: c.uri}, nil
}

// offers reports whether alg is among the offered algorithms.
func (a *Authenticator) offers(alg Algorithm) bool {
	for _, x := range a.algorithms {
		if x == alg {
			return true
		}
	}
	return false
}

// parseNC parses an RFC 2617 §3.2.2 nc-value (8LHEX; upper case tolerated).
func parseNC(s string) (uint32, bool) {
	if len(s) != 8 {
		return 0, false
	}
	var v uint32
	for i := 0; i < len(s); i++ {
		d := fromHex(s[i])
		if d < 0 {
			return 0, false
		}
		v = v<<4 | uint32(d)
	}
	return v, true
}

// appendLower appends s to dst with ASCII letters lowered, so that a client
// sending upper-case hex still matches the lower-case digest.
func appendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		dst = append(dst, ch)
	}
	return dst
}
