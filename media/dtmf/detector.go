package dtmf

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// MaxPackedEvents bounds how many events one packet may pack (RFC 4733
// §2.5.1.5); the Detector rejects longer payloads.
const MaxPackedEvents = 16

// Detector timing defaults.
const (
	// defaultInterval is the update interval assumed until an event shows
	// its own (RFC 4733 §2.5.1.2 suggests 50 ms).
	defaultInterval = 50 * time.Millisecond
	// minTimeout and maxTimeout bound the adaptive end timeout.
	minTimeout = 100 * time.Millisecond
	maxTimeout = 3 * time.Second
	// staleWindow is how far behind the newest event a timestamp may lie
	// and still count as a late packet of this stream rather than a jump
	// of the stream's timeline.
	staleWindow = 4 * time.Second
	// defaultHistory is how many finished events are remembered.
	defaultHistory = 16
)

// DetectorConfig configures a Detector. The zero value works: 8000 Hz,
// adaptive timeout, slog.Default.
type DetectorConfig struct {
	// ClockRate is the telephone-event clock rate negotiated on the leg
	// (the rate in a=rtpmap:<pt> telephone-event/<rate>). Zero means
	// DefaultClockRate.
	ClockRate int
	// Timeout ends an event whose end packets were lost when no packet of
	// it arrived for this long. Zero means three update intervals as
	// measured on the event itself (50 ms until measured), kept within
	// 100 ms to 3 s.
	Timeout time.Duration
	// Logger receives debug logs of reported digits. Nil means
	// slog.Default().
	Logger *slog.Logger
}

// Detector turns the telephone-event packets of one received RTP stream
// into digits, each reported exactly once through the callback with its
// whole duration: when its end packet arrives (RFC 4733 §2.5.1.4 repeats
// of it are ignored), when a later event begins, when no packet of it came
// for the timeout (call Tick; Deadline tells when), or on Flush.
//
// A Detector is not safe for concurrent use: one goroutine (the call's)
// owns it. Feeding a packet allocates nothing.
type Detector struct {
	rate    uint64
	timeout time.Duration // fixed, or 0 for adaptive
	log     *slog.Logger
	onDigit func(Digit)

	ssrc     uint32
	haveSSRC bool
	newest   uint32 // newest segment timestamp seen on this timeline
	haveNew  bool
	window   uint32 // staleWindow in clock units

	cur   current
	hist  history
	stats DetectorStats
}

// current is the event in progress.
type current struct {
	active     bool
	code       Code
	volume     uint8
	start, seg uint32 // timestamps of the first and the current segment
	base       uint64 // duration of the finished segments, clock units
	dur        uint16 // duration of the current segment
	step       uint16 // smallest positive duration step seen (update interval)
	fresh      bool   // no packet of the event applied yet
	last       time.Time
}

// NewDetector returns a Detector that calls onDigit for each digit, from
// inside Feed, FeedRTP, Tick or Flush. onDigit must not call back into
// the Detector. A nil onDigit or an invalid config yields an error
// wrapping ErrInvalidConfig.
func NewDetector(cfg DetectorConfig, onDigit func(Digit)) (*Detector, error) {
	return newDetector(cfg, onDigit, defaultHistory)
}

// newDetector is NewDetector with a chosen history size.
func newDetector(cfg DetectorConfig, onDigit func(Digit), hist int) (*Detector, error) {
	if onDigit == nil {
		return nil, fmt.Errorf("%w: nil digit callback", ErrInvalidConfig)
	}
	rate, err := clockRate(cfg.ClockRate)
	if err != nil {
		return nil, err
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("%w: negative timeout %v", ErrInvalidConfig, cfg.Timeout)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Detector{
		rate:    rate,
		timeout: cfg.Timeout,
		log:     log,
		onDigit: onDigit,
		window:  uint32(durationToTicks(staleWindow, rate)),
		hist:    history{ring: make([]span, hist)},
	}, nil
}

// Feed processes one packet received at now. It first closes the event in
// progress if its timeout passed before now. A payload that is not 1 to
// MaxPackedEvents whole events yields an error wrapping ErrShortPayload or
// ErrPayloadLength, and changes nothing else.
func (d *Detector) Feed(now time.Time, p Packet) error {
	d.Tick(now)
	n := len(p.Payload)
	switch {
	case n < EventSize:
		d.stats.Malformed++
		return fmt.Errorf("%w: %d octets", ErrShortPayload, n)
	case n%EventSize != 0 || n > MaxPackedEvents*EventSize:
		d.stats.Malformed++
		return fmt.Errorf("%w: %d octets is not 1-%d whole events", ErrPayloadLength, n, MaxPackedEvents)
	}
	d.stats.Packets++
	if !d.haveSSRC || p.SSRC != d.ssrc {
		d.restart(p.SSRC)
	}
	// RFC 4733 §2.5.2.4: packed events follow each other without gap; each
	// one starts where the previous one's duration ends.
	ts := p.Timestamp
	for off := 0; off < n; off += EventSize {
		ev := decodeEvent(p.Payload[off:])
		d.event(now, ts, ev, p.Marker)
		ts += uint32(ev.Duration)
	}
	return nil
}

// Tick closes the event in progress if no packet of it arrived for its
// timeout before now, reporting it with the last known duration.
func (d *Detector) Tick(now time.Time) {
	if d.cur.active && now.Sub(d.cur.last) >= d.eventTimeout() {
		d.stats.TimedOut++
		d.finish(false)
	}
}

// Deadline returns when the event in progress times out, so the owner can
// arm a timer and call Tick then. It reports false when no event is in
// progress.
func (d *Detector) Deadline() (time.Time, bool) {
	if !d.cur.active {
		return time.Time{}, false
	}
	return d.cur.last.Add(d.eventTimeout()), true
}

// Flush reports the event in progress, if any, with its last known
// duration: call it when the stream ends (hang-up, hold, re-INVITE).
func (d *Detector) Flush() {
	if d.cur.active {
		d.finish(false)
	}
}

// Stats returns the counters.
func (d *Detector) Stats() DetectorStats { return d.stats }

// restart begins the timeline of a new stream. Finished events stay
// remembered (keyed by SSRC) so a stream that comes back repeats nothing.
func (d *Detector) restart(ssrc uint32) {
	d.Flush()
	d.ssrc, d.haveSSRC = ssrc, true
	d.haveNew = false
}

// event processes one 4-octet event whose (segment) timestamp is ts.
func (d *Detector) event(now time.Time, ts uint32, ev Event, marker bool) {
	c := &d.cur
	if c.active {
		switch {
		case ts == c.seg:
			d.update(now, ev)
			return
		case segmentOf(c.start, c.seg, ts):
			// An earlier segment of this press, arriving late.
			d.stats.Ignored++
			return
		case ts == c.seg+segmentSpan && ev.Code == c.code:
			// RFC 4733 §2.5.2.3: the next segment of a long event
			// continues the same press; its duration counts from the
			// new timestamp.
			c.base += uint64(ts - c.seg)
			c.seg, c.dur = ts, 0
			d.advance(ts)
			d.update(now, ev)
			return
		}
	}
	// RFC 4733 §2.5.2.2: the timestamp identifies the event. One that was
	// already reported (its retransmitted end packets, RFC 4733 §2.5.1.4,
	// or late updates) or that lies just behind the newest one is not a
	// new press.
	if d.hist.seen(d.ssrc, ts) || d.stale(ts) {
		d.stats.Ignored++
		return
	}
	// A new event ends the one in progress, whose end packets were lost.
	d.Flush()
	*c = current{active: true, fresh: true, code: ev.Code, start: ts, seg: ts, last: now}
	if !marker {
		d.stats.LostStarts++
	}
	d.advance(ts)
	d.update(now, ev)
}

// update applies a packet of the current segment.
func (d *Detector) update(now time.Time, ev Event) {
	c := &d.cur
	c.last = now
	c.volume = ev.Volume
	if ev.Duration > c.dur {
		// The smallest step between updates is the sender's interval
		// (RFC 4733 §2.5.1.2); a lost packet only makes a step larger.
		if step := ev.Duration - c.dur; !c.fresh && (c.step == 0 || step < c.step) {
			c.step = step
		}
		c.dur = ev.Duration
	}
	c.fresh = false
	if ev.End {
		d.finish(true)
	}
}

// finish reports the current event and remembers it.
func (d *Detector) finish(ended bool) {
	c := &d.cur
	c.active = false
	d.hist.add(span{ssrc: d.ssrc, start: c.start, seg: c.seg})
	dg := Digit{
		Code:      c.code,
		Duration:  ticksToDuration(c.base+uint64(c.dur), d.rate),
		Volume:    c.volume,
		SSRC:      d.ssrc,
		Timestamp: c.start,
		Ended:     ended,
	}
	d.stats.Digits++
	if d.log.Enabled(context.Background(), slog.LevelDebug) {
		d.log.Debug("dtmf: digit", "code", dg.Code.String(), "duration", dg.Duration,
			"ssrc", dg.SSRC, "timestamp", dg.Timestamp, "ended", ended)
	}
	d.onDigit(dg)
}

// advance moves the newest timestamp forward to ts.
func (d *Detector) advance(ts uint32) {
	if !d.haveNew || int32(ts-d.newest) > 0 {
		d.newest, d.haveNew = ts, true
	}
}

// stale reports whether ts lies within the stale window behind the newest
// event: a late packet of an event never seen whole, reported out of order
// if taken. Further back, the sender's timeline jumped and ts is new.
func (d *Detector) stale(ts uint32) bool {
	if !d.haveNew {
		return false
	}
	behind := d.newest - ts
	return int32(behind) > 0 && behind <= d.window
}

// eventTimeout returns the timeout of the event in progress.
func (d *Detector) eventTimeout() time.Duration {
	if d.timeout > 0 {
		return d.timeout
	}
	ivl := defaultInterval
	if d.cur.step != 0 {
		ivl = ticksToDuration(uint64(d.cur.step), d.rate)
	}
	return min(max(3*ivl, minTimeout), maxTimeout)
}
