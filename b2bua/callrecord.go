package b2bua

import (
	"errors"
	"time"

	"github.com/callgate/callgate/b2bua/cdr"
	"github.com/callgate/callgate/b2bua/location"
	"github.com/callgate/callgate/b2bua/metrics"
	"github.com/callgate/callgate/media"
	"github.com/callgate/callgate/media/browserleg"
)

// callLife is what a call remembers for its record: when it rang and was
// answered, and the final status its caller got.
type callLife struct {
	rangAt     time.Time
	answeredAt time.Time
	finalCode  int
	// transcoding: the call was counted in the transcoding gauge.
	transcoding bool
}

// noteResponse follows the responses the caller gets: the first ringing
// and the final status feed the call's record and webhook events.
func (c *call) noteResponse(code int) {
	switch {
	case (code == 180 || code == 183) && c.life.rangAt.IsZero():
		c.life.rangAt = timeNow()
		c.s.records.Event(cdr.Event{Type: cdr.EventRinging, Time: c.life.rangAt, CallID: c.id, Caller: c.callerName(), Callee: c.calleeName()})
	case code >= 200 && c.life.finalCode == 0:
		c.life.finalCode = code
		if code < 300 {
			c.life.answeredAt = timeNow()
			c.s.records.Event(cdr.Event{Type: cdr.EventAnswered, Time: c.life.answeredAt, CallID: c.id, Caller: c.callerName(), Callee: c.calleeName()})
			c.s.metrics.CallAnswered(c.metricKind, c.life.answeredAt.Sub(c.started))
			if c.transcoding() {
				c.life.transcoding = true
				c.s.metrics.Transcoding(1)
			}
		}
	}
}

// transcoding reports whether the bridge converts codecs for this call.
func (c *call) transcoding() bool {
	return c.browserOpus != nil || (c.winner != nil && c.winner.transcode)
}

// callerName is the caller's user or number.
func (c *call) callerName() string { return c.invite.From().Address.User }

// calleeName is the number or user the caller dialled.
func (c *call) calleeName() string { return c.invite.Recipient.User }

// legTypes names the kinds of the two sides, for records and metrics.
func (c *call) legTypes() (caller, callee string) {
	switch {
	case c.inbound != nil:
		caller = cdr.LegTrunk
	case c.browserCaller:
		caller = cdr.LegBrowser
	default:
		caller = cdr.LegPhone
	}
	switch {
	case c.plan != nil:
		callee = cdr.LegTrunk
	case c.winner != nil && c.winner.bleg != nil, c.peerLeg != nil:
		callee = cdr.LegBrowser
	case c.winner != nil:
		callee = cdr.LegPhone
	}
	return caller, callee
}

// startMetrics counts the call as started, with the kind of callee its
// bindings (or trunks) promise: a mixed set of browsers and phones is
// "other". The same kind is used at its end, so the active gauge balances.
func (c *call) startMetrics(bindings []location.Binding) {
	caller, _ := c.legTypes()
	callee := ""
	switch {
	case c.plan != nil:
		callee = cdr.LegTrunk
	default:
		for _, b := range bindings {
			t := cdr.LegPhone
			if b.Transport == "WS" || b.Transport == "WSS" {
				t = cdr.LegBrowser
			}
			if callee != "" && callee != t {
				t = metrics.LegOther
			}
			callee = t
		}
	}
	c.metricKind = metrics.Kind(caller, callee)
	c.s.metrics.CallStarted(caller, callee)
}

// direction tells internal calls from calls through trunks.
func (c *call) direction() string {
	switch {
	case c.inbound != nil:
		return cdr.DirectionInbound
	case c.plan != nil:
		return cdr.DirectionOutbound
	}
	return cdr.DirectionInternal
}

// endReasons name hang-up causes in records, first match wins.
var endReasons = []struct {
	cause error
	name  string
}{
	{ErrCallerHangup, "caller_bye"}, {ErrCalleeHangup, "callee_bye"}, {ErrCallerCancel, "cancel"},
	{ErrRingTimeout, "ring_timeout"}, {ErrMediaTimeout, "media_timeout"}, {ErrMediaFailed, "media_failed"},
	{ErrNoAck, "no_ack"}, {ErrShutdown, "shutdown"}, {ErrAdminHangup, "admin_hangup"}, {ErrSessionExpired, "session_expired"}, {ErrTransferred, "transferred"},
}

// endReason turns the call's cause into the record's short reason.
func endReason(cause error, code int) string {
	for _, r := range endReasons {
		if errors.Is(cause, r.cause) {
			return r.name
		}
	}
	if code >= 300 {
		return "rejected"
	}
	return "ended"
}

// writeRecord writes the call's detail record and counts its end. stats
// are the relayed packets (caller side A); bs the browser bridge's figures
// when a browser took part.
func (c *call) writeRecord(cause error, stats media.RelayStats, bs *browserleg.BridgeStats) {
	callerLeg, calleeLeg := c.legTypes()
	code := c.life.finalCode
	if code == 0 {
		code = 487 // ended before any final response: the INVITE was terminated
	}
	rec := cdr.Record{
		CallID:       c.id,
		CallerCallID: c.caller.callID,
		Caller:       c.callerName(),
		Callee:       c.calleeName(),
		CallerLeg:    callerLeg,
		CalleeLeg:    calleeLeg,
		Trunk:        c.trunkName(),
		Direction:    c.direction(),
		Start:        c.started,
		End:          timeNow(),
		EndReason:    endReason(cause, code),
		SIPCode:      code,
		Transcoded:   c.transcoding(),
	}
	if c.callee != nil {
		rec.CalleeCallID = c.callee.callID
	}
	if c.plan != nil && c.plan.held != nil && rec.Trunk == "" {
		rec.Trunk = c.plan.held.Config().Name
	}
	if !c.life.answeredAt.IsZero() {
		at := c.life.answeredAt
		rec.Answer = &at
	}
	if c.winner != nil && c.winner.finalRes != nil {
		rec.CalleeCodec = firstCodec(c.winner.finalRes.Body())
	}
	rec.CallerCodec = rec.CalleeCodec
	if c.browserOpus != nil {
		rec.CallerCodec = c.browserOpus.Name
	}
	// Each leg's quality: packets that reached us from that party, and
	// what its RTCP reports say about the stream it receives (loss,
	// jitter, round trip to callgate; RFC 3550 §6.4.1). With a browser,
	// the bridge measures the phone side itself.
	if stats.AtoB.RTPPackets > 0 || stats.AQuality.ReportsReceived > 0 {
		c.putQuality(&rec, true, legQuality(stats.AtoB.RTPPackets, stats.AQuality))
	}
	if stats.BtoA.RTPPackets > 0 || stats.BQuality.ReportsReceived > 0 {
		c.putQuality(&rec, false, legQuality(stats.BtoA.RTPPackets, stats.BQuality))
	}
	if bs != nil {
		browserCaller := callerLeg == cdr.LegBrowser
		q := &cdr.Quality{PacketsReceived: bs.PhoneToBrowser, JitterMs: float64(bs.PhoneJitter) / float64(time.Millisecond),
			RTTMs: float64(bs.PhoneRTT) / float64(time.Millisecond)}
		if bs.PhonePacketsLost > 0 {
			q.PacketsLost = uint64(bs.PhonePacketsLost)
		}
		c.putQuality(&rec, !browserCaller, q)
		// The browser side: what its RTCP reports say about our stream.
		if c.bleg != nil {
			if bq := c.bleg.Quality(); bq.ReportsReceived > 0 {
				b := &cdr.Quality{PacketsReceived: bs.BrowserToPhone, LossPercent: bq.FractionLost * 100,
					JitterMs: float64(bq.Jitter) / float64(time.Millisecond), RTTMs: float64(bq.RTT) / float64(time.Millisecond)}
				if bq.CumulativeLost > 0 {
					b.PacketsLost = uint64(bq.CumulativeLost)
				}
				c.putQuality(&rec, browserCaller, b)
				c.s.metrics.Jitter(cdr.LegBrowser, b.JitterMs)
			}
		}
	}
	if c.life.transcoding {
		c.s.metrics.Transcoding(-1)
	}
	c.s.writeRecordLater(rec, c.log)
	c.s.metrics.CallEnded(c.metricKind, code, rec.Answer != nil)
	c.s.metrics.RTP(calleeLeg, stats.BtoA.RTPPackets, stats.BtoA.RTPBytes, lostOf(rec.CalleeQuality))
	c.s.metrics.RTP(callerLeg, stats.AtoB.RTPPackets, stats.AtoB.RTPBytes, lostOf(rec.CallerQuality))
	if bs != nil {
		c.s.metrics.Jitter(cdr.LegPhone, float64(bs.PhoneJitter)/float64(time.Millisecond))
	}
	if stats.AQuality.ReportsReceived > 0 {
		c.s.metrics.Jitter(callerLeg, rec.CallerQuality.JitterMs)
	}
	if stats.BQuality.ReportsReceived > 0 {
		c.s.metrics.Jitter(calleeLeg, rec.CalleeQuality.JitterMs)
	}
}

// putQuality files q as the caller's or the callee's quality in rec and
// logs it.
func (c *call) putQuality(rec *cdr.Record, caller bool, q *cdr.Quality) {
	if caller {
		rec.CallerQuality = q
		c.logQuality("caller", rec.CallerCodec, q)
		return
	}
	rec.CalleeQuality = q
	c.logQuality("callee", rec.CalleeCodec, q)
}

// setRelayClock tells the relay the RTP clock of the answered codec, so
// jitter from RTCP converts to time (RFC 3550 §6.4.1).
func (c *call) setRelayClock(answer []byte) {
	if c.relay == nil {
		return
	}
	codecs, _, err := media.ParseCodecs(answer)
	if err != nil || len(codecs) == 0 || codecs[0].Clock == 0 {
		return
	}
	c.relay.SetClockRate(media.LegA, int(codecs[0].Clock))
	c.relay.SetClockRate(media.LegB, int(codecs[0].Clock))
}

// legQuality turns a relay leg's figures into a record's.
func legQuality(packets uint64, lq media.LegQuality) *cdr.Quality {
	q := &cdr.Quality{PacketsReceived: packets, LossPercent: lq.FractionLost * 100,
		JitterMs: float64(lq.Jitter) / float64(time.Millisecond), RTTMs: float64(lq.RTT) / float64(time.Millisecond)}
	if lq.CumulativeLost > 0 {
		q.PacketsLost = uint64(lq.CumulativeLost)
	}
	return q
}

// lostOf is a quality's lost packets, 0 without one.
func lostOf(q *cdr.Quality) uint64 {
	if q == nil {
		return 0
	}
	return q.PacketsLost
}

// logQuality logs one leg's measured quality and its estimated MOS
// (E-model, see cdr.MOS), and feeds the MOS histogram.
func (c *call) logQuality(leg, codec string, q *cdr.Quality) {
	if q == nil || q.PacketsReceived == 0 {
		return
	}
	loss := q.LossPercent
	if total := q.PacketsReceived + q.PacketsLost; loss == 0 && total > 0 {
		loss = 100 * float64(q.PacketsLost) / float64(total)
	}
	mos := cdr.MOS(codec, loss, q.JitterMs, q.RTTMs)
	c.s.metrics.MOS(mos)
	c.log.Info("call quality", "leg", leg, "codec", codec, "packets", q.PacketsReceived, "lost", q.PacketsLost,
		"loss_percent", loss, "jitter_ms", q.JitterMs, "rtt_ms", q.RTTMs, "mos", mos)
}

// countLegFailure counts a browser leg that failed in its DTLS handshake.
func (c *call) countLegFailure(err error) {
	if errors.Is(err, browserleg.ErrDTLSFailed) {
		c.s.metrics.DTLSFailure()
	}
}

// firstCodec names the first codec of an SDP body, "" if none.
func firstCodec(body []byte) string {
	codecs, _, err := media.ParseCodecs(body)
	if err != nil || len(codecs) == 0 {
		return ""
	}
	return codecs[0].Name
}
