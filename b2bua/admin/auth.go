package admin

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// realm is the protection space named in WWW-Authenticate challenges
// (RFC 7235 §2.2).
const realm = "callgate-admin"

// authenticate checks the bearer token and answers 401 when it is missing
// or wrong; it reports whether the request may proceed.
func (h *Handler) authenticate(w http.ResponseWriter, r *http.Request) bool {
	token, present := bearerToken(r)
	if present {
		// Comparing digests keeps the comparison constant-time and
		// independent of the token's length.
		sum := sha256.Sum256([]byte(token))
		if subtle.ConstantTimeCompare(sum[:], h.tokenSum[:]) == 1 {
			return true
		}
		h.log.Warn("admin: authentication failed", "remote", r.RemoteAddr, "reason", "invalid token")
		// RFC 6750 §3.1: invalid_token when the presented token is wrong.
		w.Header().Set("WWW-Authenticate", `Bearer realm="`+realm+`", error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, "invalid bearer token")
		return false
	}
	h.log.Warn("admin: authentication failed", "remote", r.RemoteAddr, "reason", "no bearer token")
	// RFC 6750 §3.1: a request without credentials gets a challenge with no
	// error code.
	w.Header().Set("WWW-Authenticate", `Bearer realm="`+realm+`"`)
	writeError(w, http.StatusUnauthorized, "bearer token required")
	return false
}

// bearerToken extracts the token of an "Authorization: Bearer <token>"
// header (RFC 6750 §2.1). present is false when there is no Authorization
// header, it uses another scheme, or the token is empty; more than one
// Authorization header is treated as none.
func bearerToken(r *http.Request) (token string, present bool) {
	values := r.Header.Values("Authorization")
	if len(values) != 1 {
		return "", false
	}
	scheme, rest, ok := strings.Cut(strings.TrimSpace(values[0]), " ")
	// RFC 7235 §2.1: the auth-scheme is case-insensitive.
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(rest)
	return token, token != ""
}
