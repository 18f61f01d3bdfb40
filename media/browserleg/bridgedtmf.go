package browserleg

import (
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/callgate/callgate/media"
	"github.com/callgate/callgate/media/dtmf"
)

// DTMF across a bridge (RFC 4733). Presses the phone sends as
// telephone-events can be reported (the b2bua turns them into SIP INFO for
// the browser, which cannot surface RFC 4733); presses the browser sends are
// forwarded with the payload type mapped when both sides use the same
// clock, regenerated at the phone's clock when they differ (48000 with
// Opus, 8000 with G.711, GUIDE §4), or only reported when the phone wants
// INFO. SendDigit plays a press into the phone's stream.

// teFormat is one side's telephone-event format.
type teFormat struct {
	pt    uint8
	clock uint32
	ok    bool
}

// telephoneEventOf finds the telephone-event format in codecs.
func telephoneEventOf(codecs []media.Codec) teFormat {
	for _, c := range codecs {
		if strings.EqualFold(c.Name, telephoneEvent) && c.PT < 128 {
			return teFormat{pt: uint8(c.PT), clock: uint32(c.Clock), ok: true}
		}
	}
	return teFormat{}
}

// digitWatch runs one detector for one side's telephone-events, rebuilt
// when the side's clock changes.
type digitWatch struct {
	mu     sync.Mutex
	det    *dtmf.Detector
	clock  uint32
	report func(dtmf.Digit)
}

// feed hands a telephone-event packet to the detector; the caller checked
// the payload type.
func (w *digitWatch) feed(pkt []byte, clock uint32, now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.det == nil || w.clock != clock {
		if w.det != nil {
			w.det.Flush()
		}
		det, err := dtmf.NewDetector(dtmf.DetectorConfig{ClockRate: int(clock)}, w.report)
		if err != nil {
			return
		}
		w.det, w.clock = det, clock
	}
	_ = w.det.FeedRTP(now, pkt) // malformed events are counted and dropped
}

// tick ends presses whose end packets never came.
func (w *digitWatch) tick(now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.det != nil {
		w.det.Tick(now)
	}
}

// flush reports a press still open at the end.
func (w *digitWatch) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.det != nil {
		w.det.Flush()
	}
}

// phoneEvent handles a phone packet of the phone's telephone-event type.
func (b *Bridger) phoneEvent(pkt []byte, m *bridgeMaps) {
	if b.phoneDigits != nil && m.phoneTE.ok && pkt[1]&0x7f == m.phoneTE.pt {
		b.phoneDigits.feed(pkt, m.phoneTE.clock, time.Now())
	}
}

// browserEvent handles a browser packet before its payload type is mapped;
// it returns false when the packet must not be forwarded as it is.
func (b *Bridger) browserEvent(pkt []byte, m *bridgeMaps) bool {
	if !m.browserTE.ok || pkt[1]&0x7f != m.browserTE.pt {
		return true
	}
	regenerate := b.browserEvents == EventsForward && m.phoneTE.ok && m.phoneTE.clock != m.browserTE.clock
	if b.browserDigits != nil && (b.browserEvents != EventsForward || regenerate || b.reportBrowser) {
		b.browserDigits.feed(pkt, m.browserTE.clock, time.Now())
	}
	return b.browserEvents == EventsForward && !regenerate
}

// onBrowserDigit receives the browser's presses from its detector.
func (b *Bridger) onBrowserDigit(d dtmf.Digit) {
	m := b.mapsNow()
	if b.browserEvents == EventsForward && m.phoneTE.ok && m.phoneTE.clock != m.browserTE.clock {
		if err := b.SendDigit(d.Code, d.Duration); err != nil {
			b.log.Warn("browserleg: DTMF to the phone", "digit", d.Code.String(), "err", err)
		}
	}
	if b.reportBrowser {
		b.cfgOnBrowserDigit(d)
	}
}

// BrowserEvents says what happens to the browser's telephone-events.
type BrowserEvents int

const (
	// EventsForward sends them to the phone: forwarded with the payload
	// type mapped when both sides use the same clock, regenerated at the
	// phone's clock when they differ.
	EventsForward BrowserEvents = iota
	// EventsReport does not send them to the phone; presses are only
	// reported through OnBrowserDigit (the phone wants SIP INFO).
	EventsReport
)

// digitQueue bounds how many presses may wait to be played to the phone.
const digitQueue = 32

// pressReq is one press waiting to be played.
type pressReq struct {
	code dtmf.Code
	d    time.Duration
}

// SendDigit queues one press to be played into the phone's stream as RFC
// 4733 events at the phone's telephone-event clock, on the bridge's SSRC
// with the sequence numbers continuing the audio's (RFC 4733 §2.5.1).
// Presses play one after the other. It returns at once; it fails when the
// phone negotiated no telephone-event or too many presses are waiting.
func (b *Bridger) SendDigit(code dtmf.Code, d time.Duration) error {
	if b.stopping() {
		return ErrClosed
	}
	if !b.mapsNow().phoneTE.ok {
		return fmt.Errorf("%w: the phone negotiated no telephone-event", ErrNoTelephoneEvent)
	}
	b.playerOnce.Do(func() {
		b.presses = make(chan pressReq, digitQueue)
		b.wg.Add(1)
		go b.playPresses()
	})
	select {
	case b.presses <- pressReq{code, d}:
		return nil
	default:
		return fmt.Errorf("%w: %d presses waiting", ErrDigitBusy, digitQueue)
	}
}

// playPresses plays queued presses in order until the bridge stops.
func (b *Bridger) playPresses() {
	defer b.wg.Done()
	for {
		select {
		case <-b.stop:
			return
		case p := <-b.presses:
			te := b.mapsNow().phoneTE
			if !te.ok {
				continue
			}
			gen, err := dtmf.NewGenerator(dtmf.GeneratorConfig{ClockRate: int(te.clock)})
			if err == nil {
				err = gen.Start(p.code, p.d)
			}
			if err != nil {
				b.log.Warn("browserleg: DTMF press not played", "digit", p.code.String(), "err", err)
				continue
			}
			b.playing.Store(true)
			b.playDigit(gen, te)
			b.playing.Store(false)
		}
	}
}

// playDigit sends the generator's packets at their times.
func (b *Bridger) playDigit(gen *dtmf.Generator, te teFormat) {
	start := time.Now()
	base := b.out.nowTimestamp(te.clock, monoNow())
	var pkt [12 + dtmf.EventSize]byte
	for {
		p, ok := gen.Next()
		if !ok {
			return
		}
		select {
		case <-b.stop:
			return
		case <-time.After(time.Until(start.Add(p.SendAt))):
		}
		pkt[0] = 0x80
		pkt[1] = te.pt
		if p.Marker {
			pkt[1] |= 0x80
		}
		copy(pkt[12:], p.Payload[:])
		dst := b.remote.Load().dest()
		if !dst.IsValid() {
			continue
		}
		b.out.mu.Lock()
		b.out.inject(pkt[:], base+p.TimestampOffset)
		_, err := b.pair.RTP.WriteToUDPAddrPort(pkt[:], dst)
		if err == nil {
			b.out.sent(pkt[:], te.clock, monoNow())
		}
		b.out.mu.Unlock()
		if err != nil {
			b.sendErr.Add(1)
		}
	}
}

// inject stamps a packet we make ourselves (telephone-events) into the
// stream: the next sequence number, the given timestamp, our SSRC; the
// audio that follows continues after it. Caller holds mu.
func (s *phoneSender) inject(pkt []byte, ts uint32) {
	c := &s.cont
	if !c.started {
		c.started = true
	}
	c.lastSeq++
	binary.BigEndian.PutUint16(pkt[2:4], c.lastSeq)
	binary.BigEndian.PutUint32(pkt[4:8], ts)
	binary.BigEndian.PutUint32(pkt[8:12], s.ssrc)
	c.resync = true
}

// nowTimestamp is the stream's RTP timestamp for monotonic time now: the
// last packet's, advanced by the time since at the given clock.
func (s *phoneSender) nowTimestamp(clock uint32, now int64) uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.cont.started {
		return s.cont.lastTS
	}
	return advanceTS(s.cont.lastTS, s.cont.lastNano, now, clock)
}

// tickDigits ends presses whose end packets never came (called from the
// watchdog's tick).
func (b *Bridger) tickDigits(now time.Time) {
	if b.phoneDigits != nil {
		b.phoneDigits.tick(now)
	}
	b.browserDigits.tick(now)
}
