package location

import "errors"

// ErrClosed is returned by every Store method called after Close.
var ErrClosed = errors.New("location: store closed")

// ErrLocked is returned by OpenBolt when the database file is held by another
// process (or another open handle) for longer than BoltOptions.Timeout.
var ErrLocked = errors.New("location: database file in use")

// ErrInvalidBinding is returned by Put for a binding that cannot be stored:
// empty AOR or Contact, a NUL byte in either, zero Expires or a q-value
// outside 0..1.
var ErrInvalidBinding = errors.New("location: invalid binding")

// ErrCorrupt reports a persisted record that cannot be decoded.
var ErrCorrupt = errors.New("location: corrupt record")
