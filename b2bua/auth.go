package b2bua

import (
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"

	"github.com/callgate/callgate/b2bua/sipauth"
	"github.com/emiago/sipgo/sip"
)

// authenticate verifies a REGISTER's credentials (RFC 3261 §22.4). Without
// valid credentials it returns a StatusError carrying 401 with a fresh
// challenge per algorithm (RFC 8760 §2.3), or 403 once the source has
// failed MaxFailures times. On success it returns the user name.
func (s *Server) authenticate(req *sip.Request) (string, error) {
	return s.checkCredentials(req, false)
}

// authenticateCaller verifies an INVITE's Proxy-Authorization; callgate
// challenges calls with 407 as the proxy in front of its users (RFC 3261
// §22.3), with the same credentials as REGISTER.
func (s *Server) authenticateCaller(req *sip.Request) (string, error) {
	return s.checkCredentials(req, true)
}

// checkCredentials implements both: proxy selects 407/Proxy-Authorization.
func (s *Server) checkCredentials(req *sip.Request, proxy bool) (string, error) {
	ip := sourceIP(req)
	claimed := ""
	if to := req.To(); to != nil && !proxy {
		claimed = to.Address.User
	}
	if from := req.From(); from != nil && proxy {
		claimed = from.Address.User
	}
	if s.bans.banned(ip, claimed) {
		return "", withStatus(403, "", fmt.Errorf("%w: source %s user %q", ErrBanned, ip, claimed))
	}

	hdrName := "Authorization"
	if proxy {
		hdrName = "Proxy-Authorization"
	}
	hdrs := req.GetHeaders(hdrName)
	if len(hdrs) == 0 {
		return "", s.challenge(req, proxy, false, ErrNoCredentials)
	}
	var lastErr error
	for _, h := range hdrs {
		res, err := s.auth.Verify(string(req.Method), h.Value(), s.lookupSecret)
		if err == nil {
			s.bans.succeed(ip, claimed)
			return res.User, nil
		}
		lastErr = err
		if errors.Is(err, sipauth.ErrRealm) {
			continue // credentials for another realm (RFC 3261 §22.4)
		}
		break
	}
	if sipauth.IsStale(lastErr) {
		// RFC 7616 §3.3: a stale nonce is not a failure; retry with a new one.
		return "", s.challenge(req, proxy, true, lastErr)
	}
	if s.bans.fail(ip, claimed) {
		s.log.Warn("authentication failures exceeded; source refused", "source", ip, "user", claimed, "ban", s.cfg.Auth.BanTime.String())
		return "", withStatus(403, "", fmt.Errorf("%w: %w", ErrBanned, lastErr))
	}
	return "", s.challenge(req, proxy, false, fmt.Errorf("%w: %w", ErrAuthFailed, lastErr))
}

// challenge builds the 401 that asks for credentials. RFC 8760 §2.3 lists
// one challenge per algorithm, most preferred first. Browsers get MD5 first:
// JsSIP and SIP.js read only the first challenge and implement only MD5, so
// a SHA-256 challenge on top would stop them from registering at all.
func (s *Server) challenge(req *sip.Request, proxy, stale bool, cause error) error {
	values := s.auth.Challenge(stale)
	if strings.EqualFold(req.Transport(), "WS") {
		sort.SliceStable(values, func(i, j int) bool {
			return isMD5Challenge(values[i]) && !isMD5Challenge(values[j])
		})
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

// lookupSecret finds a configured user's secret.
func (s *Server) lookupSecret(user string) (sipauth.Secret, bool) {
	sec, ok := s.cfg.Users[user]
	return sec, ok
}

// sourceIP returns the IP the request came from.
func sourceIP(req *sip.Request) string {
	src := req.Source()
	if host, _, err := net.SplitHostPort(src); err == nil {
		return host
	}
	return src
}
