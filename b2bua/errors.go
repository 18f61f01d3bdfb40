package b2bua

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/emiago/sipgo/sip"
)

// Sentinel errors of the signalling core. Handlers wrap them in a
// StatusError to choose the SIP response that reaches the wire.
var (
	// ErrNoCredentials means a request that needs authentication carried none.
	ErrNoCredentials = errors.New("b2bua: no credentials")
	// ErrAuthFailed means the credentials were present but did not verify.
	ErrAuthFailed = errors.New("b2bua: authentication failed")
	// ErrTokenExpired means token credentials verified but their expiry
	// has passed.
	ErrTokenExpired = errors.New("b2bua: token expired")
	// ErrBadToken means token credentials did not verify (forged, or signed
	// with another secret) or were minted for too long.
	ErrBadToken = errors.New("b2bua: invalid token")
	// ErrDestinationNotAllowed means a token's destinations exclude the
	// called number.
	ErrDestinationNotAllowed = errors.New("b2bua: destination not allowed for this token")
	// ErrBanned means the source exceeded the allowed authentication failures.
	ErrBanned = errors.New("b2bua: too many authentication failures")
	// ErrNotAuthorized means an authenticated user acted on another user's resource.
	ErrNotAuthorized = errors.New("b2bua: not authorized for this address-of-record")
	// ErrUnknownDomain means the request targets a domain this gateway does not serve.
	ErrUnknownDomain = errors.New("b2bua: domain not served here")
	// ErrBadRequest means a request was syntactically valid SIP but semantically malformed.
	ErrBadRequest = errors.New("b2bua: bad request")
	// ErrIntervalTooBrief means a registration asked for less than the minimum expiry.
	ErrIntervalTooBrief = errors.New("b2bua: registration interval too brief")
	// ErrOutOfOrder means a REGISTER reused a Call-ID with a CSeq not above the stored one.
	ErrOutOfOrder = errors.New("b2bua: out-of-order registration")
	// ErrBadExtension means the request required an option tag we do not support.
	ErrBadExtension = errors.New("b2bua: unsupported extension required")
	// ErrStore means the location store failed.
	ErrStore = errors.New("b2bua: location store failure")
	// ErrNoDial means a request would have needed a connection to a host that
	// must never be dialled (a WebSocket client or a .invalid name).
	ErrNoDial = errors.New("b2bua: refusing to dial a WebSocket client")
	// ErrClosed means the server has been shut down.
	ErrClosed = errors.New("b2bua: server closed")
	// ErrNoSuchUser means the called user does not exist (404).
	ErrNoSuchUser = errors.New("b2bua: no such user")
	// ErrNotRegistered means the called user has no current binding (480).
	ErrNotRegistered = errors.New("b2bua: user not registered")
	// ErrTooManyCalls means a call limit was reached.
	ErrTooManyCalls = errors.New("b2bua: call limit reached")
	// ErrLoop means Max-Forwards ran out (483).
	ErrLoop = errors.New("b2bua: too many hops")
	// ErrNoDialog means an in-dialog request matched no dialog (481).
	ErrNoDialog = errors.New("b2bua: no such dialog")
	// ErrFlowClosed means the WebSocket a request went over, or was to go
	// over, has closed.
	ErrFlowClosed = errors.New("b2bua: websocket closed")
	// ErrMedia means media could not be set up (no ports, bad SDP).
	ErrMedia = errors.New("b2bua: media set-up failed")
	// ErrBadConfig means the configuration given to New is inconsistent.
	ErrBadConfig = errors.New("b2bua: bad configuration")
	// ErrNoRoute means no dialplan rule matches a dialled number (404).
	ErrNoRoute = errors.New("b2bua: no route for number")
	// ErrNoTrunk means every trunk of a route was down, full or failed.
	ErrNoTrunk = errors.New("b2bua: no trunk available")
	// ErrUserReadOnly means a user from the configuration file was to be
	// changed at run time.
	ErrUserReadOnly = errors.New("b2bua: user is defined in the configuration")
	// ErrBadUser means an account change was refused (no password, bad
	// name or pattern).
	ErrBadUser = errors.New("b2bua: invalid user")
	// ErrUnknownDID means a trunk called a number no DID route serves (404).
	ErrUnknownDID = errors.New("b2bua: unknown DID")
)

// Hang-up causes: the cause of a call's context when it ends.
var (
	// ErrCallerHangup: the caller sent BYE.
	ErrCallerHangup = errors.New("caller hung up")
	// ErrCalleeHangup: the callee sent BYE.
	ErrCalleeHangup = errors.New("callee hung up")
	// ErrCallerCancel: the caller sent CANCEL before the answer.
	ErrCallerCancel = errors.New("caller cancelled")
	// ErrRingTimeout: nobody answered within the ring timeout.
	ErrRingTimeout = errors.New("ring timeout")
	// ErrNoAck: the caller never acknowledged the 2xx (RFC 3261 §13.3.1.4).
	ErrNoAck = errors.New("no ACK for 2xx")
	// ErrMediaTimeout: no RTP from either side for the inactivity timeout.
	ErrMediaTimeout = errors.New("media inactivity timeout")
	// ErrMediaFailed: a browser's ICE or DTLS failed, or its media ended.
	ErrMediaFailed = errors.New("media path failed")
	// ErrSessionExpired: a session timer ran out or its refresh failed
	// (RFC 4028 §10).
	ErrSessionExpired = errors.New("session expired")
	// ErrTransferred: the call's remaining party was joined to another
	// call by an attended transfer (RFC 3891).
	ErrTransferred = errors.New("transferred")
	// ErrAdminHangup: an operator ended the call through the admin API.
	ErrAdminHangup = errors.New("ended by the administrator")
	// ErrShutdown: the gateway is shutting down.
	ErrShutdown = errors.New("gateway shutdown")
	// ErrCallFailed: the callee side failed with a final response.
	ErrCallFailed = errors.New("call failed")
)

// StatusError carries the SIP final response that an error should produce.
// It wraps the underlying cause so errors.Is keeps working.
type StatusError struct {
	Code   int    // SIP status code, 300–699
	Reason string // reason phrase; empty means the standard one
	Err    error  // cause, for logs and errors.Is
	// Headers are added to the response (WWW-Authenticate, Min-Expires,
	// Unsupported, ...).
	Headers []sip.Header
}

// Error describes the status and its cause.
func (e *StatusError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("sip %d %s", e.Code, e.Reason)
	}
	return fmt.Sprintf("sip %d %s: %v", e.Code, e.Reason, e.Err)
}

// Unwrap returns the cause.
func (e *StatusError) Unwrap() error { return e.Err }

// withStatus wraps err in a StatusError with the given code, reason and
// extra response headers.
func withStatus(code int, reason string, err error, hdrs ...sip.Header) error {
	return &StatusError{Code: code, Reason: reason, Err: err, Headers: hdrs}
}

// RetryAfterBusy is the Retry-After, in seconds, on callgate's own 503s
// for a passing lack of capacity: the call limit, the RTP port range, a
// trunk's call limit, shutdown. A proxy or dispatcher in front of callgate
// then tries another server at once and leaves this one alone that long
// (RFC 3261 §21.5.4, §20.33); without it, it must treat the 503 as a 500.
const RetryAfterBusy = 5

// unavailable is a 503 with the given reason and Retry-After: RetryAfterBusy.
func unavailable(reason string, err error) error {
	return withStatus(503, reason, err, sip.NewHeader("Retry-After", strconv.Itoa(RetryAfterBusy)))
}

// statusOf maps any error to the SIP status to send: the innermost
// StatusError wins; anything else is a 500.
func statusOf(err error) (int, string, []sip.Header) {
	var se *StatusError
	if errors.As(err, &se) {
		reason := se.Reason
		if reason == "" {
			reason = reasonPhrase(se.Code)
		}
		return se.Code, reason, se.Headers
	}
	return 500, reasonPhrase(500), nil
}

// reasonPhrase returns the RFC 3261 §21 default reason phrase for code.
func reasonPhrase(code int) string {
	switch code {
	case 200:
		return "OK"
	case 400:
		return "Bad Request"
	case 401:
		return "Unauthorized"
	case 403:
		return "Forbidden"
	case 404:
		return "Not Found"
	case 405:
		return "Method Not Allowed"
	case 407:
		return "Proxy Authentication Required"
	case 408:
		return "Request Timeout"
	case 420:
		return "Bad Extension"
	case 423:
		return "Interval Too Brief"
	case 480:
		return "Temporarily Unavailable"
	case 481:
		return "Call/Transaction Does Not Exist"
	case 483:
		return "Too Many Hops"
	case 486:
		return "Busy Here"
	case 487:
		return "Request Terminated"
	case 488:
		return "Not Acceptable Here"
	case 491:
		return "Request Pending"
	case 500:
		return "Server Internal Error"
	case 501:
		return "Not Implemented"
	case 502:
		return "Bad Gateway"
	case 503:
		return "Service Unavailable"
	case 603:
		return "Decline"
	}
	return "Unknown"
}
