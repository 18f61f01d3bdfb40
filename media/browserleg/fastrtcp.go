package browserleg

import (
	"time"
)

// browserRTCPInterval is the deterministic interval of the RTCP
// reports the fast path sends a browser, randomised to 0.5–1.5 times it
// (RFC 3550 §6.3.1). RFC 3550 §6.2 recommends 5 seconds as the minimum;
// browsers report audio about as often.
const browserRTCPInterval = 5 * time.Second

// startReports schedules the leg's first report (RFC 3550 §6.2: the first
// may come after half the interval).
func (f *fastLeg) startReports() {
	if f.every <= 0 {
		return
	}
	f.timerMu.Lock()
	defer f.timerMu.Unlock()
	if f.stopped {
		return
	}
	f.timer = time.AfterFunc(rtcpDelay(f.every, true), f.reportTick)
}

// stopReports cancels the reports; when it returns, no report is being
// sent nor will be.
func (f *fastLeg) stopReports() {
	f.timerMu.Lock()
	defer f.timerMu.Unlock()
	f.stopped = true
	if f.timer != nil {
		f.timer.Stop()
	}
}

// reportTick sends one report and schedules the next.
func (f *fastLeg) reportTick() {
	f.timerMu.Lock()
	defer f.timerMu.Unlock()
	if f.stopped {
		return
	}
	f.sendReport(time.Now())
	f.timer.Reset(rtcpDelay(f.every, false))
}

// sendReport sends one compound RTCP packet to the browser (RFC 3550
// §6.1): an SR when the leg sent RTP since the report before the last,
// else an RR, on the leg's SSRC, with a report block about the browser's
// stream when it sent since the last report; then SDES with the CNAME
// signalled for the leg (RFC 3550 §6.5.1). Nothing before pion bound the
// leg's track (no SSRC yet).
func (f *fastLeg) sendReport(now time.Time) {
	l := f.l
	b := l.track.bound.Load()
	if b == nil {
		return
	}
	f.statsMu.Lock()
	block, hasBlock := f.stats.report(now)
	f.statsMu.Unlock()
	ntp := ntpTime(now)
	l.wmu.Lock()
	si, isSR := l.sent.info(int64(now.Sub(epoch)))
	l.wmu.Unlock()
	raw, err := compoundReport(b.ssrc, l.track.stream, ntp, si, isSR, block, hasBlock, false)
	if err != nil {
		l.log.Debug("browserleg: build RTCP for the browser", "err", err)
		return
	}
	if err := f.sendRTCP(raw, b.ssrc); err != nil {
		l.log.Debug("browserleg: send RTCP to the browser", "err", err)
		return
	}
	if isSR {
		l.reports.noteSR(ntp, now)
	}
	f.rtcpOut.Add(1)
}

// sendRTCP encrypts a compound packet whose first SSRC is ssrc and sends
// it to the browser. The first time for an SSRC, our SRTCP index starts
// after every one pion used (RFC 3711 §3.4: an index is never reused under
// a key, and the browser's replay check would drop a repeated one).
func (f *fastLeg) sendRTCP(raw []byte, ssrc uint32) error {
	l := f.l
	l.wmu.Lock()
	defer l.wmu.Unlock()
	if l.fast != f {
		return nil
	}
	if !f.indexed || f.indexSSRC != ssrc {
		f.tx.SetIndex(ssrc, l.reports.pionSent(ssrc))
		f.indexed, f.indexSSRC = true, ssrc
	}
	out, err := f.tx.EncryptRTCP(nil, raw, nil)
	if err != nil {
		return err
	}
	return f.conn.send(out, f.peer)
}
