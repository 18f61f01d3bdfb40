package hep

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"time"
)

// Decode parses a HEP3 packet. It is the inverse of Encode and is meant for
// tests, tools and fuzzing; the exporter never reads HEP.
//
// Decode checks every length against the buffer: the total length in the
// header must be at least the header and at most len(b) (bytes after it are
// ignored, as when reading a stream), every chunk length must cover its
// header and stay within the total, and chunks of fixed-width types must have
// exactly their width. Chunks of other vendors and unknown generic chunk
// types are skipped; a known generic chunk may appear only once. The
// returned Payload and CorrelationID do not alias b.
func Decode(b []byte) (Packet, error) {
	p, _, err := DecodeMeta(b)
	return p, err
}

// DecodeMeta is Decode that also returns the capture agent ID and
// authentication key.
func DecodeMeta(b []byte) (Packet, Meta, error) {
	var (
		p    Packet
		m    Meta
		seen uint32 // bit i set when generic chunk type i was read
	)
	if len(b) < headerLen {
		return p, m, fmt.Errorf("%w: %d bytes, shorter than the header", ErrMalformed, len(b))
	}
	if string(b[:4]) != magic {
		return p, m, fmt.Errorf("%w: bad magic %q", ErrMalformed, b[:4])
	}
	total := int(binary.BigEndian.Uint16(b[4:]))
	if total < headerLen || total > len(b) {
		return p, m, fmt.Errorf("%w: total length %d, buffer %d", ErrMalformed, total, len(b))
	}
	b = b[:total]

	var (
		family           uint8
		src4, dst4       [4]byte
		src6, dst6       [16]byte
		srcPort, dstPort uint16
		sec, usec        uint32
	)
	for o := headerLen; o < total; {
		if total-o < chunkHeaderLen {
			return p, m, fmt.Errorf("%w: %d trailing bytes at offset %d", ErrMalformed, total-o, o)
		}
		vendor := binary.BigEndian.Uint16(b[o:])
		typ := binary.BigEndian.Uint16(b[o+2:])
		clen := int(binary.BigEndian.Uint16(b[o+4:]))
		if clen < chunkHeaderLen || clen > total-o {
			return p, m, fmt.Errorf("%w: chunk 0x%04x length %d at offset %d", ErrMalformed, typ, clen, o)
		}
		v := b[o+chunkHeaderLen : o+clen]
		o += clen
		if vendor != vendorGeneric || typ >= 32 || !known(typ) {
			continue
		}
		if seen&(1<<typ) != 0 {
			return p, m, fmt.Errorf("%w: repeated chunk 0x%04x", ErrMalformed, typ)
		}
		seen |= 1 << typ
		if w := width(typ); w >= 0 && len(v) != w {
			return p, m, fmt.Errorf("%w: chunk 0x%04x has %d value bytes, want %d", ErrMalformed, typ, len(v), w)
		}
		switch typ {
		case chunkIPFamily:
			family = v[0]
		case chunkIPProto:
			p.Proto = v[0]
		case chunkIPv4Src:
			copy(src4[:], v)
		case chunkIPv4Dst:
			copy(dst4[:], v)
		case chunkIPv6Src:
			copy(src6[:], v)
		case chunkIPv6Dst:
			copy(dst6[:], v)
		case chunkSrcPort:
			srcPort = binary.BigEndian.Uint16(v)
		case chunkDstPort:
			dstPort = binary.BigEndian.Uint16(v)
		case chunkTimeSec:
			sec = binary.BigEndian.Uint32(v)
		case chunkTimeUsec:
			usec = binary.BigEndian.Uint32(v)
		case chunkProtoType:
			p.Type = v[0]
		case chunkCaptureID:
			m.CaptureID = binary.BigEndian.Uint32(v)
		case chunkAuthKey:
			m.AuthKey = string(v)
		case chunkPayload:
			p.Payload = append([]byte{}, v...)
		case chunkCorrelationID:
			p.CorrelationID = string(v)
		}
	}

	has4 := seen&(1<<chunkIPv4Src|1<<chunkIPv4Dst) != 0
	has6 := seen&(1<<chunkIPv6Src|1<<chunkIPv6Dst) != 0
	switch {
	case has4 && has6:
		return p, m, fmt.Errorf("%w: both IPv4 and IPv6 address chunks", ErrMalformed)
	case has4:
		if seen&(1<<chunkIPFamily) != 0 && family != familyIPv4 {
			return p, m, fmt.Errorf("%w: IPv4 addresses with family %d", ErrMalformed, family)
		}
		p.Src = netip.AddrPortFrom(netip.AddrFrom4(src4), srcPort)
		p.Dst = netip.AddrPortFrom(netip.AddrFrom4(dst4), dstPort)
	case has6:
		if seen&(1<<chunkIPFamily) != 0 && family != familyIPv6 {
			return p, m, fmt.Errorf("%w: IPv6 addresses with family %d", ErrMalformed, family)
		}
		p.Src = netip.AddrPortFrom(netip.AddrFrom16(src6), srcPort)
		p.Dst = netip.AddrPortFrom(netip.AddrFrom16(dst6), dstPort)
	default:
		p.Src = netip.AddrPortFrom(netip.Addr{}, srcPort)
		p.Dst = netip.AddrPortFrom(netip.Addr{}, dstPort)
	}

	if usec >= 1_000_000 {
		return p, m, fmt.Errorf("%w: microsecond offset %d", ErrMalformed, usec)
	}
	if seen&(1<<chunkTimeSec|1<<chunkTimeUsec) != 0 {
		p.Time = time.Unix(int64(sec), int64(usec)*1000)
	}
	return p, m, nil
}

// known reports whether typ is a generic chunk type Decode interprets.
func known(typ uint16) bool {
	switch typ {
	case chunkIPFamily, chunkIPProto, chunkIPv4Src, chunkIPv4Dst, chunkIPv6Src, chunkIPv6Dst,
		chunkSrcPort, chunkDstPort, chunkTimeSec, chunkTimeUsec, chunkProtoType,
		chunkCaptureID, chunkAuthKey, chunkPayload, chunkCorrelationID:
		return true
	}
	return false
}

// width returns the value size of a fixed-width chunk type, or -1 for
// octet-string chunks.
func width(typ uint16) int {
	switch typ {
	case chunkIPFamily, chunkIPProto, chunkProtoType:
		return 1
	case chunkSrcPort, chunkDstPort:
		return 2
	case chunkTimeSec, chunkTimeUsec, chunkCaptureID, chunkIPv4Src, chunkIPv4Dst:
		return 4
	case chunkIPv6Src, chunkIPv6Dst:
		return 16
	}
	return -1
}
