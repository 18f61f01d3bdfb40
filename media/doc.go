// Package media is callgate's media room: RTP endpoints and relay, the
// WebRTC peer for browser legs (pion), SDP translation between browsers and
// SIP peers, codecs and DTMF. It knows nothing of SIP dialogs or WebSockets;
// package b2bua drives it through its API.
package media
