package b2bua

import "sync/atomic"

// Stats are counters over the server's lifetime.
type Stats struct {
	CallsStarted      uint64 // calls admitted
	CallsAnswered     uint64 // calls that reached 2xx
	RTPCallerToCallee uint64 // RTP packets relayed from callers to callees
	RTPCalleeToCaller uint64 // RTP packets relayed from callees to callers
}

// counters backs Stats.
type counters struct {
	started, answered, rtpAtoB, rtpBtoA atomic.Uint64
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	return Stats{
		CallsStarted:      s.counters.started.Load(),
		CallsAnswered:     s.counters.answered.Load(),
		RTPCallerToCallee: s.counters.rtpAtoB.Load(),
		RTPCalleeToCaller: s.counters.rtpBtoA.Load(),
	}
}
