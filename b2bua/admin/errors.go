package admin

import "errors"

// ErrNotFound is wrapped by Backend errors for a call or user that does
// not exist; the handler answers 404.
var ErrNotFound = errors.New("admin: not found")

// ErrInvalid is wrapped by Backend errors for input the backend refuses,
// such as a malformed user name; the handler answers 400 with the
// wrapping message.
var ErrInvalid = errors.New("admin: invalid input")

// ErrNoToken is returned by New when Config.Token is empty or unusable:
// the admin API never runs without authentication.
var ErrNoToken = errors.New("admin: no bearer token configured")

// ErrNoBackend is returned by New when the Backend is nil.
var ErrNoBackend = errors.New("admin: no backend")
