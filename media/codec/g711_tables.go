package codec

import (
	"math/bits"
	"sync"
)

// G.711 (ITU-T G.711, Tables 1 and 2) maps a linear sample to 8 bits: a
// sign, a 3-bit segment (chord) number and a 4-bit step within the
// segment. Each segment doubles the step size of the one before, so small
// signals keep their resolution. The tables below are computed from those
// rules on first use; decoding needs 256 entries per law, encoding one
// entry per 16-bit input value.

// ulawBias is added to the magnitude before µ-law segmentation. With it the
// segment end points of G.711 Table 2 fall on powers of two (the bias is 33
// in 14-bit units, 132 in 16-bit units).
const ulawBias = 0x84

// ulawClip is the largest magnitude µ-law represents (8159 in 14-bit units).
const ulawClip = 32635

// ulawEncode maps a 16-bit linear sample to its µ-law code.
func ulawEncode(x int16) byte {
	var mask byte = 0xFF // positive: all bits inverted on the wire
	v := int(x)
	if v < 0 {
		v = -v - 1
		mask = 0x7F
	}
	if v > ulawClip {
		v = ulawClip
	}
	v += ulawBias
	// Segment = position of the highest set bit above bit 7.
	seg := bits.Len(uint(v)|0xFF) - 8
	code := byte(seg<<4) | byte(v>>(seg+3))&0x0F
	return code ^ mask
}

// ulawDecode maps a µ-law code to the 16-bit linear value at the centre of
// its quantization interval.
func ulawDecode(u byte) int16 {
	u = ^u
	seg := (u >> 4) & 0x07
	t := (int(u&0x0F)<<3 + ulawBias) << seg
	if u&0x80 != 0 {
		return int16(ulawBias - t)
	}
	return int16(t - ulawBias)
}

// alawEncode maps a 16-bit linear sample to its A-law code. A-law codes
// have their even bits inverted on the wire (G.711 §3.2, the 0x55 mask).
func alawEncode(x int16) byte {
	var mask byte = 0xD5 // positive: sign bit set, even bits inverted
	v := int(x)
	if v < 0 {
		v = -v - 1
		mask = 0x55
	}
	v >>= 3 // A-law works on 13-bit magnitudes
	if v > 0xFFF {
		v = 0xFFF
	}
	var code byte
	if v < 0x20 {
		// Segments 0 and 1 share the finest step.
		code = byte(v>>1) & 0x1F
	} else {
		seg := bits.Len(uint(v)) - 5
		code = byte(seg<<4) | byte(v>>seg)&0x0F
	}
	return code ^ mask
}

// alawDecode maps an A-law code to the 16-bit linear value at the centre of
// its quantization interval.
func alawDecode(a byte) int16 {
	a ^= 0x55
	seg := (a >> 4) & 0x07
	t := int(a&0x0F)<<4 + 8
	if seg > 0 {
		t = (t + 0x100) << (seg - 1)
	}
	if a&0x80 != 0 {
		return int16(t)
	}
	return int16(-t)
}

// g711Tables holds both laws in both directions.
type g711Tables struct {
	ulawDec [256]int16
	alawDec [256]int16
	ulawEnc [65536]byte // indexed by uint16(sample)
	alawEnc [65536]byte
}

// tables711 builds the G.711 tables once, on first use.
var tables711 = sync.OnceValue(func() *g711Tables {
	t := new(g711Tables)
	for i := range 256 {
		t.ulawDec[i] = ulawDecode(byte(i))
		t.alawDec[i] = alawDecode(byte(i))
	}
	for i := range 65536 {
		t.ulawEnc[i] = ulawEncode(int16(uint16(i)))
		t.alawEnc[i] = alawEncode(int16(uint16(i)))
	}
	return t
})
