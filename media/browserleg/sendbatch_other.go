//go:build !linux || !(amd64 || arm64)

package browserleg

// batchSys is empty where sendmmsg(2) is not used: a flush writes the
// packets one by one.
type batchSys struct{}

// init implements the platform hook; nothing to prepare.
func (*batchSys) init(*sendBatch) {}

// send writes q's packets one by one.
func (*batchSys) send(q *sendBatch) (sent, failed int) { return q.sendEach() }
