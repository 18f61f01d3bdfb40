package browserleg

import (
	"math"
	"strings"

	"github.com/callgate/callgate/media"
	"github.com/callgate/callgate/media/codec"
)

// Transcoding across a bridge. When the browser's negotiated codec is not
// the phone's (a browser that offered only Opus, a phone that takes only
// PCMA), each direction goes through a codec.Transcoder: jitter buffer,
// decode or conceal, resample, encode, on the engine's 20 ms playout clock
// (playout.go). Otherwise payloads pass untouched (GUIDE §4: transcode only when
// there is no common codec). A renegotiation that changes either side's
// codec switches between the two.

// transcoding is the pair of transcoders for one combination of codecs.
type transcoding struct {
	browser, phone media.Codec // the two sides' main codecs, their own PTs
	toPhone        *codec.Transcoder
	toBrowser      *codec.Transcoder
}

// close frees both transcoders' codec state.
func (t *transcoding) close() {
	t.toPhone.Close()
	t.toBrowser.Close()
}

// sameCodec reports whether two formats are the same encoding at the same
// clock and payload type.
func sameCodec(a, b media.Codec) bool {
	return strings.EqualFold(a.Name, b.Name) && a.Clock == b.Clock && a.PT == b.PT
}

// transcoderFor returns the bridge's transcoding for the current codecs,
// building or dropping it when they changed, or nil when payloads pass
// untouched.
func (b *Bridger) transcoderFor(m *bridgeMaps) *transcoding {
	bc, pc := b.leg.Codec(), phoneMain(*m.phone)
	if bc.Name == "" || pc.Name == "" || strings.EqualFold(bc.Name, pc.Name) && bc.Clock == pc.Clock {
		b.setTranscoding(nil)
		return nil
	}
	if t := b.tc.Load(); t != nil && sameCodec(t.browser, bc) && sameCodec(t.phone, pc) {
		return t
	}
	t, err := newTranscoding(bc, pc, b.leg.e.cfg.Opus)
	if err != nil {
		b.log.Warn("browserleg: cannot transcode", "browser", bc.Name, "phone", pc.Name, "err", err)
		b.setTranscoding(nil)
		return nil
	}
	b.log.Info("browserleg: transcoding", "browser", bc.Name, "phone", pc.Name)
	b.setTranscoding(t)
	b.startTicker()
	return b.tc.Load()
}

// setTranscoding installs t (nil: passthrough) and frees the one before.
func (b *Bridger) setTranscoding(t *transcoding) {
	b.tcMu.Lock()
	defer b.tcMu.Unlock()
	old := b.tc.Swap(t)
	if old != nil && old != t {
		old.close()
	}
}

// phoneMain is the phone's main (non telephone-event) codec.
func phoneMain(codecs []media.Codec) media.Codec {
	c, _, _ := mainCodec(codecs)
	return c
}

// newTranscoding builds both directions between the two codecs.
func newTranscoding(bc, pc media.Codec, opus codec.OpusConfig) (*transcoding, error) {
	bcc, err := codec.ParseCodec(bc.Name)
	if err != nil {
		return nil, err
	}
	pcc, err := codec.ParseCodec(pc.Name)
	if err != nil {
		return nil, err
	}
	bf := codec.Format{Codec: bcc, PayloadType: bc.PT}
	pf := codec.Format{Codec: pcc, PayloadType: pc.PT}
	tcfg := codec.TranscoderConfig{Encoder: codec.EncoderConfig{Opus: opus}}
	toPhone, err := codec.NewTranscoder(bf, pf, tcfg)
	if err != nil {
		return nil, err
	}
	toBrowser, err := codec.NewTranscoder(pf, bf, tcfg)
	if err != nil {
		toPhone.Close()
		return nil, err
	}
	return &transcoding{browser: bc, phone: pc, toPhone: toPhone, toBrowser: toBrowser}, nil
}

// startTicker puts the bridge on its engine's playout clock unless it
// is there already (playout.go).
func (b *Bridger) startTicker() {
	// Under laneMu a stop either comes first and is seen here, or comes
	// after and its leaveClock finds the lane.
	b.laneMu.Lock()
	defer b.laneMu.Unlock()
	if b.lane == nil && !b.stopping() {
		b.lane = b.leg.e.playout.join(b)
	}
}

// leaveClock takes the bridge off the playout clock.
func (b *Bridger) leaveClock() {
	b.laneMu.Lock()
	lane := b.lane
	b.lane = nil
	b.laneMu.Unlock()
	if lane != nil {
		lane.leave(b)
	}
}

// playout plays one frame each way while transcoding: the lane calls it
// every 20 ms. The frame toward the browser joins batch (nil: sent at
// once).
func (b *Bridger) playout(batch *sendBatch) {
	if b.stopping() {
		return
	}
	b.tcMu.Lock()
	defer b.tcMu.Unlock()
	tc := b.tc.Load()
	if tc == nil {
		return
	}
	if b.ticks%fecEvery == 0 {
		b.fec.tune(b.leg.Quality(), tc.toBrowser)
	}
	b.ticks++
	// The maps the transcoding was built from; mapsNow could rebuild
	// them, and that takes tcMu.
	if m := b.maps.Load(); m != nil {
		n, err := tc.toPhone.Tick(b.tcBuf[:])
		if err == nil && n > 0 {
			b.sendToPhone(b.tcBuf[:n], m)
		}
	}
	n, err := tc.toBrowser.Tick(b.tcBuf[:])
	if err == nil && n > 0 {
		if b.leg.writeRTP(b.tcBuf[:n], batch) == nil {
			b.phoneToBrowser.Add(1)
		} else {
			b.sendErr.Add(1)
		}
	}
}

// fecEvery is how often, in 20 ms ticks, the encoder toward the browser
// is told the loss the browser reports: once a second, as often as
// browsers send receiver reports.
const fecEvery = 50

// fecTuner sizes the in-band FEC of the encoder toward the browser after
// the loss the browser reports in its receiver reports (RFC 3550 §6.4.1
// fraction lost; RFC 7587 §3.3 leaves FEC to what the sender knows of the
// path). No loss means no FEC bits, and for libopus no redundant SILK
// frame to encode, which is a good part of its CPU; a loss raises the
// expectation at once, and it decays by a quarter a report. Until the
// first report the encoder's configured expectation stands.
type fecTuner struct {
	reports  uint64
	expected float64 // percent
}

// tune reads q and, after a new report, sets enc's expected loss.
func (f *fecTuner) tune(q Quality, enc codec.LossHinter) {
	if q.ReportsReceived == 0 || q.ReportsReceived == f.reports {
		return
	}
	f.reports = q.ReportsReceived
	f.expected = max(100*q.FractionLost, 0.75*f.expected)
	if f.expected < 0.5 {
		f.expected = 0
	}
	_ = enc.SetPacketLossPercent(int(math.Ceil(f.expected)))
}

// closeTranscoding frees the codec state when the bridge stops.
func (b *Bridger) closeTranscoding() {
	b.setTranscoding(nil)
}
