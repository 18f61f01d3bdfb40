package hep

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Encode appends the HEP3 encoding of p to dst and returns the extended
// slice. captureID becomes the capture agent ID chunk; a non-empty password
// is sent in the authentication key chunk. Encode does not allocate when dst
// has enough spare capacity (see EncodedLen).
//
// Chunks written, in order (HEP3 spec, generic chunk types): 0x0001 IP
// family, 0x0002 IP protocol, 0x0003/0x0004 (IPv4) or 0x0005/0x0006 (IPv6)
// addresses, 0x0007/0x0008 ports, 0x0009/0x000a timestamp, 0x000b protocol
// type, 0x000c capture agent ID, 0x000e authentication key (if password is
// set), 0x0011 correlation ID (if set) and 0x000f payload.
func Encode(dst []byte, p Packet, captureID uint32, password string) ([]byte, error) {
	src, dstAddr := p.Src.Addr().Unmap(), p.Dst.Addr().Unmap()
	if !src.IsValid() || !dstAddr.IsValid() || src.Is4() != dstAddr.Is4() {
		return dst, ErrAddress
	}
	sec := p.Time.Unix()
	if sec < 0 || sec > math.MaxUint32 {
		return dst, fmt.Errorf("%w: %v", ErrTime, p.Time)
	}
	n, err := encodedLen(src.Is4(), len(password), len(p.CorrelationID), len(p.Payload))
	if err != nil {
		return dst, err
	}

	start := len(dst)
	if cap(dst)-start < n {
		grown := make([]byte, start, start+n)
		copy(grown, dst)
		dst = grown
	}
	b := dst[start : start+n]

	copy(b, magic)
	binary.BigEndian.PutUint16(b[4:], uint16(n))
	o := headerLen
	if src.Is4() {
		o = putUint8(b, o, chunkIPFamily, familyIPv4)
		o = putUint8(b, o, chunkIPProto, p.Proto)
		a, d := src.As4(), dstAddr.As4()
		o = putBytes(b, o, chunkIPv4Src, a[:])
		o = putBytes(b, o, chunkIPv4Dst, d[:])
	} else {
		o = putUint8(b, o, chunkIPFamily, familyIPv6)
		o = putUint8(b, o, chunkIPProto, p.Proto)
		a, d := src.As16(), dstAddr.As16()
		o = putBytes(b, o, chunkIPv6Src, a[:])
		o = putBytes(b, o, chunkIPv6Dst, d[:])
	}
	o = putUint16(b, o, chunkSrcPort, p.Src.Port())
	o = putUint16(b, o, chunkDstPort, p.Dst.Port())
	o = putUint32(b, o, chunkTimeSec, uint32(sec))
	o = putUint32(b, o, chunkTimeUsec, uint32(p.Time.Nanosecond()/1000))
	o = putUint8(b, o, chunkProtoType, p.Type)
	o = putUint32(b, o, chunkCaptureID, captureID)
	if password != "" {
		o = putString(b, o, chunkAuthKey, password)
	}
	if p.CorrelationID != "" {
		o = putString(b, o, chunkCorrelationID, p.CorrelationID)
	}
	putBytes(b, o, chunkPayload, p.Payload)
	return dst[:start+n], nil
}

// EncodedLen returns the number of bytes Encode produces for p with the given
// password, or an error if p cannot be encoded.
func EncodedLen(p Packet, password string) (int, error) {
	src, dst := p.Src.Addr().Unmap(), p.Dst.Addr().Unmap()
	if !src.IsValid() || !dst.IsValid() || src.Is4() != dst.Is4() {
		return 0, ErrAddress
	}
	return encodedLen(src.Is4(), len(password), len(p.CorrelationID), len(p.Payload))
}

// encodedLen sums the chunk sizes written by Encode.
func encodedLen(v4 bool, passLen, corrLen, payloadLen int) (int, error) {
	n := headerLen + 3*sizeUint8 + 2*sizeUint16 + 3*sizeUint32 // family, proto, type; ports; ts, usec, capture ID
	if v4 {
		n += 2 * sizeIPv4
	} else {
		n += 2 * sizeIPv6
	}
	for _, l := range [...]int{passLen, corrLen} {
		if l > 0 {
			n += chunkHeaderLen + l
		}
	}
	n += chunkHeaderLen + payloadLen
	// The 16-bit total length bounds every chunk length as well.
	if n > maxTotalLen {
		return 0, fmt.Errorf("%w: %d bytes", ErrTooLarge, n)
	}
	return n, nil
}

// putHeader writes a generic chunk header for a value of valueLen bytes at
// b[o:] and returns the offset of the value.
func putHeader(b []byte, o int, typ uint16, valueLen int) int {
	binary.BigEndian.PutUint16(b[o:], vendorGeneric)
	binary.BigEndian.PutUint16(b[o+2:], typ)
	binary.BigEndian.PutUint16(b[o+4:], uint16(chunkHeaderLen+valueLen))
	return o + chunkHeaderLen
}

func putUint8(b []byte, o int, typ uint16, v uint8) int {
	o = putHeader(b, o, typ, 1)
	b[o] = v
	return o + 1
}

func putUint16(b []byte, o int, typ uint16, v uint16) int {
	o = putHeader(b, o, typ, 2)
	binary.BigEndian.PutUint16(b[o:], v)
	return o + 2
}

func putUint32(b []byte, o int, typ uint16, v uint32) int {
	o = putHeader(b, o, typ, 4)
	binary.BigEndian.PutUint32(b[o:], v)
	return o + 4
}

func putBytes(b []byte, o int, typ uint16, v []byte) int {
	o = putHeader(b, o, typ, len(v))
	return o + copy(b[o:], v)
}

func putString(b []byte, o int, typ uint16, v string) int {
	o = putHeader(b, o, typ, len(v))
	return o + copy(b[o:], v)
}
