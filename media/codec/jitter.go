package codec

import (
	"fmt"
	"math/bits"
	"time"
)

// Defaults of JitterConfig.
const (
	DefaultJitterMinDelay   = 20 * time.Millisecond
	DefaultJitterMaxDelay   = 100 * time.Millisecond
	DefaultJitterCapacity   = 32
	DefaultJitterMaxPayload = 1500
)

// Tuning of the delay adaptation.
const (
	// jitterFactor scales the RFC 3550 jitter estimate (a mean deviation)
	// to the extra delay that absorbs most arrivals: for delays spread
	// evenly over a range, the estimate is a third of that range.
	jitterFactor = 3
	// shrinkAfter is how many consecutive playouts the buffer must hold
	// two frames more than its target before it drops one to catch up.
	shrinkAfter = 5
	// lateResetAfter consecutive late packets mean the sender jumped back
	// in sequence: the buffer starts over.
	lateResetAfter = 16
)

// JitterConfig sizes a JitterBuffer. The zero value works for a stream of
// 20 ms packets at an 8 kHz clock.
type JitterConfig struct {
	// ClockRate is the stream's RTP clock in Hz; 0 means 8000.
	ClockRate int
	// MinDelay and MaxDelay bound the target playout delay; 0 means
	// DefaultJitterMinDelay and DefaultJitterMaxDelay.
	MinDelay, MaxDelay time.Duration
	// Capacity is the number of packets held, rounded up to a power of two;
	// 0 means DefaultJitterCapacity. A packet further ahead than that
	// restarts the buffer.
	Capacity int
	// MaxPayload is the largest payload stored, in bytes; larger packets
	// are refused. 0 means DefaultJitterMaxPayload.
	MaxPayload int
}

// PushResult tells what JitterBuffer.Push did with a packet.
type PushResult uint8

// Push results.
const (
	// Accepted: the packet waits for playout.
	Accepted PushResult = iota
	// Duplicate: a packet with this sequence number is already waiting.
	Duplicate
	// Late: its turn to play has passed; dropped.
	Late
	// TooLarge: the payload exceeds MaxPayload; dropped.
	TooLarge
	// Restarted: the packet was far outside the window (a jump in
	// sequence numbers); the buffer dropped what it held and started a
	// new stream with it.
	Restarted
)

// PopResult tells what JitterBuffer.Pop found for the current playout slot.
type PopResult uint8

// Pop results.
const (
	// Idle: nothing to play yet (no packet, or still filling to the
	// target delay before the first playout). Send nothing.
	Idle PopResult = iota
	// Play: the returned packet is due; decode it.
	Play
	// Lost: the packet due is missing while later ones are waiting; it is
	// given up. Conceal one packet's worth; Peek shows the packet after it,
	// whose redundancy may rebuild it (FEC).
	Lost
	// Underrun: nothing is waiting at all. Conceal one packet's worth; the
	// buffer keeps waiting for the missing packet, which adds one packet
	// of delay.
	Underrun
)

// JitterPacket is a packet handed out by JitterBuffer.Pop or Peek. Payload
// points into the buffer's storage and stays valid until the next Push,
// Pop or Reset.
type JitterPacket struct {
	Seq       uint16 // RTP sequence number
	Timestamp uint32 // RTP timestamp; zero for Lost and Underrun
	Payload   []byte // the payload; nil for Lost and Underrun
}

// JitterStats counts what a JitterBuffer did.
type JitterStats struct {
	Received   uint64        // packets offered to Push
	Played     uint64        // packets returned by Pop
	Lost       uint64        // Pop results Lost
	Underruns  uint64        // Pop results Underrun
	Late       uint64        // packets too late to play
	Duplicates uint64        // duplicate packets
	TooLarge   uint64        // packets over MaxPayload
	Dropped    uint64        // packets dropped to shrink the delay
	Restarts   uint64        // restarts after a sequence jump
	Jitter     time.Duration // interarrival jitter (RFC 3550 §6.4.1, A.8)
	Delay      time.Duration // current target delay
}

// jbSlot holds one packet in the ring.
type jbSlot struct {
	used bool
	ext  int64 // extended sequence number
	ts   uint32
	n    int
	data []byte // fixed-size storage, MaxPayload bytes
}

// JitterBuffer reorders the RTP packets of one stream and paces them out
// for a fixed playout tick, adapting its delay to the measured jitter. It
// is a fixed ring of slots indexed by sequence number: Push copies the
// payload into its slot and nothing is allocated per packet. Time is only
// what the caller passes to Push, so tests can use a fake clock.
//
// Playout starts once the buffer holds its target delay; from then on each
// Pop returns the next packet in sequence, or reports it Lost (later ones
// wait) or an Underrun (nothing waits). The target delay is MinDelay plus
// three times the RFC 3550 interarrival jitter, limited to MaxDelay; when
// the buffer runs long, it drops a packet to catch up.
//
// It is not safe for concurrent use.
type JitterBuffer struct {
	cfg   JitterConfig
	slots []jbSlot
	mask  int64

	primed  bool  // a packet was accepted since the last restart
	started bool  // playout has begun
	next    int64 // extended sequence number due next
	highest int64 // highest extended sequence number accepted
	count   int   // packets waiting

	// RFC 3550 A.8 jitter estimate, in clock ticks.
	jitter      float64
	lastArrival time.Time
	lastTS      uint32
	haveLast    bool

	ticks    uint32 // RTP ticks per packet, learned from consecutive packets
	prevExt  int64  // sequence and timestamp of the last accepted packet
	prevTS   uint32
	havePrev bool

	excessRun int
	lateRun   int
	stats     JitterStats
}

// NewJitterBuffer returns an empty buffer.
func NewJitterBuffer(cfg JitterConfig) (*JitterBuffer, error) {
	if cfg.ClockRate == 0 {
		cfg.ClockRate = 8000
	}
	if cfg.MinDelay == 0 {
		cfg.MinDelay = DefaultJitterMinDelay
	}
	if cfg.MaxDelay == 0 {
		cfg.MaxDelay = DefaultJitterMaxDelay
	}
	if cfg.Capacity == 0 {
		cfg.Capacity = DefaultJitterCapacity
	}
	if cfg.MaxPayload == 0 {
		cfg.MaxPayload = DefaultJitterMaxPayload
	}
	switch {
	case cfg.ClockRate < 1000 || cfg.ClockRate > 192000:
		return nil, fmt.Errorf("%w: jitter buffer clock %d Hz", ErrInvalidConfig, cfg.ClockRate)
	case cfg.MinDelay < 0 || cfg.MaxDelay < cfg.MinDelay:
		return nil, fmt.Errorf("%w: jitter buffer delay %v–%v", ErrInvalidConfig, cfg.MinDelay, cfg.MaxDelay)
	case cfg.Capacity < 4 || cfg.Capacity > 1024:
		return nil, fmt.Errorf("%w: jitter buffer capacity %d outside 4–1024", ErrInvalidConfig, cfg.Capacity)
	case cfg.MaxPayload < 1 || cfg.MaxPayload > 65536:
		return nil, fmt.Errorf("%w: jitter buffer payload limit %d", ErrInvalidConfig, cfg.MaxPayload)
	}
	cfg.Capacity = 1 << bits.Len(uint(cfg.Capacity-1))
	j := &JitterBuffer{cfg: cfg, slots: make([]jbSlot, cfg.Capacity), mask: int64(cfg.Capacity - 1)}
	store := make([]byte, cfg.Capacity*cfg.MaxPayload)
	for i := range j.slots {
		j.slots[i].data = store[i*cfg.MaxPayload : (i+1)*cfg.MaxPayload : (i+1)*cfg.MaxPayload]
	}
	j.Reset()
	return j, nil
}

// Reset empties the buffer and forgets the stream, keeping the counters.
func (j *JitterBuffer) Reset() {
	for i := range j.slots {
		j.slots[i].used = false
	}
	j.primed, j.started, j.haveLast, j.havePrev = false, false, false, false
	j.count, j.excessRun, j.lateRun = 0, 0, 0
	j.jitter = 0
	j.ticks = uint32(j.cfg.ClockRate / framesPerSecond)
}

// Push offers a packet that arrived at now. The payload is copied.
func (j *JitterBuffer) Push(seq uint16, ts uint32, payload []byte, now time.Time) PushResult {
	j.stats.Received++
	if len(payload) > j.cfg.MaxPayload {
		j.stats.TooLarge++
		return TooLarge
	}
	if !j.primed {
		j.begin(seq)
		j.store(j.next, ts, payload, now)
		return Accepted
	}
	ext := j.next + int64(int16(seq-uint16(j.next)))
	capacity := int64(len(j.slots))
	switch {
	case ext < j.next:
		// Before playout starts, a packet that overtook an earlier one
		// moves the start back instead of being late.
		if !j.started && j.highest-ext < capacity {
			j.next = ext
			break
		}
		j.stats.Late++
		j.arrived(ts, now)
		j.lateRun++
		if j.lateRun < lateResetAfter {
			return Late
		}
		j.restart(seq, ts, payload, now)
		return Restarted
	case ext >= j.next+capacity:
		// RFC 3550 §A.1 treats a large jump as a new sequence; the held
		// packets belong to the old one.
		j.restart(seq, ts, payload, now)
		return Restarted
	}
	if s := &j.slots[ext&j.mask]; s.used && s.ext == ext {
		j.stats.Duplicates++
		return Duplicate
	}
	j.store(ext, ts, payload, now)
	return Accepted
}

// begin starts a new stream whose first packet has sequence number seq.
func (j *JitterBuffer) begin(seq uint16) {
	j.primed = true
	// Extended numbers start high enough that moving back is still
	// positive; the slot index only uses the low bits.
	j.next = 1<<32 + int64(seq)
	j.highest = j.next
}

// restart drops everything and starts over with the given packet.
func (j *JitterBuffer) restart(seq uint16, ts uint32, payload []byte, now time.Time) {
	j.stats.Restarts++
	j.Reset()
	j.begin(seq)
	j.store(j.next, ts, payload, now)
}

// store files an accepted packet and updates the estimates.
func (j *JitterBuffer) store(ext int64, ts uint32, payload []byte, now time.Time) {
	s := &j.slots[ext&j.mask]
	if !s.used {
		j.count++
	}
	s.used, s.ext, s.ts = true, ext, ts
	s.n = copy(s.data, payload)
	j.lateRun = 0
	j.highest = max(j.highest, ext)

	// Packet duration from two consecutive sequence numbers.
	if j.havePrev && ext == j.prevExt+1 {
		if d := ts - j.prevTS; d > 0 && int(d) <= j.cfg.ClockRate*120/1000 {
			j.ticks = d
		}
	}
	j.prevExt, j.prevTS, j.havePrev = ext, ts, true
	j.arrived(ts, now)
}

// arrived updates the jitter estimate with a packet that arrived at now.
func (j *JitterBuffer) arrived(ts uint32, now time.Time) {
	// RFC 3550 §6.4.1 and A.8: D is the difference of the relative transit
	// times of this packet and the previous one, J += (|D| - J)/16.
	if j.haveLast {
		arrival := now.Sub(j.lastArrival).Seconds() * float64(j.cfg.ClockRate)
		d := arrival - float64(int32(ts-j.lastTS))
		if d < 0 {
			d = -d
		}
		j.jitter += (d - j.jitter) / 16
	}
	j.lastArrival, j.lastTS, j.haveLast = now, ts, true
}

// target is the playout delay aimed at, in clock ticks.
func (j *JitterBuffer) target() float64 {
	rate := float64(j.cfg.ClockRate)
	t := j.cfg.MinDelay.Seconds()*rate + jitterFactor*j.jitter
	return min(t, j.cfg.MaxDelay.Seconds()*rate)
}

// depth is the audio from the packet due to the newest one held, in clock
// ticks, counting holes.
func (j *JitterBuffer) depth() float64 {
	if j.count == 0 {
		return 0
	}
	return float64(j.highest-j.next+1) * float64(j.ticks)
}

// Pop returns what to play for the current tick; call it once per packet
// duration (every 20 ms for 20 ms packets).
func (j *JitterBuffer) Pop() (JitterPacket, PopResult) {
	if !j.primed {
		return JitterPacket{}, Idle
	}
	if !j.started {
		if j.depth() < j.target() {
			return JitterPacket{}, Idle
		}
		j.started = true
	}
	j.shrink()
	s := &j.slots[j.next&j.mask]
	if s.used && s.ext == j.next {
		j.next++
		s.used = false
		j.count--
		j.stats.Played++
		return JitterPacket{Seq: uint16(s.ext), Timestamp: s.ts, Payload: s.data[:s.n]}, Play
	}
	if j.count > 0 {
		j.next++
		j.stats.Lost++
		return JitterPacket{Seq: uint16(j.next - 1)}, Lost
	}
	j.stats.Underruns++
	return JitterPacket{Seq: uint16(j.next)}, Underrun
}

// shrink drops the packet due when the buffer has run at least two packets
// over its target for a while, or over MaxDelay by more than a packet.
func (j *JitterBuffer) shrink() {
	d, t, tick := j.depth(), j.target(), float64(j.ticks)
	limit := j.cfg.MaxDelay.Seconds()*float64(j.cfg.ClockRate) + tick
	if d >= t+2*tick {
		j.excessRun++
	} else {
		j.excessRun = 0
	}
	if j.excessRun < shrinkAfter && d <= limit {
		return
	}
	j.excessRun = 0
	s := &j.slots[j.next&j.mask]
	if s.used && s.ext == j.next {
		s.used = false
		j.count--
		j.stats.Dropped++
	} else {
		j.stats.Lost++
	}
	j.next++
}

// Peek returns the packet due next, if it is waiting. After Pop reported
// Lost it is the packet that followed the lost one.
func (j *JitterBuffer) Peek() (JitterPacket, bool) {
	if !j.primed {
		return JitterPacket{}, false
	}
	s := &j.slots[j.next&j.mask]
	if !s.used || s.ext != j.next {
		return JitterPacket{}, false
	}
	return JitterPacket{Seq: uint16(s.ext), Timestamp: s.ts, Payload: s.data[:s.n]}, true
}

// Len is the number of packets waiting.
func (j *JitterBuffer) Len() int { return j.count }

// Stats returns the counters and current estimates.
func (j *JitterBuffer) Stats() JitterStats {
	st := j.stats
	rate := float64(j.cfg.ClockRate)
	st.Jitter = time.Duration(j.jitter / rate * float64(time.Second))
	st.Delay = time.Duration(j.target() / rate * float64(time.Second))
	return st
}
