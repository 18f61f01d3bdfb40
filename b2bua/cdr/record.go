package cdr

import "time"

// Leg types for Record.CallerLeg and Record.CalleeLeg.
const (
	// LegBrowser is a WebRTC client connected over WebSocket.
	LegBrowser = "browser"
	// LegPhone is a SIP endpoint registered with callgate.
	LegPhone = "phone"
	// LegTrunk is a SIP trunk towards a carrier or PBX.
	LegTrunk = "trunk"
)

// Call directions for Record.Direction.
const (
	// DirectionInternal is a call between two endpoints of callgate.
	DirectionInternal = "internal"
	// DirectionOutbound is a call from an endpoint out through a trunk.
	DirectionOutbound = "outbound"
	// DirectionInbound is a call from a trunk to an endpoint.
	DirectionInbound = "inbound"
)

// Quality holds the media quality figures of one leg, measured on the media
// callgate received from that leg.
type Quality struct {
	// PacketsReceived and PacketsLost count RTP packets.
	PacketsReceived uint64 `json:"packets_received"`
	PacketsLost     uint64 `json:"packets_lost"`
	// LossPercent is the packet loss in percent (0..100).
	LossPercent float64 `json:"loss_percent"`
	// JitterMs is the interarrival jitter (RFC 3550 §6.4.1) in milliseconds.
	JitterMs float64 `json:"jitter_ms"`
	// RTTMs is the round-trip time in milliseconds (RFC 3550 §6.4.1, from
	// RTCP LSR/DLSR), zero if unknown.
	RTTMs float64 `json:"rtt_ms"`
	// MOS is the estimated mean opinion score (1..4.5), see MOS.
	MOS float64 `json:"mos"`
}

// Record is the call detail record of one call.
type Record struct {
	// CallID is callgate's own identifier of the call.
	CallID string `json:"call_id"`
	// CallerCallID and CalleeCallID are the SIP Call-IDs of the two legs
	// (RFC 3261 §8.1.1.4); a B2BUA uses a different one on each side.
	CallerCallID string `json:"caller_call_id"`
	CalleeCallID string `json:"callee_call_id"`
	// Caller and Callee identify the parties, typically the user parts or
	// AORs of the From and To URIs.
	Caller string `json:"caller"`
	Callee string `json:"callee"`
	// CallerLeg and CalleeLeg are the leg types (LegBrowser, LegPhone,
	// LegTrunk).
	CallerLeg string `json:"caller_leg"`
	CalleeLeg string `json:"callee_leg"`
	// Trunk names the trunk used, if any.
	Trunk string `json:"trunk,omitempty"`
	// Direction is DirectionInternal, DirectionOutbound or
	// DirectionInbound.
	Direction string `json:"direction"`
	// Start is when the initial INVITE arrived.
	Start time.Time `json:"start"`
	// Answer is when the call was answered (2xx to the INVITE); nil for
	// calls that were never answered.
	Answer *time.Time `json:"answer,omitempty"`
	// End is when the call ended (BYE, CANCEL or final failure).
	End time.Time `json:"end"`
	// DurationMs is the answered talk time, End minus Answer, in
	// milliseconds; zero for unanswered calls.
	DurationMs int64 `json:"duration_ms"`
	// SetupMs is the time from Start to Answer, or to End for unanswered
	// calls, in milliseconds.
	SetupMs int64 `json:"setup_ms"`
	// EndReason says why the call ended, e.g. "caller_bye", "callee_bye",
	// "cancel", "rejected", "timeout".
	EndReason string `json:"end_reason"`
	// SIPCode is the final response status of the callee leg (200 for
	// answered calls, the failure status otherwise, 487 for cancelled ones).
	SIPCode int `json:"sip_code"`
	// CallerCodec and CalleeCodec are the negotiated codecs of the legs,
	// e.g. "opus", "PCMU".
	CallerCodec string `json:"caller_codec"`
	CalleeCodec string `json:"callee_codec"`
	// Transcoded reports whether media was transcoded between the legs.
	Transcoded bool `json:"transcoded"`
	// CallerQuality and CalleeQuality are the media quality figures of the
	// legs, nil when no media flowed or none was measured.
	CallerQuality *Quality `json:"caller_quality,omitempty"`
	CalleeQuality *Quality `json:"callee_quality,omitempty"`
}

// normalize returns a copy of rec with times in UTC, derived fields that were
// left zero filled in, and no pointers shared with rec. A zero End means now.
func (rec Record) normalize(now time.Time) Record {
	if rec.End.IsZero() {
		rec.End = now
	}
	rec.End = rec.End.UTC()
	if rec.Start.IsZero() {
		rec.Start = rec.End
	}
	rec.Start = rec.Start.UTC()
	if rec.Answer != nil {
		if rec.Answer.IsZero() {
			rec.Answer = nil
		} else {
			a := rec.Answer.UTC()
			rec.Answer = &a
		}
	}
	if rec.DurationMs == 0 && rec.Answer != nil {
		rec.DurationMs = max(0, rec.End.Sub(*rec.Answer).Milliseconds())
	}
	if rec.SetupMs == 0 {
		until := rec.End
		if rec.Answer != nil {
			until = *rec.Answer
		}
		rec.SetupMs = max(0, until.Sub(rec.Start).Milliseconds())
	}
	rec.CallerQuality = rec.CallerQuality.normalize(rec.CallerCodec)
	rec.CalleeQuality = rec.CalleeQuality.normalize(rec.CalleeCodec)
	return rec
}

// normalize returns a copy of q with LossPercent derived from the packet
// counts and MOS estimated for codec when they were left zero.
func (q *Quality) normalize(codec string) *Quality {
	if q == nil {
		return nil
	}
	c := *q
	if c.LossPercent == 0 && c.PacketsLost > 0 {
		c.LossPercent = 100 * float64(c.PacketsLost) / float64(c.PacketsLost+c.PacketsReceived)
	}
	if c.MOS == 0 && c.PacketsReceived+c.PacketsLost > 0 {
		c.MOS = MOS(codec, c.LossPercent, c.JitterMs, c.RTTMs)
	}
	return &c
}
