package location

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Binding is one registered contact of an AOR (RFC 3261 §10.2.1).
type Binding struct {
	// AOR is the canonical address-of-record "user@domain" (domain in lower
	// case, RFC 3261 §10.3 step 5); it is the lookup key.
	AOR string
	// Contact is the contact URI as registered, without header parameters,
	// e.g. "sip:1000@192.0.2.1:5062;transport=udp".
	Contact string
	// Expires is the absolute expiry time of the binding.
	Expires time.Time
	// Q is the q-value in 0..1 (RFC 3261 §10.2.1.2); zero means unset and
	// is stored as 1.0.
	Q float64
	// CallID is the Call-ID of the REGISTER that created or refreshed the
	// binding (RFC 3261 §10.3 step 7).
	CallID string
	// CSeq is the CSeq number of that REGISTER.
	CSeq uint32
	// InstanceID is the RFC 5626 §4.1 +sip.instance value, e.g.
	// "<urn:uuid:...>"; empty if absent.
	InstanceID string
	// RegID is the RFC 5626 §4.2 reg-id, 0 if absent.
	RegID int
	// Transport is the transport the REGISTER arrived on: "UDP", "TCP",
	// "TLS", "WS" or "WSS".
	Transport string
	// Source is the real "ip:port" the REGISTER came from (RFC 3261
	// §18.2.1 received, RFC 3581 rport), used to reach UAs behind NAT.
	Source string
	// ConnID identifies the connection of a connection-oriented flow (the
	// WebSocket connection id or the TCP remote address); empty for UDP.
	ConnID string
	// UserAgent is the User-Agent header of the REGISTER.
	UserAgent string
	// UpdatedAt is when the binding was last created or refreshed; zero is
	// replaced by the current time on Put.
	UpdatedAt time.Time
}

// Persistent reports whether the binding should survive a restart: every
// binding except those over WebSocket. RFC 7118 §5: a WebSocket binding is
// only reachable over the connection it was registered on, so it is never
// restored.
func (b Binding) Persistent() bool {
	return !strings.EqualFold(b.Transport, "WS") && !strings.EqualFold(b.Transport, "WSS")
}

// CanonicalAOR returns the canonical AOR "user@domain" for the user and host
// parts of a To URI. RFC 3261 §10.3 step 5 and §19.1.4: the host part is
// compared case-insensitively, the user part case-sensitively.
func CanonicalAOR(user, host string) string {
	host = strings.ToLower(host)
	if user == "" {
		return host
	}
	return user + "@" + host
}

// validate reports whether b may be stored as is (after normalize).
func (b *Binding) validate() error {
	switch {
	case b.AOR == "":
		return fmt.Errorf("%w: empty AOR", ErrInvalidBinding)
	case b.Contact == "":
		return fmt.Errorf("%w: empty Contact", ErrInvalidBinding)
	case strings.IndexByte(b.AOR, 0) >= 0 || strings.IndexByte(b.Contact, 0) >= 0:
		return fmt.Errorf("%w: NUL byte in AOR or Contact", ErrInvalidBinding)
	case b.Expires.IsZero():
		return fmt.Errorf("%w: zero Expires", ErrInvalidBinding)
	case math.IsNaN(b.Q) || b.Q <= 0 || b.Q > 1:
		// RFC 3261 §20.10: qvalue is a number between 0 and 1.
		return fmt.Errorf("%w: q-value %v outside 0..1", ErrInvalidBinding, b.Q)
	}
	return nil
}

// normalize applies the defaults of Put and validates the result.
func (b *Binding) normalize(now time.Time) error {
	if b.Q == 0 {
		// RFC 3261 §10.2.1.2: a contact without q is treated as q=1.0.
		b.Q = 1
	}
	if b.UpdatedAt.IsZero() {
		b.UpdatedAt = now
	}
	// Drop monotonic readings so in-memory and persisted values compare
	// the same way.
	b.Expires = b.Expires.Round(0)
	b.UpdatedAt = b.UpdatedAt.Round(0)
	b.Transport = strings.ToUpper(b.Transport)
	return b.validate()
}

// before reports whether a sorts before b in a Lookup result: higher Q
// first, then most recently updated, then by Contact for determinism.
func before(a, b *Binding) bool {
	if a.Q != b.Q {
		return a.Q > b.Q
	}
	if !a.UpdatedAt.Equal(b.UpdatedAt) {
		return a.UpdatedAt.After(b.UpdatedAt)
	}
	return a.Contact < b.Contact
}

// replaces reports whether storing nb removes the existing binding old of
// the same AOR.
func replaces(nb, old *Binding) bool {
	if old.Contact == nb.Contact {
		// RFC 3261 §10.3 step 8: same AOR and contact URI: update.
		return true
	}
	if nb.InstanceID == "" || old.InstanceID != nb.InstanceID {
		return false
	}
	if nb.RegID != 0 {
		// RFC 5626 §6: a new flow with the same instance-id and reg-id
		// replaces the old one.
		return old.RegID == nb.RegID
	}
	// RFC 5626 §6, RFC 5627: without reg-id the instance-id alone
	// identifies the binding.
	return true
}

// bindingKey is the identity of a binding: its AOR and contact URI.
type bindingKey struct {
	aor, contact string
}

func (b *Binding) key() bindingKey { return bindingKey{b.AOR, b.Contact} }

// dbKey is the bbolt key of a binding: AOR, NUL, Contact.
func dbKey(aor, contact string) []byte {
	k := make([]byte, 0, len(aor)+1+len(contact))
	k = append(k, aor...)
	k = append(k, 0)
	return append(k, contact...)
}
