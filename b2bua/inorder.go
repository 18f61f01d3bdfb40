package b2bua

import (
	"context"
	"time"

	"github.com/emiago/sipgo/sip"
)

// In-order requests. callgate sends some in-dialog requests without
// waiting for their answer on the call's goroutine: a transfer's NOTIFYs
// and DTMF as INFO. Sent each from a goroutine of its own, a later one
// could overtake an earlier one, and the peer must then reject the
// earlier, lower CSeq with 500 (RFC 3261 §12.2.2): a transfer's progress
// report or a digit would be lost, or two digits swapped. JsSIP rejects
// exactly so. sendInOrder therefore sends a leg's requests one at a time:
// each waits until the one before it was answered.

// inOrderWait bounds how long a request waits for the answer to the one
// before it; a peer that leaves a request unanswered this long is not
// waited for any further.
const inOrderWait = 5 * time.Second

// sendInOrder sends req in l's dialog after the previous request sent
// this way on l was answered or given up on, and runs then (when not nil)
// on the call's goroutine once req was answered or given up on. Without
// then, req outlives the call, as fireAndForget's requests do; with it,
// req is tied to the call and given 5 s. It runs on the call's goroutine,
// which owns l.
func (c *call) sendInOrder(l *leg, req *sip.Request, what string, then func()) {
	prev, done := l.sent, make(chan struct{})
	l.sent = done
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer close(done)
		if prev != nil {
			t := time.NewTimer(inOrderWait)
			select {
			case <-prev:
			case <-t.C:
			}
			t.Stop()
		}
		base, timeout := context.Background(), 32*time.Second
		if then != nil {
			base, timeout = c.ctx, 5*time.Second
		}
		ctx, cancel := context.WithTimeout(base, timeout)
		defer cancel()
		res, err := c.s.client.Do(ctx, req, keep)
		if err != nil || res == nil {
			c.log.Debug(what+" got no answer", "error", err)
		} else {
			c.log.Debug(what+" answered", "status", res.StatusCode)
		}
		if then != nil {
			c.post(then)
		}
	}()
}
