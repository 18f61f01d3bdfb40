package trunk

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Defaults applied by NewSet to zero Config fields.
const (
	// DefaultTransport is used when Config.Transport is empty.
	DefaultTransport = "UDP"
	// DefaultOptionsTimeout bounds one OPTIONS ping.
	DefaultOptionsTimeout = 2 * time.Second
	// DefaultOptionsFailures is how many consecutive failed pings mark a
	// trunk down.
	DefaultOptionsFailures = 3
	// DefaultInviteTimeout is how long the B2BUA waits for any response to
	// an INVITE before failing over to the next destination or trunk.
	DefaultInviteTimeout = 4 * time.Second
	// DefaultRegisterExpiry is the registration lifetime requested.
	DefaultRegisterExpiry = 600 * time.Second
	// DefaultRegisterTimeout bounds one registration attempt.
	DefaultRegisterTimeout = 4 * time.Second
	// DefaultRetryMin is the first back-off after a failed registration.
	DefaultRetryMin = 2 * time.Second
	// DefaultRetryMax caps the registration back-off.
	DefaultRetryMax = 5 * time.Minute
)

// Config is one trunk to a carrier. Zero values get defaults in NewSet.
type Config struct {
	// Name identifies the trunk in dialplan rules, logs and status; it is
	// required and unique within a Set.
	Name string
	// Addresses are the carrier's SIP servers, tried in order: "host",
	// "host:port", an IP literal, or "[v6]:port". A DNS name without a port
	// is resolved with SRV records (RFC 3263 §4.2) and, when there are none,
	// A/AAAA records on port 5060 (5061 for TLS). A name with a port is
	// resolved with A/AAAA only.
	Addresses []string
	// Transport is "UDP" (default), "TCP" or "TLS" (case-insensitive).
	Transport string
	// Domain is the host put in Request-URI, To and From toward the
	// carrier; default the host of the first address.
	Domain string
	// Username and Password answer the carrier's digest challenges
	// (RFC 3261 §22.2); Username is also the registered address-of-record
	// user.
	Username, Password string
	// Realm restricts the challenges answered to this realm; empty answers
	// any realm.
	Realm string
	// AuthUsername is the digest username when it differs from Username.
	AuthUsername string
	// Register configures outbound registration to the carrier.
	Register RegisterConfig
	// CallerID is the caller identity policy toward the carrier.
	CallerID CallerIDPolicy
	// Inbound lists source networks whose requests come from this trunk,
	// besides the resolved Addresses.
	Inbound []netip.Prefix
	// Codecs lists the codec names (e.g. "PCMU", "PCMA", "G722", "opus",
	// "telephone-event") the carrier may be offered; empty allows all.
	Codecs []string
	// OptionsInterval is the time between OPTIONS pings; zero disables
	// pinging and the trunk is always up.
	OptionsInterval time.Duration
	// OptionsTimeout bounds one ping; default DefaultOptionsTimeout.
	OptionsTimeout time.Duration
	// OptionsFailures is how many consecutive failed pings mark the trunk
	// down; default DefaultOptionsFailures. One successful ping marks it up
	// again.
	OptionsFailures int
	// MaxCalls caps concurrent calls through the trunk; zero is unlimited.
	MaxCalls int
	// InviteTimeout is how long to wait for any response to an INVITE
	// before failing over; default DefaultInviteTimeout.
	InviteTimeout time.Duration
}

// RegisterConfig configures outbound registration (RFC 3261 §10.2).
type RegisterConfig struct {
	// Enabled turns registration on; it needs Username and an address.
	Enabled bool
	// Expiry is the lifetime requested; default DefaultRegisterExpiry.
	Expiry time.Duration
	// ContactUser is the user part of our Contact, which the carrier puts
	// in the Request-URI of calls it sends us; default Username.
	ContactUser string
	// RetryMin and RetryMax bound the exponential back-off after failures;
	// defaults DefaultRetryMin and DefaultRetryMax.
	RetryMin, RetryMax time.Duration
	// Timeout bounds one attempt, challenge round trip included; default
	// DefaultRegisterTimeout.
	Timeout time.Duration
}

// CallerIDPolicy says which identity calls present to the carrier.
type CallerIDPolicy struct {
	// FromUser is a fixed From user; empty keeps the caller's number/user.
	FromUser string
	// FromDisplay is a fixed display name; empty keeps the caller's.
	FromDisplay string
	// AssertedIdentity adds P-Asserted-Identity: <sip:user@Domain>
	// (RFC 3325 §9.1).
	AssertedIdentity bool
	// AssertedUser is the user in P-Asserted-Identity; empty uses the From
	// user (before any anonymisation).
	AssertedUser string
	// Privacy, when set, is sent as the Privacy header (RFC 3323 §4.2):
	// one or more of "header", "session", "user", "id", "critical" or
	// "none", separated by ";". With "id" or "user" the From header becomes
	// "Anonymous" <sip:anonymous@anonymous.invalid> (RFC 3323 §4.1.1.3).
	Privacy string
}

// Validate checks c without applying defaults. Errors wrap ErrBadConfig.
func (c Config) Validate() error {
	if err := c.validate(); err != nil {
		return fmt.Errorf("%w: trunk %q: %w", ErrBadConfig, c.Name, err)
	}
	return nil
}

func (c Config) validate() error {
	if c.Name == "" {
		return fmt.Errorf("name is required")
	}
	if strings.ContainsFunc(c.Name, badNameRune) {
		return fmt.Errorf("name contains spaces or control characters")
	}
	if len(c.Addresses) == 0 && len(c.Inbound) == 0 {
		return fmt.Errorf("needs addresses or inbound networks")
	}
	for _, a := range c.Addresses {
		if _, err := parseAddress(a); err != nil {
			return err
		}
	}
	if normTransport(c.Transport) == "" {
		return fmt.Errorf("unknown transport %q", c.Transport)
	}
	if c.Domain != "" && !validHost(c.Domain) {
		return fmt.Errorf("invalid domain %q", c.Domain)
	}
	if c.Password != "" && c.Username == "" && c.AuthUsername == "" {
		return fmt.Errorf("password without username")
	}
	for _, s := range []string{c.Username, c.AuthUsername, c.Realm, c.Register.ContactUser} {
		if strings.ContainsFunc(s, isCTL) {
			return fmt.Errorf("control characters in credentials or contact user")
		}
	}
	for _, p := range c.Inbound {
		if !p.IsValid() {
			return fmt.Errorf("invalid inbound prefix")
		}
	}
	for _, name := range c.Codecs {
		if strings.TrimSpace(name) == "" || strings.ContainsFunc(name, badNameRune) {
			return fmt.Errorf("invalid codec name %q", name)
		}
	}
	switch {
	case c.OptionsInterval < 0, c.OptionsTimeout < 0, c.InviteTimeout < 0:
		return fmt.Errorf("negative timeout or interval")
	case c.OptionsFailures < 0:
		return fmt.Errorf("negative options failure count")
	case c.MaxCalls < 0:
		return fmt.Errorf("negative max calls")
	case c.OptionsInterval > 0 && len(c.Addresses) == 0:
		return fmt.Errorf("options pings need an address")
	}
	if err := c.Register.validate(c); err != nil {
		return err
	}
	return c.CallerID.validate()
}

func (r RegisterConfig) validate(c Config) error {
	if !r.Enabled {
		return nil
	}
	switch {
	case len(c.Addresses) == 0:
		return fmt.Errorf("registration needs an address")
	case c.Username == "":
		return fmt.Errorf("registration needs a username")
	case r.Expiry < 0, r.RetryMin < 0, r.RetryMax < 0, r.Timeout < 0:
		return fmt.Errorf("negative registration duration")
	case r.Expiry > 0 && r.Expiry < time.Second:
		return fmt.Errorf("registration expiry below one second")
	case r.RetryMin > 0 && r.RetryMax > 0 && r.RetryMin > r.RetryMax:
		return fmt.Errorf("registration RetryMin exceeds RetryMax")
	}
	return nil
}

func (p CallerIDPolicy) validate() error {
	for _, s := range []string{p.FromUser, p.AssertedUser} {
		if s != "" && !validUser(s) {
			return fmt.Errorf("invalid caller-ID user %q", s)
		}
	}
	if strings.ContainsFunc(p.FromDisplay, isCTL) {
		return fmt.Errorf("control characters in caller-ID display name")
	}
	if p.Privacy != "" {
		if _, err := parsePrivacy(p.Privacy); err != nil {
			return err
		}
	}
	return nil
}

// withDefaults returns c with zero fields defaulted; c must be valid.
func (c Config) withDefaults() Config {
	c.Transport = normTransport(c.Transport)
	c.Addresses = append([]string(nil), c.Addresses...)
	c.Inbound = append([]netip.Prefix(nil), c.Inbound...)
	c.Codecs = append([]string(nil), c.Codecs...)
	if c.Domain == "" && len(c.Addresses) > 0 {
		a, _ := parseAddress(c.Addresses[0])
		c.Domain = a.host
	}
	if c.OptionsTimeout == 0 {
		c.OptionsTimeout = DefaultOptionsTimeout
	}
	if c.OptionsFailures == 0 {
		c.OptionsFailures = DefaultOptionsFailures
	}
	if c.InviteTimeout == 0 {
		c.InviteTimeout = DefaultInviteTimeout
	}
	r := &c.Register
	if r.Expiry == 0 {
		r.Expiry = DefaultRegisterExpiry
	}
	if r.ContactUser == "" {
		r.ContactUser = c.Username
	}
	if r.RetryMin == 0 {
		r.RetryMin = DefaultRetryMin
	}
	if r.RetryMax == 0 {
		r.RetryMax = max(DefaultRetryMax, r.RetryMin)
	}
	// An explicit RetryMax below the default RetryMin wins.
	r.RetryMin = min(r.RetryMin, r.RetryMax)
	if r.Timeout == 0 {
		r.Timeout = DefaultRegisterTimeout
	}
	return c
}

// normTransport returns the canonical transport name or "" if unknown.
func normTransport(s string) string {
	switch strings.ToUpper(s) {
	case "", "UDP":
		return "UDP"
	case "TCP":
		return "TCP"
	case "TLS":
		return "TLS"
	}
	return ""
}

// badNameRune rejects white space and control characters in names.
func badNameRune(r rune) bool { return r <= ' ' || r == 0x7f }

// isCTL reports ASCII control characters (RFC 3261 §25.1 excludes them
// from quoted strings).
func isCTL(r rune) bool { return r < 0x20 || r == 0x7f }

// validUser reports whether s may be used as a SIP URI user without
// escaping (RFC 3261 §25.1 unreserved and user-unreserved characters).
func validUser(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-_.!~*'()&=+$,;?/", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// parsePrivacy checks an RFC 3323 §4.2 Privacy value (priv-value
// *(";" priv-value)) and reports whether it hides the caller's identity.
func parsePrivacy(s string) (anonymous bool, err error) {
	for _, v := range strings.Split(s, ";") {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "id", "user":
			anonymous = true
		case "header", "session", "critical", "none":
		default:
			return false, fmt.Errorf("unknown privacy value %q", v)
		}
	}
	return anonymous, nil
}
