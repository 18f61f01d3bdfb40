package b2bua

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Short-lived credentials for embedded dialers, in the style of the TURN
// REST API: a web site's backend that shares TokenConfig.Secret with
// callgate mints, for a visitor it trusts,
//
//	username = "<expiry unix seconds>:<user>"   or
//	           "<expiry unix seconds>:<user>:<destinations>"
//	password = base64(HMAC-SHA256(secret, username))
//
// and hands both to the dialer, which uses them as ordinary digest
// credentials (RFC 3261 §22.4). <destinations> is a comma-separated list of
// numbers the token may call; an entry ending in "*" matches every number
// with that prefix. The HMAC covers the whole username, so neither the
// expiry nor the destinations can be changed by the visitor.

// TokenConfig enables token credentials.
type TokenConfig struct {
	// Secret is the HMAC-SHA256 key shared with the site's backend; empty
	// disables tokens.
	Secret string
	// MaxLifetime refuses tokens whose expiry lies further ahead, so a
	// leaked long-lived token cannot be minted by mistake. Default 24 h.
	MaxLifetime time.Duration
}

// token is a parsed token username.
type token struct {
	expiry       time.Time
	user         string
	destinations []string // nil: any destination
}

// parseToken recognises a token username; ok is false for ordinary user
// names (no colon, or not an expiry before it).
func parseToken(username string) (token, bool) {
	exp, rest, ok := strings.Cut(username, ":")
	if !ok || exp == "" || len(exp) > 12 {
		return token{}, false
	}
	secs, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || secs <= 0 {
		return token{}, false
	}
	user, dests, hasDests := strings.Cut(rest, ":")
	if user == "" || strings.ContainsAny(user, "@;, ") {
		return token{}, false
	}
	t := token{expiry: time.Unix(secs, 0), user: user}
	if hasDests {
		for _, d := range strings.Split(dests, ",") {
			if d = strings.TrimSpace(d); d != "" {
				t.destinations = append(t.destinations, d)
			}
		}
		if t.destinations == nil {
			// "exp:user:" allows nothing rather than everything.
			t.destinations = []string{}
		}
	}
	return t, true
}

// TokenPassword returns the password for a token username under secret:
// what a site's backend computes when it mints a token.
func TokenPassword(secret, username string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(username))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// MintToken returns a token username and password for user, valid until
// expiry and limited to destinations (none: any). It is what a site's
// backend does, offered for Go backends and tests.
func MintToken(secret, user string, expiry time.Time, destinations ...string) (username, password string) {
	username = strconv.FormatInt(expiry.Unix(), 10) + ":" + user
	if len(destinations) > 0 {
		username += ":" + strings.Join(destinations, ",")
	}
	return username, TokenPassword(secret, username)
}

// check refuses an expired token, or one valid for longer than allowed.
func (t token) check(now time.Time, maxLifetime time.Duration) error {
	if !now.Before(t.expiry) {
		return withStatus(403, "Token Expired", fmt.Errorf("%w: expired %s", ErrTokenExpired, t.expiry.UTC().Format(time.RFC3339)))
	}
	if t.expiry.Sub(now) > maxLifetime {
		return withStatus(403, "Token Lifetime Too Long", fmt.Errorf("%w: expires %s, more than %v ahead", ErrBadToken, t.expiry.UTC().Format(time.RFC3339), maxLifetime))
	}
	return nil
}

// mayCall reports whether the token allows calling target.
func (t token) mayCall(target string) bool {
	if t.destinations == nil {
		return true
	}
	for _, d := range t.destinations {
		if p, ok := strings.CutSuffix(d, "*"); ok {
			if strings.HasPrefix(target, p) {
				return true
			}
		} else if d == target {
			return true
		}
	}
	return false
}
