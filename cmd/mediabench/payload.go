package main

import (
	"encoding/binary"
	"time"
)

// Media shape: G.711 µ-law at 8 kHz in 20 ms packets.
const (
	packetPeriod   = 20 * time.Millisecond
	payloadSize    = 160 // 20 ms of 8 kHz µ-law
	samplesPerPkt  = 160 // RTP timestamp step (RFC 3551 §4.5.14)
	rtpHeaderSize  = 12  // fixed header, no CSRC (RFC 3550 §5.1)
	pcmuPT         = 0   // static payload type of PCMU (RFC 3551 §6)
	ulawSilence    = 0xFF
	stampFlagInWin = 1
)

// stampMagic opens every payload this program sends, so stray packets
// (DTMF, comfort noise, another program's) are told apart.
var stampMagic = [4]byte{'m', 'b', 'c', 'h'}

// epoch anchors the monotonic send times carried in payloads; sender and
// receiver are the same process, so one-way latency is a subtraction.
var epoch = time.Now()

// monoNow is the time since epoch on the monotonic clock.
func monoNow() time.Duration { return time.Since(epoch) }

// Payload layout (the rest is µ-law silence):
//
//	0..3   magic
//	4..7   call index, big endian
//	8..15  send time in ns since epoch, big endian
//	16     flags: bit 0 = sent inside the measurement window
const stampSize = 17

// fillSilence sets a payload to µ-law silence.
func fillSilence(p []byte) {
	for i := range p {
		p[i] = ulawSilence
	}
}

// stamp writes the marker into p (at least stampSize bytes).
func stamp(p []byte, call uint32, sent time.Duration, inWindow bool) {
	copy(p[0:4], stampMagic[:])
	binary.BigEndian.PutUint32(p[4:8], call)
	binary.BigEndian.PutUint64(p[8:16], uint64(sent))
	var f byte
	if inWindow {
		f = stampFlagInWin
	}
	p[16] = f
}

// readStamp parses a marker written by stamp.
func readStamp(p []byte) (call uint32, sent time.Duration, inWindow, ok bool) {
	if len(p) < stampSize || [4]byte(p[0:4]) != stampMagic {
		return 0, 0, false, false
	}
	return binary.BigEndian.Uint32(p[4:8]), time.Duration(binary.BigEndian.Uint64(p[8:16])), p[16]&stampFlagInWin != 0, true
}

// rtpPayload returns the payload of an RTP packet: RFC 3550 §5.1 fixed
// header, CSRC list, optional header extension (§5.3.1) and padding.
func rtpPayload(pkt []byte) ([]byte, bool) {
	if len(pkt) < rtpHeaderSize || pkt[0]>>6 != 2 {
		return nil, false
	}
	off := rtpHeaderSize + 4*int(pkt[0]&0x0f)
	if pkt[0]&0x10 != 0 {
		if len(pkt) < off+4 {
			return nil, false
		}
		off += 4 + 4*int(binary.BigEndian.Uint16(pkt[off+2:off+4]))
	}
	end := len(pkt)
	if pkt[0]&0x20 != 0 && end > off {
		end -= int(pkt[end-1])
	}
	if off > end {
		return nil, false
	}
	return pkt[off:end], true
}

// rtpPacer builds plain RTP packets in place: one reused buffer per stream.
type rtpPacer struct {
	buf  [rtpHeaderSize + payloadSize]byte
	seq  uint16
	ts   uint32
	call uint32
	// ring, when set, holds payloadSize-byte frames sent in turn instead
	// of marked silence (-opus).
	ring  [][]byte
	frame int
}

// newRTPPacer prepares a PCMU stream with ssrc for call.
func newRTPPacer(call, ssrc uint32) *rtpPacer {
	p := &rtpPacer{call: call, seq: uint16(ssrc), ts: ssrc * 7}
	p.buf[0] = 0x80 // RFC 3550 §5.1: version 2
	p.buf[1] = pcmuPT
	binary.BigEndian.PutUint32(p.buf[8:12], ssrc)
	fillSilence(p.buf[rtpHeaderSize:])
	return p
}

// next advances sequence number and timestamp, stamps the send time now
// (or copies in the ring's next frame) and returns the packet to write at
// once.
func (p *rtpPacer) next(inWindow bool) []byte {
	p.seq++
	p.ts += samplesPerPkt
	binary.BigEndian.PutUint16(p.buf[2:4], p.seq)
	binary.BigEndian.PutUint32(p.buf[4:8], p.ts)
	if p.ring != nil {
		copy(p.buf[rtpHeaderSize:], p.ring[p.frame])
		p.frame = (p.frame + 1) % len(p.ring)
		return p.buf[:]
	}
	stamp(p.buf[rtpHeaderSize:], p.call, monoNow(), inWindow)
	return p.buf[:]
}
