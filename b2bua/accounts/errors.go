package accounts

import "errors"

var (
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("accounts: store closed")
	// ErrNotFound means there is no account by that name.
	ErrNotFound = errors.New("accounts: no such account")
	// ErrCorrupt means a stored record could not be read.
	ErrCorrupt = errors.New("accounts: corrupt record")
)
