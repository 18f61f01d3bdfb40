package recording

import (
	"encoding/binary"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/callgate/callgate/media/codec"
)

// opusFile is a parsed and decoded Ogg Opus recording.
type opusFile struct {
	pages    []oggPage
	version  int
	channels int
	preSkip  int
	rate     int // input sample rate
	gain     int
	family   int
	vendor   string
	comments []string
	packets  int   // audio packets
	granule  int64 // of the last page
	// left and right are the decoded channels at 48 kHz, pre-skip
	// dropped and the end trimmed as the last granule position says.
	left, right []int16
}

// duration is the playing time the granule positions give.
func (f opusFile) duration() time.Duration {
	return time.Duration(f.granule-int64(f.preSkip)) * time.Second / 48000
}

// comment returns the value of the first comment named name.
func (f opusFile) comment(name string) (string, bool) {
	for _, c := range f.comments {
		if k, v, ok := strings.Cut(c, "="); ok && strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

// readOpus parses and decodes the Ogg Opus file at path.
func readOpus(tb testing.TB, path string) opusFile {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return parseOpus(tb, b)
}

// parseOpus checks b as an Ogg Opus file (RFC 7845) of one stereo stream
// and decodes it with libopus at 48 kHz.
func parseOpus(tb testing.TB, b []byte) opusFile {
	tb.Helper()
	le := binary.LittleEndian
	var f opusFile
	f.pages = parseOggPages(tb, b)
	checkOggStream(tb, f.pages)
	pkts := oggPackets(tb, f.pages)
	if len(f.pages) < 3 || len(pkts) < 3 {
		tb.Fatalf("%d pages, %d packets: want headers and audio", len(f.pages), len(pkts))
	}
	// RFC 7845 §3: the identification header alone on the first page,
	// the comment header ending its own page, both with granule 0.
	head := pkts[0]
	if head.page != 0 || pkts[1].page == 0 || len(f.pages[0].lacing) != 1 {
		tb.Fatal("identification header does not have the first page to itself")
	}
	if pkts[1].page != 1 || pkts[2].page == 1 {
		tb.Fatal("comment header does not end its own page")
	}
	for i := range 2 {
		if f.pages[i].granule != 0 {
			tb.Errorf("header page %d: granule %d", i, f.pages[i].granule)
		}
	}
	h := head.data
	if len(h) != 19 || string(h[:8]) != "OpusHead" {
		tb.Fatalf("identification header % x", h)
	}
	f.version, f.channels = int(h[8]), int(h[9])
	f.preSkip, f.rate = int(le.Uint16(h[10:])), int(le.Uint32(h[12:]))
	f.gain, f.family = int(int16(le.Uint16(h[16:]))), int(h[18])
	t := pkts[1].data
	if len(t) < 16 || string(t[:8]) != "OpusTags" {
		tb.Fatalf("comment header % x", t[:min(len(t), 16)])
	}
	t = t[8:]
	next := func() string {
		if len(t) < 4 || int(le.Uint32(t)) > len(t)-4 {
			tb.Fatal("comment header cut")
		}
		n := int(le.Uint32(t))
		s := string(t[4 : 4+n])
		t = t[4+n:]
		return s
	}
	f.vendor = next()
	if len(t) < 4 {
		tb.Fatal("comment header without a comment count")
	}
	count := int(le.Uint32(t))
	t = t[4:]
	for range count {
		f.comments = append(f.comments, next())
	}

	dec, err := codec.NewOpusStereoDecoder(48000)
	if err != nil {
		tb.Fatal(err)
	}
	defer dec.Close()
	pcm := make([]int16, 2*5760)
	var left, right []int16
	decoded := int64(0)
	lastOnPage := map[int]int64{}
	for _, p := range pkts[2:] {
		n, err := dec.Decode(p.data, pcm)
		if err != nil {
			tb.Fatalf("packet %d: %v", f.packets, err)
		}
		for i := range n {
			left, right = append(left, pcm[2*i]), append(right, pcm[2*i+1])
		}
		decoded += int64(n)
		lastOnPage[p.page] = decoded
		f.packets++
	}
	// RFC 7845 §4: an audio page's granule position counts the samples
	// decoded up to its last packet; only the last page may say less
	// (end trimming, §4.4), and by less than its own packets.
	prev := int64(0)
	for i, p := range f.pages[2:] {
		i += 2
		got, ok := lastOnPage[i]
		if !ok {
			tb.Fatalf("page %d ends no packet", i)
		}
		if i < len(f.pages)-1 && p.granule != got {
			tb.Errorf("page %d: granule %d, %d samples decoded", i, p.granule, got)
		}
		if i == len(f.pages)-1 && (p.granule > got || p.granule <= prev) {
			tb.Errorf("last page: granule %d, decoded %d, previous page %d", p.granule, got, prev)
		}
		prev = got
	}
	f.granule = f.pages[len(f.pages)-1].granule
	if f.granule < int64(f.preSkip) {
		tb.Fatalf("granule %d below pre-skip %d", f.granule, f.preSkip)
	}
	f.left = left[f.preSkip:f.granule]
	f.right = right[f.preSkip:f.granule]
	return f
}
