package wsgw

import "sync"

// maxPooledBuf is the largest send buffer kept for reuse; bigger ones are
// left to the garbage collector so one huge message does not pin memory.
const maxPooledBuf = 16 << 10

// sendBufs recycles the copies Conn.Send makes of outgoing messages.
var sendBufs = sync.Pool{
	New: func() any {
		b := make([]byte, 0, 2048)
		return &b
	},
}

// getBuf returns a pooled buffer holding a copy of msg.
func getBuf(msg []byte) *[]byte {
	bp := sendBufs.Get().(*[]byte)
	*bp = append((*bp)[:0], msg...)
	return bp
}

// putBuf returns bp to the pool when it is small enough.
func putBuf(bp *[]byte) {
	if cap(*bp) > maxPooledBuf {
		return
	}
	*bp = (*bp)[:0]
	sendBufs.Put(bp)
}
