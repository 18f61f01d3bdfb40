package cdr

import (
	"math"
	"strings"
)

// codecModel holds the E-model figures of a codec.
type codecModel struct {
	// ie is the equipment impairment factor and bpl the packet-loss
	// robustness factor (ITU-T G.107 clause 7, values from ITU-T G.113
	// Appendix I where listed there).
	ie, bpl float64
	// delayMs is the packetization plus algorithmic (look-ahead) delay of a
	// 20 ms packet, added to the network one-way delay.
	delayMs float64
}

// codecModels maps lower-case codec names to their figures.
//
//   - G.711 (PCMU, PCMA) with packet loss concealment: Ie = 0, Bpl = 25.1
//     (G.113 Appendix I); 20 ms packets, no look-ahead.
//   - G.729(A): Ie = 10, Bpl = 19.0 (G.113 Appendix I); two 10 ms frames per
//     packet plus the 5 ms look-ahead of ITU-T G.729.
//   - G.722: a wideband codec, at least as good as G.711 on the narrowband
//     scale used here, so Ie = 0; G.113 gives no narrowband Bpl, the G.711
//     PLC value is assumed. 20 ms packets; the short QMF filter delay is
//     neglected.
//   - Opus: not covered by G.113. Ie = 0 on the narrowband scale; its
//     built-in concealment is credited with Bpl = 30, an estimate above
//     G.711 PLC. Default 20 ms frames have 26.5 ms algorithmic delay
//     (RFC 6716 §2).
var codecModels = map[string]codecModel{
	"pcmu": {ie: 0, bpl: 25.1, delayMs: 20},
	"pcma": {ie: 0, bpl: 25.1, delayMs: 20},
	"g711": {ie: 0, bpl: 25.1, delayMs: 20},
	"g729": {ie: 10, bpl: 19.0, delayMs: 25},
	"g722": {ie: 0, bpl: 25.1, delayMs: 20},
	"opus": {ie: 0, bpl: 30, delayMs: 26.5},
}

// defaultModel is used for codecs not in codecModels: G.711 figures.
var defaultModel = codecModels["pcmu"]

// E-model constants.
const (
	// rDefault is Ro − Is with all G.107 parameters at their default
	// values (about 93.2), the starting point of the usual VoIP
	// simplification (Cole & Rosenbluth 2001): R = 93.2 − Id − Ie,eff.
	rDefault = 93.2
	// Delay impairment fit of Cole & Rosenbluth 2001 to the G.107
	// Idd curve: Id = 0.024·d + 0.11·(d − 177.3)·H(d − 177.3).
	idSlope      = 0.024
	idKneeSlope  = 0.11
	idKneeDelay  = 177.3
	jitterFactor = 2 // jitter buffer depth, in multiples of the jitter
)

// MOS returns an estimated mean opinion score (listening-conversational
// quality, 1 to 4.5, rounded to two decimals) for a call leg using codec with
// lossPercent packet loss (0..100), jitterMs interarrival jitter and rttMs
// network round-trip time.
//
// It uses the simplified ITU-T G.107 E-model common in VoIP monitoring
// (R. G. Cole and J. H. Rosenbluth, "Voice over IP Performance Monitoring",
// ACM SIGCOMM Computer Communication Review 31(2), 2001):
//
//	R = 93.2 − Id − Ie,eff
//
// Id, the delay impairment, follows from the one-way mouth-to-ear delay
// d = rttMs/2 + 2·jitterMs (a jitter buffer twice the jitter) + codec delay:
//
//	Id = 0.024·d + 0.11·(d − 177.3)·H(d − 177.3), H the unit step.
//
// Ie,eff, the effective equipment impairment, is ITU-T G.107 clause 7 for
// random loss (BurstR = 1):
//
//	Ie,eff = Ie + (95 − Ie) · Ppl / (Ppl + Bpl)
//
// with the codec's Ie and Bpl (ITU-T G.113 Appendix I). R is mapped to MOS
// by ITU-T G.107 Annex B:
//
//	MOS = 1                                          for R < 0
//	MOS = 1 + 0.035·R + R·(R − 60)·(100 − R)·7·10⁻⁶   for 0 ≤ R ≤ 100
//	MOS = 4.5                                        for R > 100
//
// clamped below at 1 (the cubic dips slightly under 1 for R < 6.5).
// Codec names are matched case-insensitively, ignoring a "/rate" suffix;
// unknown codecs get the G.711 figures. Negative or NaN inputs count as 0.
func MOS(codec string, lossPercent, jitterMs, rttMs float64) float64 {
	m := lookupCodec(codec)
	loss := min(sanitize(lossPercent), 100)
	d := sanitize(rttMs)/2 + jitterFactor*sanitize(jitterMs) + m.delayMs

	id := idSlope * d
	if d > idKneeDelay {
		id += idKneeSlope * (d - idKneeDelay)
	}
	ieEff := m.ie
	if loss > 0 {
		ieEff += (95 - m.ie) * loss / (loss + m.bpl)
	}
	return math.Round(100*rToMOS(rDefault-id-ieEff)) / 100
}

// rToMOS is the R to MOS mapping of ITU-T G.107 Annex B, clamped to [1, 4.5].
func rToMOS(r float64) float64 {
	switch {
	case r <= 0:
		return 1
	case r >= 100:
		return 4.5
	}
	return max(1, 1+0.035*r+r*(r-60)*(100-r)*7e-6)
}

// lookupCodec finds the model of a codec name such as "PCMU", "opus/48000/2"
// or "G722".
func lookupCodec(codec string) codecModel {
	name, _, _ := strings.Cut(codec, "/")
	if m, ok := codecModels[strings.ToLower(strings.TrimSpace(name))]; ok {
		return m
	}
	return defaultModel
}

// sanitize maps NaN, infinities and negative values to 0.
func sanitize(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0
	}
	return v
}
