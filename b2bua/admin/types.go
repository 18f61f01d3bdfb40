package admin

import "time"

// CallInfo describes one active call.
type CallInfo struct {
	// ID identifies the call in /admin/calls/{id}.
	ID string `json:"id"`
	// Caller and Callee are the calling user or number and the dialled
	// user or number.
	Caller string `json:"caller"`
	Callee string `json:"callee"`
	// CallerLeg and CalleeLeg describe the two legs (transport and peer
	// address, as the backend chooses to render them).
	CallerLeg string `json:"caller_leg"`
	CalleeLeg string `json:"callee_leg"`
	// Trunk names the carrier when one leg runs over a trunk.
	Trunk string `json:"trunk,omitempty"`
	// State is "ringing", "answered" or "closing".
	State string `json:"state"`
	// Start is when the INVITE arrived.
	Start time.Time `json:"start"`
	// Answered is when the callee answered; nil before.
	Answered *time.Time `json:"answered,omitempty"`
	// CallerCallID and CalleeCallID are the SIP Call-IDs of the two
	// dialogs (RFC 3261 §8.1.1.4), for correlating with packet captures.
	CallerCallID string `json:"caller_call_id"`
	CalleeCallID string `json:"callee_call_id"`
	// Codec is the negotiated audio codec, once known.
	Codec string `json:"codec,omitempty"`
}

// Call states reported in CallInfo.State.
const (
	StateRinging  = "ringing"
	StateAnswered = "answered"
	StateClosing  = "closing"
)

// Registration is one registrar binding (RFC 3261 §10.3).
type Registration struct {
	// AOR is the address of record, e.g. "sip:alice@example.com".
	AOR string `json:"aor"`
	// Contact is the bound contact URI.
	Contact string `json:"contact"`
	// Transport is the transport the REGISTER arrived on (UDP, TCP, TLS,
	// WS, WSS).
	Transport string `json:"transport"`
	// Source is the address the REGISTER came from.
	Source string `json:"source"`
	// UserAgent is the client's User-Agent header.
	UserAgent string `json:"user_agent"`
	// Expires is when the binding lapses unless refreshed.
	Expires time.Time `json:"expires"`
	// InstanceID is the +sip.instance parameter (RFC 5626 §4.1), if any.
	InstanceID string `json:"instance_id,omitempty"`
}

// User is one account of the gateway.
type User struct {
	// Name is the SIP user name.
	Name string `json:"name"`
	// Password is write-only: accepted by PUT, never returned nor logged.
	// On PUT replacing an existing user, an empty Password keeps the
	// stored one.
	Password string `json:"password,omitempty"`
	// Allow are regular expressions the dialled number must match for a
	// call to reach a trunk; empty means the gateway default.
	Allow []string `json:"allow"`
	// Groups the user belongs to.
	Groups []string `json:"groups"`
	// MaxCalls caps the user's concurrent calls; zero means the gateway's
	// per-user default.
	MaxCalls int `json:"max_calls"`
}

// TrunkStatus reports the health of one trunk.
type TrunkStatus struct {
	// Name is the trunk's configured name.
	Name string `json:"name"`
	// Up is false while the trunk is considered unreachable.
	Up bool `json:"up"`
	// ActiveCalls counts the calls currently over the trunk.
	ActiveCalls int `json:"active_calls"`
	// LastPing is when the last OPTIONS keepalive was answered; nil when
	// keepalives are off or none succeeded yet.
	LastPing *time.Time `json:"last_ping,omitempty"`
	// LastPingError is why the last keepalive failed, if it did.
	LastPingError string `json:"last_ping_error,omitempty"`
	// Registration is the state of the gateway's registration with the
	// carrier.
	Registration TrunkRegistration `json:"registration"`
}

// TrunkRegistration is the state of the gateway's own registration with a
// trunk (RFC 3261 §10.2).
type TrunkRegistration struct {
	// Enabled is false when the trunk is not registered to.
	Enabled bool `json:"enabled"`
	// State is a short word such as "registered", "registering" or
	// "failed".
	State string `json:"state,omitempty"`
	// LastError is why the last REGISTER failed, if it did.
	LastError string `json:"last_error,omitempty"`
	// Expires is when the registration lapses unless refreshed.
	Expires *time.Time `json:"expires,omitempty"`
}
