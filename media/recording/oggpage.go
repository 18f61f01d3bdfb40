package recording

import (
	"encoding/binary"
	"fmt"
	"io"
)

// Ogg page layout, RFC 3533 §6: a 27-byte header, then the segment table
// (one lacing value per segment, at most 255), then the segments.
const (
	oggHeaderSize  = 27
	oggMaxSegments = 255
	oggMaxHeader   = oggHeaderSize + oggMaxSegments
	// oggMaxPacket is the longest packet a page holds whole: 254 full
	// segments and one of 254 bytes ends it (RFC 3533 §6, lacing values).
	oggMaxPacket = (oggMaxSegments-1)*255 + 254

	// header_type flags, RFC 3533 §6.
	oggFlagBOS = 0x02 // first page of the logical bitstream
	oggFlagEOS = 0x04 // last page of the logical bitstream

	oggCRCOffset = 22
)

// oggStream writes the pages of one logical bitstream to w. Packets are
// never split across pages; a page is written when the caller flushes it
// or the next packet does not fit. After construction it allocates only
// to grow its page buffer beyond the largest page seen.
type oggStream struct {
	w       io.Writer
	serial  uint32
	seq     uint32 // sequence number of the page being filled
	granule int64  // granule position of the last packet added
	packets int    // packets on the page being filled
	nseg    int
	lacing  [oggMaxSegments]byte
	// buf holds oggMaxHeader bytes of room for the header, then the
	// page's body: the header is built right before the body and both
	// leave in one Write.
	buf []byte
}

// newOggStream returns a stream with serial number serial writing to w;
// body is the page body size to allocate for.
func newOggStream(w io.Writer, serial uint32, body int) *oggStream {
	return &oggStream{w: w, serial: serial, buf: make([]byte, oggMaxHeader, oggMaxHeader+body)}
}

// fits reports whether a packet of n bytes fits on the page being filled.
func (o *oggStream) fits(n int) bool {
	// RFC 3533 §6: a packet takes n/255 segments of 255 bytes and a last
	// one of less than 255 bytes, possibly empty.
	return o.nseg+n/255+1 <= oggMaxSegments
}

// add appends packet p, whose last sample has granule position granule, to
// the page being filled, writing that page first if p does not fit.
func (o *oggStream) add(p []byte, granule int64) error {
	if len(p) > oggMaxPacket {
		return fmt.Errorf("packet of %d bytes is longer than an Ogg page holds", len(p))
	}
	if !o.fits(len(p)) {
		if err := o.flush(false); err != nil {
			return err
		}
	}
	for n := len(p); ; n -= 255 {
		if n < 255 {
			o.lacing[o.nseg] = byte(n)
			o.nseg++
			break
		}
		o.lacing[o.nseg] = 255
		o.nseg++
	}
	o.buf = append(o.buf, p...)
	o.granule = granule
	o.packets++
	return nil
}

// flush writes the page being filled, with the end-of-stream flag if eos.
// A page without packets is written only with eos.
func (o *oggStream) flush(eos bool) error {
	if o.packets == 0 && !eos {
		return nil
	}
	start := oggMaxHeader - oggHeaderSize - o.nseg
	h := o.buf[start:oggMaxHeader]
	le := binary.LittleEndian
	copy(h, "OggS")                            // capture_pattern
	h[4] = 0                                   // stream_structure_version
	h[5] = 0                                   // header_type_flag
	le.PutUint64(h[6:], uint64(o.granule))     // absolute granule position
	le.PutUint32(h[14:], o.serial)             // stream serial number
	le.PutUint32(h[18:], o.seq)                // page sequence no
	le.PutUint32(h[oggCRCOffset:], 0)          // page checksum, zero while computed
	h[26] = byte(o.nseg)                       // page_segments
	copy(h[oggHeaderSize:], o.lacing[:o.nseg]) // segment_table
	// RFC 3533 §6: the page's granule position is that of the last packet
	// ending on it; the first page of a bitstream is flagged, and the last.
	if o.seq == 0 {
		h[5] |= oggFlagBOS
	}
	if eos {
		h[5] |= oggFlagEOS
	}
	page := o.buf[start:]
	le.PutUint32(h[oggCRCOffset:], oggCRC(0, page))
	if _, err := o.w.Write(page); err != nil {
		return err
	}
	o.seq++
	o.packets = 0
	o.nseg = 0
	o.buf = o.buf[:oggMaxHeader]
	return nil
}
