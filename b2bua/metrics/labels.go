package metrics

import (
	"strconv"
	"strings"
)

// Leg types. Every leg of a call is one of these; any other string passed
// to a method taking a leg type is counted under LegOther.
const (
	LegBrowser = "browser" // a WebRTC client reached over WebSocket
	LegPhone   = "phone"   // a SIP phone registered with the gateway
	LegTrunk   = "trunk"   // a SIP trunk towards a carrier or PBX
	LegOther   = "other"   // anything not recognised
)

// legNames is indexed by the value legIndex returns.
var legNames = [...]string{LegBrowser, LegPhone, LegTrunk, LegOther}

const numLegs = len(legNames)

// legIndex maps a leg type onto its slot in legNames. Matching is
// case-insensitive; unknown values land on LegOther.
func legIndex(leg string) int {
	switch leg {
	case LegBrowser:
		return 0
	case LegPhone:
		return 1
	case LegTrunk:
		return 2
	}
	for i := range numLegs - 1 {
		if strings.EqualFold(leg, legNames[i]) {
			return i
		}
	}
	return numLegs - 1
}

// numKinds is the number of caller/callee leg-type pairs: 4 x 4 = 16, of
// which 9 (browser, phone, trunk on each side) occur in a healthy gateway.
const numKinds = numLegs * numLegs

// kindNames holds the canonical "caller_to_callee" label values, indexed by
// caller*numLegs+callee.
var kindNames [numKinds]string

// kindByName maps every canonical kind label back onto its index.
var kindByName = make(map[string]int, numKinds)

func init() {
	for a := range numLegs {
		for b := range numLegs {
			i := a*numLegs + b
			kindNames[i] = legNames[a] + "_to_" + legNames[b]
			kindByName[kindNames[i]] = i
		}
	}
}

// Kind returns the canonical call-kind label for a call from a leg of type
// caller to a leg of type callee, e.g. Kind("browser", "trunk") is
// "browser_to_trunk". Unknown leg types become "other". Pass the result to
// CallAnswered and CallEnded.
func Kind(caller, callee string) string {
	return kindNames[legIndex(caller)*numLegs+legIndex(callee)]
}

// kindIndex maps a kind label onto its slot in kindNames. A string that is
// not a canonical kind is parsed as "caller_to_callee" leniently; anything
// else lands on other_to_other.
func kindIndex(kind string) int {
	if i, ok := kindByName[kind]; ok {
		return i
	}
	a, b, ok := strings.Cut(kind, "_to_")
	if !ok {
		return numKinds - 1
	}
	return legIndex(a)*numLegs + legIndex(b)
}

// trackedCodes are the SIP final response codes (RFC 3261 §21) that keep
// their own label value because operators act on them individually. Every
// other code is folded into its class ("3xx" … "6xx") or "other".
var trackedCodes = [...]int{
	401, // Unauthorized, RFC 3261 §21.4.2
	403, // Forbidden, RFC 3261 §21.4.4
	404, // Not Found, RFC 3261 §21.4.5
	407, // Proxy Authentication Required, RFC 3261 §21.4.8
	408, // Request Timeout, RFC 3261 §21.4.9
	480, // Temporarily Unavailable, RFC 3261 §21.4.18
	481, // Call/Transaction Does Not Exist, RFC 3261 §21.4.19
	484, // Address Incomplete, RFC 3261 §21.4.22
	486, // Busy Here, RFC 3261 §21.4.24
	487, // Request Terminated, RFC 3261 §21.4.25
	488, // Not Acceptable Here, RFC 3261 §21.4.26
	500, // Server Internal Error, RFC 3261 §21.5.1
	502, // Bad Gateway, RFC 3261 §21.5.3
	503, // Service Unavailable, RFC 3261 §21.5.4
	504, // Server Time-out, RFC 3261 §21.5.5
	600, // Busy Everywhere, RFC 3261 §21.6.1
	603, // Decline, RFC 3261 §21.6.2
	606, // Not Acceptable, RFC 3261 §21.6.4
}

// Class label values for codes outside trackedCodes.
const (
	codeClass3xx = "3xx"
	codeClass4xx = "4xx"
	codeClass5xx = "5xx"
	codeClass6xx = "6xx"
	codeOther    = "other"
)

// numCodes is the number of distinct code label values.
const numCodes = len(trackedCodes) + 5

// codeNames is indexed by the value codeIndex returns: tracked codes first,
// then the four classes, then "other".
var codeNames [numCodes]string

// codeSlot maps a code in 300..699 onto its index in codeNames.
var codeSlot [400]uint8

func init() {
	n := len(trackedCodes)
	for i, c := range trackedCodes {
		codeNames[i] = strconv.Itoa(c)
	}
	codeNames[n] = codeClass3xx
	codeNames[n+1] = codeClass4xx
	codeNames[n+2] = codeClass5xx
	codeNames[n+3] = codeClass6xx
	codeNames[n+4] = codeOther
	// RFC 3261 §7.2: the first digit of a status code is its class.
	for c := 300; c < 700; c++ {
		codeSlot[c-300] = uint8(n + c/100 - 3)
	}
	for i, c := range trackedCodes {
		codeSlot[c-300] = uint8(i)
	}
}

// codeIndex maps a SIP status code onto its slot in codeNames. Codes below
// 300 or above 699 are not failure codes and land on "other".
func codeIndex(code int) int {
	if code < 300 || code > 699 {
		return numCodes - 1
	}
	return int(codeSlot[code-300])
}

// CodeLabel returns the label value used for SIP status code in
// callgate_calls_failed_total: the code itself for a fixed list of common
// codes (401 403 404 407 408 480 481 484 486 487 488 500 502 503 504 600
// 603 606), otherwise its class "3xx", "4xx", "5xx" or "6xx", and "other"
// for anything outside 300..699.
func CodeLabel(code int) string {
	return codeNames[codeIndex(code)]
}

// Transports of a registration binding (RFC 3261 §18, RFC 7118 §5).
// Anything else is counted under TransportOther.
const (
	TransportUDP   = "udp"
	TransportTCP   = "tcp"
	TransportTLS   = "tls"
	TransportWS    = "ws"
	TransportWSS   = "wss"
	TransportOther = "other"
)

// transportNames is indexed by the value transportIndex returns.
var transportNames = [...]string{TransportUDP, TransportTCP, TransportTLS, TransportWS, TransportWSS, TransportOther}

// transportIndex maps a transport name (any case, as found in a Via
// header) onto its slot in transportNames.
func transportIndex(t string) int {
	return lookupFold(transportNames[:], t)
}

// Reasons for an authentication failure. Anything else is counted under
// AuthOther.
const (
	AuthBadCredentials = "bad_credentials" // digest response or password did not match
	AuthBanned         = "banned"          // source is banned after repeated failures
	AuthStale          = "stale"           // nonce was stale or unknown (RFC 7616 §3.3 stale=true)
	AuthToken          = "token"           // browser token missing, expired or invalid
	AuthOther          = "other"
)

// authReasons is indexed by the value authIndex returns.
var authReasons = [...]string{AuthBadCredentials, AuthBanned, AuthStale, AuthToken, AuthOther}

// authIndex maps a failure reason onto its slot in authReasons.
func authIndex(reason string) int {
	return lookupFold(authReasons[:], reason)
}

// Trunk registration states (the state of the outbound REGISTER of
// RFC 3261 §10.2 that keeps a trunk registered with its carrier).
// Anything else is counted under RegStateUnknown.
const (
	RegStateOff         = "off"         // the trunk does not register
	RegStateRegistering = "registering" // a REGISTER is in progress
	RegStateRegistered  = "registered"  // the last REGISTER succeeded
	RegStateFailing     = "failing"     // the last REGISTER failed
	RegStateUnknown     = "unknown"
)

// regStates is indexed by the value regStateIndex returns.
var regStates = [...]string{RegStateOff, RegStateRegistering, RegStateRegistered, RegStateFailing, RegStateUnknown}

// regStateIndex maps a registration state onto its slot in regStates.
func regStateIndex(s string) int {
	return lookupFold(regStates[:], s)
}

// lookupFold returns the index of s in names, comparing case-insensitively,
// or the last index (the catch-all) when s is not among the others.
func lookupFold(names []string, s string) int {
	last := len(names) - 1
	for i := range last {
		if s == names[i] {
			return i
		}
	}
	for i := range last {
		if strings.EqualFold(s, names[i]) {
			return i
		}
	}
	return last
}
