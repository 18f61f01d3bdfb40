package wsgw

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"sync/atomic"
)

// connSeq numbers connections process-wide so IDs stay unique across servers.
var connSeq atomic.Uint64

// newConnID returns an identifier of the form "ws-<counter>-<8 hex digits>".
// The random part keeps IDs from different process runs apart in logs.
func newConnID() string {
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return "ws-" + strconv.FormatUint(connSeq.Add(1), 10) + "-" + hex.EncodeToString(b[:])
}
