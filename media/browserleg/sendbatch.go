package browserleg

import "net/netip"

// sendBatchMax bounds the packets one sendBatch holds; a full batch is
// flushed at once. 64 packets take one sendmmsg(2) call where they would
// otherwise take 64 sendto(2) calls.
const sendBatchMax = 64

// sendBatch gathers SRTP packets bound for browsers on one shared socket
// and sends them together. The playout clock fills one per lane during a
// tick and flushes it at the end, so the tick's packets toward all its
// browsers cost one system call instead of one each. On Linux the flush is
// a sendmmsg(2) (sendbatch_mmsg.go); elsewhere it sends packet by packet.
// A sendBatch belongs to one goroutine at a time; it allocates nothing
// after newSendBatch.
type sendBatch struct {
	conn *mediaConn
	bufs [sendBatchMax][]byte // encrypted packets, each with room for rtpMTU
	dst  [sendBatchMax]netip.AddrPort
	n    int

	sys batchSys // the platform's sending state

	sent, failed uint64 // packets so far, for tests
}

// newSendBatch returns a batch that sends on c.
func newSendBatch(c *mediaConn) *sendBatch {
	q := &sendBatch{conn: c}
	for i := range q.bufs {
		q.bufs[i] = make([]byte, rtpMTU+srtpOverhead)
	}
	q.sys.init(q)
	return q
}

// slot returns the buffer of the next packet, flushing first when the
// batch is full. The caller writes the packet into it and calls add.
func (q *sendBatch) slot() []byte {
	if q.n == sendBatchMax {
		q.flush()
	}
	return q.bufs[q.n][:0]
}

// add queues pkt, which must be the buffer slot returned, for to.
func (q *sendBatch) add(pkt []byte, to netip.AddrPort) {
	q.bufs[q.n] = pkt
	q.dst[q.n] = to
	q.n++
}

// flush sends every queued packet. A packet the kernel refuses (a
// destination it cannot reach) is counted and skipped; the rest still go.
func (q *sendBatch) flush() {
	if q.n == 0 {
		return
	}
	sent, failed := q.sys.send(q)
	q.sent += uint64(sent)
	q.failed += uint64(failed)
	q.n = 0
}

// sendEach is the portable flush: one write per packet.
func (q *sendBatch) sendEach() (sent, failed int) {
	for i := range q.n {
		if q.conn.send(q.bufs[i], q.dst[i]) != nil {
			failed++
			continue
		}
		sent++
	}
	return sent, failed
}
