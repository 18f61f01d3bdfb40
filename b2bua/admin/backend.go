package admin

import "context"

// Backend is what the admin API drives; the gateway implements it. Every
// method may be called concurrently from several requests. Errors should
// wrap ErrNotFound or ErrInvalid where they apply; any other error is
// answered with 500 and the error's message, so messages must not carry
// secrets.
type Backend interface {
	// Calls lists the active calls.
	Calls() []CallInfo
	// Call returns one active call; false when there is none with that ID.
	Call(id string) (CallInfo, bool)
	// Hangup ends a call, sending reason to both legs where the protocol
	// allows (RFC 3326 Reason header); ErrNotFound when there is no such
	// call. reason is printable ASCII without quotes or backslashes.
	Hangup(id string, reason string) error
	// Registrations lists registrar bindings, of one user or of all when
	// user is "".
	Registrations(ctx context.Context, user string) ([]Registration, error)
	// Users lists the accounts without passwords.
	Users() ([]User, error)
	// User returns one account without its password; false when there is
	// none by that name.
	User(name string) (User, bool, error)
	// PutUser creates or replaces an account, persisting it, and reports
	// whether it was created. An empty Password on replacement keeps the
	// stored password; on creation the backend may refuse it. Refused input
	// wraps ErrInvalid.
	PutUser(u User) (created bool, err error)
	// DeleteUser removes an account; ErrNotFound when there is none.
	DeleteUser(name string) error
	// Trunks reports the state of every trunk.
	Trunks() []TrunkStatus
	// Reload rereads the configuration and applies it without dropping
	// established calls.
	Reload(ctx context.Context) error
}
