package cdr

import "errors"

// ErrClosed is returned by Write, List, Prune and Reopen after Close.
var ErrClosed = errors.New("cdr: recorder closed")

// ErrInvalidRecord is returned by Write for a record without a CallID.
var ErrInvalidRecord = errors.New("cdr: invalid record")

// ErrNoDatabase is returned by List and Prune when Config.DBPath is empty.
var ErrNoDatabase = errors.New("cdr: no database configured")

// ErrLocked is returned by Open when the database file is held by another
// process or handle.
var ErrLocked = errors.New("cdr: database file in use")

// ErrConfig is returned by Open for an unusable configuration, such as a
// webhook URL that is not absolute http or https.
var ErrConfig = errors.New("cdr: invalid configuration")
