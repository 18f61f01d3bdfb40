package trunk

import "errors"

// Sentinel errors. Returned errors wrap them; compare with errors.Is.
var (
	// ErrBadConfig means a trunk, registration, caller-ID or dialplan
	// setting is invalid.
	ErrBadConfig = errors.New("trunk: invalid configuration")
	// ErrBadNumber means a telephone number cannot be normalised to E.164:
	// it is empty, contains characters other than digits and visual
	// separators, lacks a usable prefix or is too long.
	ErrBadNumber = errors.New("trunk: invalid telephone number")
	// ErrNoCredentials means a carrier challenged a request but the trunk
	// has no username and password.
	ErrNoCredentials = errors.New("trunk: no credentials for challenge")
	// ErrRealmMismatch means every challenge named a realm other than the
	// trunk's configured Realm.
	ErrRealmMismatch = errors.New("trunk: challenge realm does not match")
	// ErrBadChallenge means a 401/407 response carried no usable digest
	// challenge (missing, malformed, or only unsupported algorithms or
	// qop values), or the response was not a 401/407 at all.
	ErrBadChallenge = errors.New("trunk: unusable authentication challenge")
	// ErrResolve means no destination address could be found for a trunk.
	ErrResolve = errors.New("trunk: cannot resolve destination")
	// ErrRegister means an outbound registration attempt failed.
	ErrRegister = errors.New("trunk: registration failed")
	// ErrPing means an OPTIONS ping got no (acceptable) answer.
	ErrPing = errors.New("trunk: OPTIONS ping failed")
)
