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
// exactly so. sendInOrder therefore sends a leg's requests one at a time,
// each after the answer to the one before, and numbers and writes each on
// the call's goroutine at the moment it goes out, so that no other
// request of the leg (a relayed re-INVITE, a session refresh) can
// overtake it either.

// inOrderWait bounds how long a request waits for the answer to the one
// before it; a peer that leaves a request unanswered this long is not
// waited for any further.
const inOrderWait = 5 * time.Second

// sendInOrder sends the request build makes for the CSeq it is given, in
// l's dialog, once the previous request sent this way on l was answered or
// given up on, and runs then (when not nil) on the call's goroutine once
// this one was answered or given up on. Without then the request outlives
// the call, as fireAndForget's requests do, and gets requestTimeout; with
// it, it is tied to the call and gets inOrderWait. A request still waiting
// when the call ends is not sent. It runs on the call's goroutine, which
// owns l.
func (c *call) sendInOrder(l *leg, build func(seq uint32) *sip.Request, what string, then func()) {
	prev, done := l.sent, make(chan struct{})
	l.sent = done
	if prev == nil || isClosed(prev) {
		c.sendNow(l, build, what, then, done)
		return
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		t := time.NewTimer(inOrderWait)
		select {
		case <-prev:
		case <-t.C:
		}
		t.Stop()
		if !c.post(func() { c.sendNow(l, build, what, then, done) }) {
			close(done)
		}
	}()
}

// sendNow numbers, builds and writes one request of sendInOrder, then
// waits for its answer on a goroutine and closes done. It runs on the
// call's goroutine.
func (c *call) sendNow(l *leg, build func(seq uint32) *sip.Request, what string, then func(), done chan struct{}) {
	base, timeout := context.Background(), requestTimeout
	if then != nil {
		base, timeout = c.ctx, inOrderWait
	}
	ctx, cancel := context.WithTimeout(base, timeout)
	tx, err := c.s.client.TransactionRequest(ctx, build(l.nextSeq()), keep)
	if err != nil {
		cancel()
		close(done)
		c.log.Debug(what+" not sent", "error", err)
		if then != nil {
			// Later, as an answer would have come: the caller does not
			// expect then to run before sendInOrder returns.
			c.wg.Add(1)
			go func() {
				defer c.wg.Done()
				c.post(then)
			}()
		}
		return
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer close(done)
		defer cancel()
		defer tx.Terminate()
		res, err := finalResponse(ctx, tx)
		c.logAnswer(what, res, err)
		if then != nil {
			c.post(then)
		}
	}()
}

// finalResponse waits for tx's final response, as sipgo's Client.Do does.
func finalResponse(ctx context.Context, tx sip.ClientTransaction) (*sip.Response, error) {
	for {
		select {
		case res := <-tx.Responses():
			if res.IsProvisional() {
				continue
			}
			return res, nil
		case <-tx.Done():
			return nil, tx.Err()
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// isClosed reports whether ch is closed.
func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
