package b2bua

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/callgate/callgate/b2bua/metrics"
	"github.com/callgate/callgate/b2bua/sipauth"
	"github.com/emiago/sipgo/sip"
)

// principal is who a request authenticated as.
type principal struct {
	// user is the SIP user name (for a token, the user inside it).
	user string
	// tok is set when the credentials were a token.
	tok *token
}

// mayCall reports whether the principal may call target.
func (p principal) mayCall(target string) bool {
	return p.tok == nil || p.tok.mayCall(target)
}

// authenticate verifies a REGISTER's credentials (RFC 3261 §22.4). Without
// valid credentials it returns a StatusError carrying 401 with a fresh
// challenge per algorithm (RFC 8760 §2.3), or 403 once the source has
// failed MaxFailures times, or for an expired or forged token.
func (s *Server) authenticate(req *sip.Request) (principal, error) {
	return s.checkCredentials(req, false)
}

// authenticateCaller verifies an INVITE's Proxy-Authorization; callgate
// challenges calls with 407 as the proxy in front of its users (RFC 3261
// §22.3), with the same credentials as REGISTER.
func (s *Server) authenticateCaller(req *sip.Request) (principal, error) {
	return s.checkCredentials(req, true)
}

// checkCredentials implements both: proxy selects 407/Proxy-Authorization.
func (s *Server) checkCredentials(req *sip.Request, proxy bool) (principal, error) {
	ip := sourceIP(req)
	claimed := ""
	if to := req.To(); to != nil && !proxy {
		claimed = to.Address.User
	}
	if from := req.From(); from != nil && proxy {
		claimed = from.Address.User
	}
	if s.bans.banned(ip, claimed) {
		s.metrics.AuthFailure(metrics.AuthBanned)
		return principal{}, withStatus(403, "", fmt.Errorf("%w: source %s user %q", ErrBanned, ip, claimed))
	}

	hdrName := "Authorization"
	if proxy {
		hdrName = "Proxy-Authorization"
	}
	hdrs := req.GetHeaders(hdrName)
	if len(hdrs) == 0 {
		return principal{}, s.challenge(req, proxy, false, ErrNoCredentials)
	}
	var lastErr error
	var lastUser string
	for _, h := range hdrs {
		res, err := s.auth.Verify(string(req.Method), h.Value(), s.lookupSecret)
		if err == nil {
			return s.verified(res.User, ip, claimed)
		}
		lastErr = err
		lastUser, _ = sipauth.Username(h.Value())
		if errors.Is(err, sipauth.ErrRealm) {
			continue // credentials for another realm (RFC 3261 §22.4)
		}
		break
	}
	if sipauth.IsStale(lastErr) {
		// RFC 7616 §3.3: a stale nonce is not a failure; retry with a new one.
		s.metrics.AuthFailure(metrics.AuthStale)
		return principal{}, s.challenge(req, proxy, true, lastErr)
	}
	if _, isToken := s.tokenSecret(lastUser); isToken {
		s.metrics.AuthFailure(metrics.AuthToken)
	} else {
		s.metrics.AuthFailure(metrics.AuthBadCredentials)
	}
	if s.bans.fail(ip, claimed) {
		s.log.Warn("authentication failures exceeded; source refused", "source", ip, "user", claimed, "ban", s.cfg.Auth.BanTime.String())
		return principal{}, withStatus(403, "", fmt.Errorf("%w: %w", ErrBanned, lastErr))
	}
	if _, isToken := s.tokenSecret(lastUser); isToken {
		// A token is not a password to retry: asking again cannot help, so
		// say plainly that it is not valid.
		return principal{}, withStatus(403, "Invalid Token", fmt.Errorf("%w: %w", ErrBadToken, lastErr))
	}
	return principal{}, s.challenge(req, proxy, false, fmt.Errorf("%w: %w", ErrAuthFailed, lastErr))
}

// verified completes a successful digest check: token credentials must
// still be within their lifetime.
func (s *Server) verified(username, ip, claimed string) (principal, error) {
	if s.users.exists(username) {
		s.bans.succeed(ip, claimed)
		return principal{user: username}, nil
	}
	tok, ok := parseToken(username)
	if !ok {
		return principal{}, withStatus(403, "", fmt.Errorf("%w: no such user", ErrAuthFailed))
	}
	if err := tok.check(timeNow(), s.cfg.Auth.Tokens.MaxLifetime); err != nil {
		return principal{}, err
	}
	s.bans.succeed(ip, claimed)
	return principal{user: tok.user, tok: &tok}, nil
}

// challenge builds the 401 that asks for credentials. RFC 8760 §2.3 lists
// one challenge per algorithm, most preferred first. Browsers get the MD5
// challenge alone: JsSIP 3.13 and SIP.js 0.21 keep only the last
// challenge header of a response and implement only MD5, so any other
// algorithm beside it, first or last, can stop them from registering.
func (s *Server) challenge(req *sip.Request, proxy, stale bool, cause error) error {
	values := s.auth.Challenge(stale)
	if strings.EqualFold(req.Transport(), "WS") || strings.EqualFold(req.Transport(), "WSS") {
		var md5 []string
		for _, v := range values {
			if isMD5Challenge(v) {
				md5 = append(md5, v)
			}
		}
		if len(md5) > 0 {
			values = md5
		}
	}
	name, code := "WWW-Authenticate", 401
	if proxy {
		name, code = "Proxy-Authenticate", 407
	}
	hdrs := make([]sip.Header, len(values))
	for i, v := range values {
		hdrs[i] = sip.NewHeader(name, v)
	}
	return withStatus(code, "", cause, hdrs...)
}

// isMD5Challenge reports whether a challenge value names MD5.
func isMD5Challenge(v string) bool {
	return strings.Contains(strings.ToUpper(v), "ALGORITHM=MD5")
}

// lookupSecret finds a configured user's secret, or derives a token's.
func (s *Server) lookupSecret(user string) (sipauth.Secret, bool) {
	if sec, ok := s.users.secret(user); ok {
		return sec, true
	}
	return s.tokenSecret(user)
}

// tokenSecret derives the password of a token username when tokens are
// enabled; configured user names always take precedence.
func (s *Server) tokenSecret(username string) (sipauth.Secret, bool) {
	if s.cfg.Auth.Tokens.Secret == "" || username == "" {
		return sipauth.Secret{}, false
	}
	if s.users.exists(username) {
		return sipauth.Secret{}, false
	}
	if _, ok := parseToken(username); !ok {
		return sipauth.Secret{}, false
	}
	return sipauth.Secret{Password: TokenPassword(s.cfg.Auth.Tokens.Secret, username)}, true
}

// sourceIP returns the IP the request came from.
func sourceIP(req *sip.Request) string {
	src := req.Source()
	if host, _, err := net.SplitHostPort(src); err == nil {
		return host
	}
	return src
}
