package trunk

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// address is one parsed Config.Addresses entry.
type address struct {
	host string     // DNS name or IP literal without brackets
	ip   netip.Addr // valid when host is an IP literal
	port int        // 0 when absent
}

// parseAddress parses "host", "host:port", an IP literal, "[v6]" or
// "[v6]:port".
func parseAddress(s string) (address, error) {
	if s == "" {
		return address{}, fmt.Errorf("empty address")
	}
	// A bare IPv6 literal has colons but no brackets.
	if ip, err := netip.ParseAddr(s); err == nil {
		if ip.Zone() != "" {
			return address{}, fmt.Errorf("address %q: zones are not supported", s)
		}
		return address{host: ip.Unmap().String(), ip: ip.Unmap()}, nil
	}
	host, portStr := s, ""
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return address{}, fmt.Errorf("address %q: missing ]", s)
		}
		host = s[1:end]
		rest := s[end+1:]
		switch {
		case rest == "":
		case rest[0] == ':':
			portStr = rest[1:]
			if portStr == "" {
				return address{}, fmt.Errorf("address %q: empty port", s)
			}
		default:
			return address{}, fmt.Errorf("address %q: junk after ]", s)
		}
		ip, err := netip.ParseAddr(host)
		if err != nil || !ip.Is6() || ip.Zone() != "" {
			return address{}, fmt.Errorf("address %q: bad IPv6 literal", s)
		}
	} else if i := strings.LastIndexByte(s, ':'); i >= 0 {
		host, portStr = s[:i], s[i+1:]
		if portStr == "" {
			return address{}, fmt.Errorf("address %q: empty port", s)
		}
	}
	a := address{host: host}
	if portStr != "" {
		p, err := strconv.Atoi(portStr)
		if err != nil || p < 1 || p > 65535 || portStr[0] == '+' {
			return address{}, fmt.Errorf("address %q: bad port", s)
		}
		a.port = p
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip.Zone() != "" {
			return address{}, fmt.Errorf("address %q: zones are not supported", s)
		}
		a.ip = ip.Unmap()
		a.host = a.ip.String()
		return a, nil
	}
	if !validHost(host) {
		return address{}, fmt.Errorf("address %q: bad host name", s)
	}
	a.host = strings.ToLower(strings.TrimSuffix(host, "."))
	return a, nil
}

// validHost reports whether s is an IP literal or a DNS host name
// (RFC 3261 §25.1 hostname: labels of letters, digits and hyphens; the
// underscore is tolerated for internal names).
func validHost(s string) bool {
	if _, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")); err == nil {
		return true
	}
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			switch {
			case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_':
			default:
				return false
			}
		}
	}
	return true
}

// defaultPort is the port for a transport when none is given (RFC 3261
// §19.1.2, RFC 3263 §4.2).
func defaultPort(transport string) int {
	if transport == "TLS" {
		return 5061
	}
	return 5060
}

// hostPort joins an IP and port, bracketing IPv6.
func hostPort(ip netip.Addr, port int) string {
	return netip.AddrPortFrom(ip, uint16(port)).String()
}
