// Package browserleg is callgate's browser media leg: it terminates WebRTC
// (ICE-lite, DTLS-SRTP) toward a browser with pion/webrtc and hands plain
// RTP to and from the rest of callgate.
//
// # Engine
//
// One Engine serves every browser leg of the process. It owns the single
// UDP socket all legs share through an ICE UDP mux (STUN checks are routed
// by ICE username fragment), the DTLS certificate (ECDSA P-256, optionally
// persisted so its fingerprint survives restarts) and the pion setting
// engine: ICE-lite (RFC 8445 §2.5), UDP over IPv4 only, no mDNS, one host
// candidate carrying the configured public address. Remote TCP, IPv6 and
// mDNS (.local) candidates are ignored: an ICE-lite agent learns the
// browser's address from its connectivity checks (RFC 8445 §7.3.1.3).
//
// # Leg
//
// A Leg is one PeerConnection with one audio transceiver. Engine.Answer
// answers a browser's offer accepting exactly one codec (plus optional
// telephone-event at the same clock); Engine.Offer offers a list of codecs
// to a browser and Leg.SetAnswer applies its answer. For hold and resume,
// Leg.Renegotiate answers a browser's re-offer and Leg.CreateReoffer makes
// a re-offer with a chosen direction; Leg.CancelReoffer withdraws a
// re-offer the browser rejected. Every description of a leg keeps the
// DTLS role, the certificate fingerprint, the ICE credentials and the mid
// of the first one, because browsers drop calls whose re-offers change them
// (RFC 8842 §5, RFC 8839 §4.4.1.1.1, RFC 8843 §7).
//
// Leg.WriteRTP sends plain RTP to the browser, rewriting the SSRC to the
// one signalled for the leg and keeping sequence numbers and timestamps
// continuous when the source changes; Leg.SetSink receives the decrypted
// RTP the browser sends. RTCP is terminated per leg: the leg sends SR/RR
// to the browser and reads the browser's reports (Leg.Quality). Neither
// path allocates per packet.
//
// # SRTP fast path
//
// pion carries a leg's ICE and DTLS, and its SRTP until the DTLS
// association is up. Then, unless Config.DisableFastPath is set, SRTP and
// SRTCP bypass pion: the socket under the ICE mux decrypts the browser's
// packets in the goroutine that reads it and calls the leg's sink
// directly, and WriteRTP encrypts and sends on the socket itself, on the
// SSRC pion signalled, continuing pion's rollover counter and SRTCP index.
// pion exports no SRTP keys, so the leg derives them as DTLS-SRTP defines
// them (RFC 5764 §4.2, RFC 5705): the master secret from the DTLS key log
// pion writes for the leg (kept in memory, never logged), the hello
// randoms, cipher suite and SRTP profile from the handshake as it crossed
// the socket. STUN and DTLS still reach pion (ICE consent, close_notify).
// A leg whose keys cannot be derived, or whose browser's packets fail to
// authenticate, stays on or goes back to pion's path, with a log line
// saying why.
//
// # Bridge
//
// Bridge joins a Leg to a phone-facing media.SocketPair: RTP from the phone
// (only from its signalled IP, then latched to the first source address)
// goes to the browser, RTP from the browser goes to the phone, and payload
// types are mapped between the two sides' numbering. Toward the phone the
// bridge sends on one SSRC of its own with continuous sequence numbers and
// timestamps, whatever the browser does across renegotiations. RTCP is
// terminated on this leg too: the bridge keeps RFC 3550 reception
// statistics of the phone's stream, sends it SR/RR with SDES CNAME about
// every 5 s and BYE when it stops, and reads the phone's reports for
// round-trip time. A Bridger stops by itself after an inactivity timeout or
// when its Leg ends.
//
// When the two sides share no codec the bridge transcodes (codec
// package). The Engine's playout clock, with one lane per processor,
// then plays each transcoding bridge's 20 ms frames, and a lane sends the
// SRTP of one tick toward all its browsers in one sendmmsg(2).
// Config.Opus tunes the Opus encoder; by default its bitrate follows the
// phone's audio band.
//
// A call from a browser to a phone, in outline:
//
//	eng, _ := browserleg.NewEngine(browserleg.Config{PublicIP: ip})
//	leg, answer, err := eng.Answer(ctx, browserOffer, pcmu, &dtmf8k)
//	// send answer to the browser; phone side negotiated on pair ...
//	br := browserleg.Bridge(leg, pair, browserleg.BridgeConfig{
//		PhoneRemote: phoneRTP, PhoneCodecs: phoneCodecs})
//	<-br.Done()
package browserleg
