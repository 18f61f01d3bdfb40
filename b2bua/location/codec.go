package location

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"
)

// recordVersion is the first byte of every persisted record.
//
// Layout of version 1: the version byte; the strings AOR, Contact, CallID,
// InstanceID, Transport, Source, ConnID and UserAgent, each as a uvarint
// length followed by the bytes; Expires and UpdatedAt, each as a varint of
// Unix seconds followed by a uvarint of nanoseconds; Q as 8 big-endian bytes
// of its IEEE 754 bits; CSeq as a uvarint; RegID as a varint.
const recordVersion = 1

// encodeRecord returns the persisted form of b.
func encodeRecord(b *Binding) []byte {
	size := 1 + 8 + 2*(2*binary.MaxVarintLen64) + 2*binary.MaxVarintLen64
	strs := [...]string{b.AOR, b.Contact, b.CallID, b.InstanceID, b.Transport, b.Source, b.ConnID, b.UserAgent}
	for _, s := range strs {
		size += binary.MaxVarintLen64 + len(s)
	}
	out := make([]byte, 0, size)
	out = append(out, recordVersion)
	for _, s := range strs {
		out = binary.AppendUvarint(out, uint64(len(s)))
		out = append(out, s...)
	}
	out = appendTime(out, b.Expires)
	out = appendTime(out, b.UpdatedAt)
	out = binary.BigEndian.AppendUint64(out, math.Float64bits(b.Q))
	out = binary.AppendUvarint(out, uint64(b.CSeq))
	out = binary.AppendVarint(out, int64(b.RegID))
	return out
}

func appendTime(out []byte, t time.Time) []byte {
	out = binary.AppendVarint(out, t.Unix())
	return binary.AppendUvarint(out, uint64(t.Nanosecond()))
}

// decodeRecord parses a persisted record. Any malformed input, including a
// record that decodes to an invalid binding, yields an error wrapping
// ErrCorrupt; it never panics.
func decodeRecord(data []byte) (Binding, error) {
	d := decoder{buf: data}
	if v := d.byte(); d.err == nil && v != recordVersion {
		return Binding{}, fmt.Errorf("%w: unknown version %d", ErrCorrupt, v)
	}
	var b Binding
	for _, p := range [...]*string{&b.AOR, &b.Contact, &b.CallID, &b.InstanceID, &b.Transport, &b.Source, &b.ConnID, &b.UserAgent} {
		*p = d.string()
	}
	b.Expires = d.time()
	b.UpdatedAt = d.time()
	b.Q = math.Float64frombits(d.uint64())
	cseq := d.uvarint()
	if d.err == nil && cseq > math.MaxUint32 {
		d.fail("CSeq out of range")
	}
	b.CSeq = uint32(cseq)
	regID := d.varint()
	if d.err == nil && int64(int(regID)) != regID {
		d.fail("reg-id out of range")
	}
	b.RegID = int(regID)
	if d.err == nil && len(d.buf) != 0 {
		d.fail("trailing bytes")
	}
	if d.err != nil {
		return Binding{}, d.err
	}
	if err := b.validate(); err != nil {
		return Binding{}, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return b, nil
}

// decoder reads a record; after the first error every read returns a zero
// value and the error is kept.
type decoder struct {
	buf []byte
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", ErrCorrupt, what)
	}
	d.buf = nil
}

func (d *decoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if len(d.buf) < 1 {
		d.fail("truncated")
		return 0
	}
	c := d.buf[0]
	d.buf = d.buf[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.fail("bad uvarint")
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.buf)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) uint64() uint64 {
	if d.err != nil {
		return 0
	}
	if len(d.buf) < 8 {
		d.fail("truncated")
		return 0
	}
	v := binary.BigEndian.Uint64(d.buf)
	d.buf = d.buf[8:]
	return v
}

func (d *decoder) string() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.buf)) {
		d.fail("string length beyond record")
		return ""
	}
	s := string(d.buf[:n])
	d.buf = d.buf[n:]
	return s
}

func (d *decoder) time() time.Time {
	sec := d.varint()
	nsec := d.uvarint()
	if d.err != nil {
		return time.Time{}
	}
	if nsec >= uint64(time.Second) {
		d.fail("nanoseconds out of range")
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec)).UTC()
}
