package trunk

import (
	"context"
	"fmt"
	"time"

	"github.com/emiago/sipgo/sip"
)

// runPinger pings the trunk every OptionsInterval until ctx ends.
func (t *Trunk) runPinger(ctx context.Context) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		err := t.Ping(ctx)
		if ctx.Err() != nil {
			return
		}
		t.recordPing(err)
		timer.Reset(t.cfg.OptionsInterval)
	}
}

// Ping sends one out-of-dialog OPTIONS (RFC 3261 §11) to the first
// destination and waits at most OptionsTimeout for a final response. It
// returns nil when the carrier answered with anything but 408 or 503 (see
// Up). Ping does not change the trunk's up/down state; the pinger started
// by Set.Start does. Errors wrap ErrPing or ErrResolve.
func (t *Trunk) Ping(ctx context.Context) error {
	if t.set.opts.Client == nil {
		return fmt.Errorf("%w: no client", ErrPing)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrPing, err)
	}
	ctx, cancel := context.WithTimeout(ctx, t.cfg.OptionsTimeout)
	defer cancel()
	dests, err := t.Destinations(ctx)
	if err != nil {
		return err
	}
	dest := dests[0]
	host, _ := t.local(dest)
	user := t.cfg.Username
	if user == "" {
		user = "callgate"
	}
	req := t.build(outRequest{
		method:  sip.OPTIONS,
		dest:    dest,
		ruri:    t.requestURI(""),
		from:    sip.Uri{Scheme: "sip", User: escapeUser(user), Host: host},
		fromTag: sip.GenerateTagN(16),
		to:      sip.Uri{Scheme: "sip", Host: t.cfg.Domain},
		callID:  newCallID(),
		cseq:    1,
		extra:   []sip.Header{sip.NewHeader("Accept", "application/sdp")},
	})
	res, err := t.send(ctx, req)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrPing, dest, err)
	}
	switch res.StatusCode {
	case sip.StatusRequestTimeout, sip.StatusServiceUnavailable:
		return fmt.Errorf("%w: %s answered %d", ErrPing, dest, res.StatusCode)
	}
	return nil
}

// recordPing updates the up/down state after a ping.
func (t *Trunk) recordPing(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lastPing = time.Now()
	if err == nil {
		t.pingErr, t.failures = "", 0
		if !t.up.Swap(true) {
			t.log.Info("trunk: up")
		}
		return
	}
	t.pingErr = err.Error()
	t.failures++
	t.log.Debug("trunk: ping failed", "error", err, "failures", t.failures)
	if t.failures >= t.cfg.OptionsFailures && t.up.Swap(false) {
		t.log.Warn("trunk: down", "error", err, "failures", t.failures)
	}
}
