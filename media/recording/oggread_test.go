package recording

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// oggPage is one parsed Ogg page (RFC 3533 §6).
type oggPage struct {
	flags   byte
	granule int64
	serial  uint32
	seq     uint32
	lacing  []byte
	body    []byte
}

// crcBitwise is the Ogg page checksum computed bit by bit from its
// definition, independently of the table the writer uses: polynomial
// 0x04c11db7, most significant bit first, initial value 0, no final XOR.
func crcBitwise(b []byte) uint32 {
	var crc uint32
	for _, v := range b {
		crc ^= uint32(v) << 24
		for range 8 {
			if crc&0x80000000 != 0 {
				crc = crc<<1 ^ 0x04c11db7
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// parseOggPages splits b into pages, checking each page's structure and
// checksum; the file must be whole pages with nothing in between.
func parseOggPages(tb testing.TB, b []byte) []oggPage {
	tb.Helper()
	var pages []oggPage
	le := binary.LittleEndian
	for len(b) > 0 {
		if len(b) < 27 || string(b[:4]) != "OggS" {
			tb.Fatalf("page %d: no capture pattern: % x", len(pages), b[:min(len(b), 8)])
		}
		if b[4] != 0 {
			tb.Fatalf("page %d: version %d", len(pages), b[4])
		}
		nseg := int(b[26])
		if len(b) < 27+nseg {
			tb.Fatalf("page %d: segment table cut", len(pages))
		}
		p := oggPage{
			flags:   b[5],
			granule: int64(le.Uint64(b[6:])),
			serial:  le.Uint32(b[14:]),
			seq:     le.Uint32(b[18:]),
			lacing:  b[27 : 27+nseg],
		}
		size := 0
		for _, l := range p.lacing {
			size += int(l)
		}
		end := 27 + nseg + size
		if len(b) < end {
			tb.Fatalf("page %d: body cut: %d of %d bytes", len(pages), len(b)-27-nseg, size)
		}
		p.body = b[27+nseg : end]
		page := bytes.Clone(b[:end])
		want := le.Uint32(page[22:])
		le.PutUint32(page[22:], 0)
		if got := crcBitwise(page); got != want {
			tb.Fatalf("page %d: checksum %08x, computed %08x", len(pages), want, got)
		}
		pages = append(pages, p)
		b = b[end:]
	}
	return pages
}

// oggPacket is a packet reassembled from pages, with the page it ends on.
type oggPacket struct {
	data []byte
	page int
}

// oggPackets reassembles the packets of one logical bitstream, following
// the lacing values across pages (RFC 3533 §6: a lacing value below 255
// ends a packet; the continued flag marks a page that goes on with the
// previous page's last packet).
func oggPackets(tb testing.TB, pages []oggPage) []oggPacket {
	tb.Helper()
	var out []oggPacket
	var cur []byte
	open := false
	for i, p := range pages {
		if cont := p.flags&0x01 != 0; cont != open {
			tb.Fatalf("page %d: continued flag %v with a packet open %v", i, cont, open)
		}
		body := p.body
		for _, l := range p.lacing {
			cur = append(cur, body[:l]...)
			body = body[l:]
			open = true
			if l < 255 {
				out = append(out, oggPacket{data: cur, page: i})
				cur, open = nil, false
			}
		}
	}
	if open {
		tb.Fatal("stream ends inside a packet")
	}
	return out
}

// checkOggStream checks the page sequence of one logical bitstream: one
// serial number, consecutive sequence numbers from 0, beginning of stream
// on the first page only, end of stream on the last only.
func checkOggStream(tb testing.TB, pages []oggPage) {
	tb.Helper()
	if len(pages) == 0 {
		tb.Fatal("no pages")
	}
	for i, p := range pages {
		if p.serial != pages[0].serial || p.seq != uint32(i) {
			tb.Errorf("page %d: serial %08x seq %d; first serial %08x", i, p.serial, p.seq, pages[0].serial)
		}
		if bos := p.flags&0x02 != 0; bos != (i == 0) {
			tb.Errorf("page %d: beginning-of-stream flag %v", i, bos)
		}
		if eos := p.flags&0x04 != 0; eos != (i == len(pages)-1) {
			tb.Errorf("page %d: end-of-stream flag %v", i, eos)
		}
		if p.flags&^0x07 != 0 {
			tb.Errorf("page %d: flags %#x", i, p.flags)
		}
	}
}

func TestOggCRC(t *testing.T) {
	// The check value of this CRC (CRC-32 of "123456789" with polynomial
	// 0x04c11db7, no reflection, initial value 0, no final XOR).
	if got := oggCRC(0, []byte("123456789")); got != 0x89a1897f {
		t.Errorf("check value %08x", got)
	}
	b := make([]byte, 1000)
	for i := range b {
		b[i] = byte(i*i + 7*i)
	}
	for _, n := range []int{0, 1, 27, 999, 1000} {
		if got, want := oggCRC(0, b[:n]), crcBitwise(b[:n]); got != want {
			t.Errorf("%d bytes: %08x, want %08x", n, got, want)
		}
	}
	// Continuing a checksum equals computing it in one go.
	if oggCRC(oggCRC(0, b[:300]), b[300:]) != oggCRC(0, b) {
		t.Error("split checksum differs")
	}
}

// TestOggStreamPages writes packets of the lengths where lacing changes
// and enough of them to overflow a page's segment table, and reads them
// back.
func TestOggStreamPages(t *testing.T) {
	var m memSink
	o := newOggStream(&m, 0xCAFEF00D, 16)
	var want [][]byte
	var granules []int64
	add := func(n int) {
		p := make([]byte, n)
		for i := range p {
			p[i] = byte(len(want) + i)
		}
		g := int64(len(want)+1) * 960
		if err := o.add(p, g); err != nil {
			t.Fatal(err)
		}
		want = append(want, p)
		granules = append(granules, g)
	}
	for _, n := range []int{1, 0, 254, 255, 256, 510, 511, 4000} {
		add(n)
	}
	if err := o.flush(false); err != nil {
		t.Fatal(err)
	}
	if err := o.flush(false); err != nil { // nothing to write
		t.Fatal(err)
	}
	for range 300 { // 300 segments: two pages
		add(100)
	}
	add(oggMaxPacket) // a page of its own
	if err := o.add(make([]byte, oggMaxPacket+1), 0); err == nil {
		t.Error("packet longer than a page accepted")
	}
	if err := o.flush(true); err != nil {
		t.Fatal(err)
	}
	pages := parseOggPages(t, m.b)
	checkOggStream(t, pages)
	if len(pages) != 4 {
		t.Fatalf("%d pages, want 4", len(pages))
	}
	got := oggPackets(t, pages)
	if len(got) != len(want) {
		t.Fatalf("%d packets, want %d", len(got), len(want))
	}
	last := map[int]int{} // page → index of the last packet ending on it
	for i, p := range got {
		if !bytes.Equal(p.data, want[i]) {
			t.Fatalf("packet %d: %d bytes differ from the %d written", i, len(p.data), len(want[i]))
		}
		last[p.page] = i
	}
	for i, p := range pages {
		if p.serial != 0xCAFEF00D || p.granule != granules[last[i]] {
			t.Errorf("page %d: serial %08x granule %d, want %d", i, p.serial, p.granule, granules[last[i]])
		}
	}
	// An empty page with the end-of-stream flag only.
	var e memSink
	o = newOggStream(&e, 1, 0)
	if err := o.flush(true); err != nil {
		t.Fatal(err)
	}
	if pages := parseOggPages(t, e.b); len(pages) != 1 || pages[0].flags != 0x06 || len(pages[0].lacing) != 0 {
		t.Errorf("empty stream: %+v", pages)
	}
}
