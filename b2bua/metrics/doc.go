// Package metrics exposes the gateway's Prometheus metrics.
//
// Each gateway owns one *Metrics created with New. It has a registry of its
// own (never the process-wide default registry), so several gateways in one
// process do not collide; Handler serves that registry at /metrics. A nil
// *Metrics is valid and every method on it is a no-op, so the B2BUA records
// metrics unconditionally and works with metrics disabled.
//
// # Cardinality
//
// No label carries a per-call value (no Call-ID, URI, user or address).
// Every label value is taken from a small fixed set; unknown inputs are
// folded into a catch-all value instead of creating new series:
//
//   - leg: "browser", "phone", "trunk", else "other".
//   - kind: "<caller leg>_to_<callee leg>", e.g. "browser_to_trunk"
//     (16 values at most, 9 in normal operation); see Kind.
//   - code: the SIP status code itself for 401 403 404 407 408 480 481 484
//     486 487 488 500 502 503 504 600 603 606; otherwise its class "3xx",
//     "4xx", "5xx" or "6xx"; "other" outside 300..699 (23 values); see
//     CodeLabel.
//   - outcome: "answered", "unanswered".
//   - transport: "udp", "tcp", "tls", "ws", "wss", else "other".
//   - reason: "bad_credentials", "banned", "stale", "token", else "other".
//   - trunk: a trunk name from configuration, at most MaxTrunks of them.
//   - state: "off", "registering", "registered", "failing", else "unknown".
//
// A series appears once it is first used, except the unlabelled ones,
// which are always present.
//
// # Metrics
//
// Calls:
//
//	callgate_calls_active{kind}                 gauge      calls admitted and not yet ended
//	callgate_calls_started_total{kind}          counter    calls admitted by the B2BUA
//	callgate_calls_answered_total{kind}         counter    calls that received a 2xx final response
//	callgate_calls_ended_total{kind,outcome}    counter    calls that ended, answered or not
//	callgate_calls_failed_total{kind,code}      counter    unanswered calls ended by a final response >= 300
//	callgate_call_setup_seconds{kind}           histogram  admission to 2xx answer (buckets 50 ms .. 30 s)
//
// Registrations and access:
//
//	callgate_registrations{transport}           gauge      current registrar contact bindings
//	callgate_ws_connections                     gauge      open WebSocket connections
//	callgate_auth_failures_total{reason}        counter    rejected authentication attempts
//
// Media (RTP figures are added per leg when a call ends):
//
//	callgate_rtp_packets_total{leg}             counter    RTP packets received from legs of this type
//	callgate_rtp_bytes_total{leg}               counter    RTP payload bytes received from legs of this type
//	callgate_rtp_lost_packets_total{leg}        counter    RTP packets lost on legs of this type (RFC 3550 §6.4.1)
//	callgate_rtp_jitter_seconds{leg}            histogram  interarrival jitter of a leg at call end (1 ms .. 200 ms)
//	callgate_call_mos                           histogram  estimated mean opinion score (1..5) of a call at call end
//	callgate_transcoding_sessions               gauge      calls whose media is being transcoded now
//	callgate_dtls_handshake_failures_total      counter    failed DTLS-SRTP handshakes
//
// Trunks:
//
//	callgate_trunk_up{trunk}                    gauge      1 if the trunk is usable for calls, else 0
//	callgate_trunk_registered{trunk}            gauge      1 if the trunk's registration is "registered", else 0
//	callgate_trunk_registration_state{trunk,state}  gauge  one-hot: 1 for the current registration state
//
// Runtime, from the standard collectors of client_golang: go_* (goroutines,
// GC, memory, scheduler) and process_* (CPU, resident memory, open file
// descriptors, start time).
//
// # Usage
//
// The gateway calls CallStarted when it admits a call, CallAnswered on the
// 2xx, and CallEnded exactly once when the call is over; RTP, Jitter and
// MOS when the call's media stops. Gauges that are cheaper to read than to
// track, such as trunk state, can be refreshed from a hook registered with
// OnScrape, which runs before every collection.
package metrics
