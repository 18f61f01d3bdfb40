// Package media is callgate's media room: RTP endpoints and relay, the
// WebRTC peer for browser legs (pion), SDP translation between browsers and
// SIP peers, codecs and DTMF. It knows nothing of SIP dialogs or WebSockets;
// package b2bua drives it through its API.
//
// # Anchoring RTP between two SIP legs
//
// A PortPool hands out SocketPairs: an RTP socket on an even port and an
// RTCP socket on the next one (RFC 3550 §11). Released pairs are kept
// unused for a quarantine period so late packets of a finished call never
// reach the next call on the same ports.
//
// AnchorSDP reads a peer's SDP and rewrites it to point at one of our pairs:
// it returns where the peer wants its media (Remote) and the body to send
// to the other leg. An Origin per leg keeps that leg's o= line stable
// across re-INVITEs (RFC 3264 §8).
//
// A Relay joins two pairs, one facing each leg's peer, and passes RTP and
// RTCP between them without touching payloads. It learns each peer's real
// source from its first packets (symmetric RTP, RFC 4961), but only from
// the address signalled in SDP unless told otherwise, and never moves a
// latched stream mid-call: a stranger who sends first can neither steal
// nor inject media. Packets that are not RTP/RTCP version 2 are dropped
// and counted. A relay with no traffic from either side for its
// inactivity timeout stops by itself. Once latched, forwarding a packet
// allocates nothing.
//
// On the way through, the relay reads the RTCP sender and receiver reports
// of both peers (RFC 3550 §6.4) and keeps, per leg, the loss and jitter
// the peer reports about the media it receives and the round-trip time
// between the relay and that peer; Stats returns them as LegQuality. A Tap
// set with SetTap gets every RTP packet passed, for example to record the
// call; without one, forwarding pays only an atomic load for the hook.
//
// A typical call set-up (offer from leg A, answer from leg B):
//
//	a, _ := pool.Allocate() // faces leg A
//	b, _ := pool.Allocate() // faces leg B
//	relay := media.NewRelay(a, b, media.RelayConfig{})
//	offerB, remA, err := media.AnchorSDP(offerFromA, public, b.Port, originB)
//	relay.SetRemote(media.LegA, remA.RTP, remA.RTCP)
//	// ... send offerB to leg B, receive its answer ...
//	answerA, remB, err := media.AnchorSDP(answerFromB, public, a.Port, originA)
//	relay.SetRemote(media.LegB, remB.RTP, remB.RTCP)
//	relay.Start()
//	defer relay.Close()
package media
