package hep

import "errors"

// ErrMalformed is returned by Decode for input that is not a well-formed HEP3
// packet: a bad magic, a total or chunk length outside the buffer, a chunk of
// the wrong size for its type, a repeated chunk or inconsistent addresses.
var ErrMalformed = errors.New("hep: malformed packet")

// ErrAddress is returned by Encode when Src and Dst are not both valid
// addresses of the same family.
var ErrAddress = errors.New("hep: source and destination must be valid addresses of one family")

// ErrTime is returned by Encode for a timestamp the 32-bit seconds chunk
// cannot carry (before 1970 or after 2106).
var ErrTime = errors.New("hep: timestamp out of range")

// ErrTooLarge is returned by Encode when the packet would exceed the 16-bit
// total length of the HEP3 header, or a chunk its 16-bit chunk length.
var ErrTooLarge = errors.New("hep: packet too large")

// ErrConfig is returned by NewExporter for an unusable Config.
var ErrConfig = errors.New("hep: invalid configuration")
