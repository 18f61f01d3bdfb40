package dtmf

import (
	"fmt"
	"time"
)

// Generator defaults and limits.
const (
	// DefaultInterval is the update interval of generated events (RFC 4733
	// §2.5.1.2 suggests 50 ms).
	DefaultInterval = 50 * time.Millisecond
	// MaxInterval bounds GeneratorConfig.Interval.
	MaxInterval = time.Second
	// DefaultVolume is the volume of generated events, in -dBm0 (RFC 4733
	// §2.3.4).
	DefaultVolume = 10
	// DefaultEndRepeats is how many times the end packet is sent (RFC 4733
	// §2.5.1.4).
	DefaultEndRepeats = 3
	// maxEndRepeats bounds GeneratorConfig.EndRepeats.
	maxEndRepeats = 10
	// MaxDuration bounds one press, generated or parsed from SIP INFO.
	MaxDuration = time.Minute
)

// GeneratorConfig configures a Generator. The zero value works: 8000 Hz,
// updates every 50 ms, volume 10, the end packet sent three times.
type GeneratorConfig struct {
	// ClockRate is the telephone-event clock rate negotiated on the leg the
	// packets go to. Zero means DefaultClockRate.
	ClockRate int
	// Interval is the time between updates of an event (for example
	// 20 ms to follow the audio packet time). Zero means DefaultInterval;
	// at most MaxInterval.
	Interval time.Duration
	// Volume is the power level in -dBm0, 0-63. Zero means DefaultVolume.
	Volume uint8
	// EndRepeats is how many times the end packet is sent, 1-10. Zero
	// means DefaultEndRepeats.
	EndRepeats int
}

// Outgoing is one telephone-event packet for the caller to send on its own
// RTP stream: the caller owns SSRC, sequence numbers and the timeline, and
// sets the RTP timestamp to the press's start on that timeline plus
// TimestampOffset.
type Outgoing struct {
	// Payload is the RTP payload: Event in wire form (RFC 4733 §2.3).
	Payload [EventSize]byte
	// Event is the payload's content.
	Event Event
	// Marker is the RTP marker bit: set on the first packet of a press
	// only (RFC 4733 §2.5.1.2).
	Marker bool
	// TimestampOffset is the RTP timestamp of the packet's segment, in
	// clock units from the start of the press: 0, then 0xFFFF, 0x1FFFE, …
	// for the segments of a long press (RFC 4733 §2.5.1.3).
	TimestampOffset uint32
	// SendAt is when to send the packet, from the start of the press: an
	// update reports the tone played so far (RFC 4733 §2.5.1.2).
	SendAt time.Duration
}

// Generator produces the telephone-event packets of one press at a time
// (RFC 4733 §2.5.1): Start a press, then call Next until it reports false.
// The first packet carries the marker bit, updates follow every interval
// with the duration so far, a press longer than 0xFFFF clock units is
// split into segments (RFC 4733 §2.5.1.3), and the end packet is repeated
// (RFC 4733 §2.5.1.4) at the same timestamp, one interval apart.
//
// A Generator is not safe for concurrent use. Next allocates nothing.
type Generator struct {
	rate    uint64
	ivl     uint64 // interval in clock units
	volume  uint8
	repeats int

	active  bool
	code    Code
	total   uint64 // press length, clock units
	elapsed uint64 // clock units reported by the last packet
	seg     uint64 // start of the current segment
	first   bool
	ends    int // end packets sent
}

// NewGenerator returns a Generator. A config out of range yields an error
// wrapping ErrInvalidConfig.
func NewGenerator(cfg GeneratorConfig) (*Generator, error) {
	rate, err := clockRate(cfg.ClockRate)
	if err != nil {
		return nil, err
	}
	ivl := cfg.Interval
	switch {
	case ivl == 0:
		ivl = DefaultInterval
	case ivl < 0 || ivl > MaxInterval:
		return nil, fmt.Errorf("%w: interval %v not in (0, %v]", ErrInvalidConfig, ivl, MaxInterval)
	}
	vol := cfg.Volume
	switch {
	case vol == 0:
		vol = DefaultVolume
	case vol > MaxVolume:
		return nil, fmt.Errorf("%w: volume %d: %w", ErrInvalidConfig, vol, ErrVolume)
	}
	rep := cfg.EndRepeats
	switch {
	case rep == 0:
		rep = DefaultEndRepeats
	case rep < 0 || rep > maxEndRepeats:
		return nil, fmt.Errorf("%w: end repeats %d not in 1-%d", ErrInvalidConfig, rep, maxEndRepeats)
	}
	return &Generator{
		rate:    rate,
		ivl:     max(durationToTicks(ivl, rate), 1),
		volume:  vol,
		repeats: rep,
	}, nil
}

// ClockRate returns the clock rate of the generated timestamps and
// durations.
func (g *Generator) ClockRate() int { return int(g.rate) }

// Start begins a press of code lasting d (at least one clock unit, at
// most MaxDuration). It yields an error wrapping ErrBusy while the last
// press has packets left, or ErrInvalidDuration.
func (g *Generator) Start(code Code, d time.Duration) error {
	if g.active {
		return fmt.Errorf("%w: press of %v not finished", ErrBusy, g.code)
	}
	if d <= 0 || d > MaxDuration {
		return fmt.Errorf("%w: %v not in (0, %v]", ErrInvalidDuration, d, MaxDuration)
	}
	*g = Generator{
		rate: g.rate, ivl: g.ivl, volume: g.volume, repeats: g.repeats,
		active: true, code: code, first: true,
		total: max(durationToTicks(d, g.rate), 1),
	}
	return nil
}

// Active reports whether the press has packets left to send.
func (g *Generator) Active() bool { return g.active }

// Length returns the length of the current (or last) press in clock
// units. Events of one stream do not overlap: the caller's timeline must
// move at least this far past the press's start before the next press.
func (g *Generator) Length() uint64 { return g.total }

// Next returns the next packet of the press, or false when none is left.
func (g *Generator) Next() (Outgoing, bool) {
	if !g.active {
		return Outgoing{}, false
	}
	if g.ends > 0 {
		// RFC 4733 §2.5.1.4: the end packet again, same timestamp and
		// duration, one interval later each time.
		out := g.packet(g.total-g.seg, true, g.total+uint64(g.ends)*g.ivl)
		g.ends++
		if g.ends >= g.repeats {
			g.active = false
		}
		return out, true
	}
	next := min(g.elapsed+g.ivl, g.total)
	if next-g.seg > segmentSpan {
		// RFC 4733 §2.5.1.3: the segment is full. Report its maximum
		// duration without the E bit, then continue in a new segment
		// whose timestamp is the old one plus that duration.
		end := g.seg + segmentSpan
		out := g.packet(segmentSpan, false, end)
		g.elapsed, g.seg = end, end
		return out, true
	}
	g.elapsed = next
	done := next == g.total
	out := g.packet(next-g.seg, done, next)
	if done {
		g.ends = 1
		if g.repeats == 1 {
			g.active = false
		}
	}
	return out, true
}

// packet builds a packet of the current segment reporting dur clock units,
// sent at clock position at.
func (g *Generator) packet(dur uint64, end bool, at uint64) Outgoing {
	out := Outgoing{
		Event: Event{
			Code:     g.code,
			End:      end,
			Volume:   g.volume,
			Duration: uint16(dur),
		},
		Marker:          g.first,
		TimestampOffset: uint32(g.seg),
		SendAt:          ticksToDuration(at, g.rate),
	}
	g.first = false
	out.Event.put(&out.Payload)
	return out
}
