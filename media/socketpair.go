package media

import (
	"errors"
	"net"
	"sync/atomic"
)

// SocketPair is one RTP/RTCP socket pair bound on adjacent ports: RTP on the
// even Port, RTCP on Port+1 (RFC 3550 §11). Pairs come from
// PortPool.Allocate; Close returns the ports to the pool.
type SocketPair struct {
	// RTP is the socket bound on Port.
	RTP *net.UDPConn
	// RTCP is the socket bound on Port+1.
	RTCP *net.UDPConn
	// Port is the RTP port number (even).
	Port int

	pool   *PortPool
	closed atomic.Bool
}

// Close closes both sockets and returns the ports to the pool (quarantined);
// it is idempotent and safe for concurrent use.
func (s *SocketPair) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	var errs []error
	if s.RTP != nil {
		errs = append(errs, s.RTP.Close())
	}
	if s.RTCP != nil {
		errs = append(errs, s.RTCP.Close())
	}
	if s.pool != nil {
		s.pool.release(s.Port)
	}
	return errors.Join(errs...)
}
