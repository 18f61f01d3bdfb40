package recording

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callgate/callgate/media/codec"
)

// t0 is the arrival time of the first packet in the tests.
var t0 = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

// callArrivals returns packets from s for count 20 ms packets, the first
// arriving at start, each delayed by a small deterministic jitter (never
// the first, which anchors the channel).
func callArrivals(s *sender, ch Channel, start time.Time, count int) []arrival {
	out := make([]arrival, 0, count)
	for i := range count {
		jitter := time.Duration((i*7)%13) * time.Millisecond
		if i == 0 {
			jitter = 0
		}
		out = append(out, arrival{ch: ch, at: start.Add(time.Duration(i)*20*time.Millisecond + jitter), pkt: s.next()})
	}
	return out
}

// TestFiveSecondCall records five seconds of a call: 440 Hz in PCMU from
// the caller, 1000 Hz in PCMA from the callee starting 200 ms later.
func TestFiveSecondCall(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rec")
	start := time.Date(2025, 3, 4, 6, 7, 8, 0, time.FixedZone("CET", 3600))
	r, err := Create(Config{Dir: dir, CallID: "a84b4c76e66710@pc33.example.com", Start: start, Logger: quietLogger})
	if err != nil {
		t.Fatal(err)
	}
	wantPath := filepath.Join(dir, "20250304T050708Z_a84b4c76e66710_pc33.example.com.wav")
	if r.Path() != wantPath {
		t.Errorf("path %q, want %q", r.Path(), wantPath)
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("directory: %v, %v", st.Mode(), err)
	}
	if st, err := os.Stat(r.Path()); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("file: %v, %v", st.Mode(), err)
	}
	for _, c := range []struct {
		ch    Channel
		pt    uint8
		name  string
		clock int
	}{{Caller, 0, "PCMU", 8000}, {Callee, 8, "PCMA", 8000}, {Caller, 101, "telephone-event", 8000}, {Callee, 13, "CN", 8000}} {
		if err := r.SetCodec(c.ch, c.pt, c.name, c.clock); err != nil {
			t.Fatal(err)
		}
	}
	caller := newSender(t, codec.PCMU, 0, 440, 0x1111, 1000)
	callee := newSender(t, codec.PCMA, 8, 1000, 0x2222, 0xFFFFF000) // wraps mid-call
	as := mergeArrivals(
		callArrivals(caller, Caller, t0, 250),
		callArrivals(callee, Callee, t0.Add(200*time.Millisecond), 250))
	// A telephone event and comfort noise in between are ignored.
	as = append(as[:100:100], append([]arrival{
		{Caller, as[99].at, rtpPacket(101, 1, 0, 0x1111, []byte{1, 0x80, 0, 160})},
		{Callee, as[99].at, rtpPacket(13, 1, 0, 0x2222, []byte{40})},
	}, as[100:]...)...)
	feed(t, r, as)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}

	w := readWAV(t, r.Path())
	if w.rate != 8000 {
		t.Errorf("rate %d", w.rate)
	}
	if d := w.duration(); d < 5*time.Second || d > 5400*time.Millisecond {
		t.Errorf("duration %v, want 5.0–5.4 s", d)
	}
	if d := r.Duration(); d != w.duration() {
		t.Errorf("Duration() %v, file %v", d, w.duration())
	}
	if f := dominant(span(w.left, 8000, 500*time.Millisecond, 4500*time.Millisecond), 8000); f != 440 {
		t.Errorf("left channel dominant frequency %v Hz, want 440", f)
	}
	if f := dominant(span(w.right, 8000, 500*time.Millisecond, 5*time.Second), 8000); f != 1000 {
		t.Errorf("right channel dominant frequency %v Hz, want 1000", f)
	}
	// No crosstalk: each tone is absent from the other channel.
	l := span(w.left, 8000, 0, 5*time.Second)
	rt := span(w.right, 8000, 0, 5*time.Second)
	if p, q := goertzel(l, 8000, 1000), goertzel(l, 8000, 440); p > q*1e-4 {
		t.Errorf("left channel: 1000 Hz power %g against 440 Hz %g", p, q)
	}
	if p, q := goertzel(rt, 8000, 440), goertzel(rt, 8000, 1000); p > q*1e-4 {
		t.Errorf("right channel: 440 Hz power %g against 1000 Hz %g", p, q)
	}
	// The callee starts 200 ms (1600 samples) in, exactly.
	if v := rms(w.right[:1600]); v != 0 {
		t.Errorf("right channel before 200 ms: RMS %v, want silence", v)
	}
	if v := rms(w.right[1600:1760]); v < toneAmp/2 {
		t.Errorf("right channel after 200 ms: RMS %v", v)
	}
	// The caller's audio is the G.711 round trip of the tone, sample for
	// sample: jitter shifted nothing.
	want := g711Expected(t, codec.PCMU, 440, 0, 250*160)
	for i, v := range want {
		if w.left[i] != v {
			t.Fatalf("left sample %d: %d, want %d", i, w.left[i], v)
		}
	}
	wantR := g711Expected(t, codec.PCMA, 1000, 0, 250*160)
	for i, v := range wantR {
		if w.right[1600+i] != v {
			t.Fatalf("right sample %d: %d, want %d", 1600+i, w.right[1600+i], v)
		}
	}
	for _, ch := range []Channel{Caller, Callee} {
		st := r.Stats(ch)
		if st.Recorded != 250 || st.Ignored != 1 || st.Late+st.Duplicates+st.Resyncs+st.Overruns+st.DecodeErrors != 0 {
			t.Errorf("%v stats %+v", ch, st)
		}
	}
}

func TestFileName(t *testing.T) {
	start := time.Date(2006, 1, 2, 15, 4, 5, 999, time.FixedZone("X", -7*3600))
	for _, c := range []struct{ id, want string }{
		{"abc@host", "20060102T220405Z_abc_host.wav"},
		{"", "20060102T220405Z_call.wav"},
		{"../../etc/passwd", "20060102T220405Z_.._.._etc_passwd.wav"},
		{"a b/c\\d:e\x00f", "20060102T220405Z_a_b_c_d_e_f.wav"},
		{"Ab-9_.x", "20060102T220405Z_Ab-9_.x.wav"},
		{"é", "20060102T220405Z___.wav"},
		{strings.Repeat("x", 200), "20060102T220405Z_" + strings.Repeat("x", 80) + ".wav"},
	} {
		got := fileName("/d", start, c.id, 0, ".wav")
		if got != filepath.Join("/d", c.want) {
			t.Errorf("%q: %q, want %q", c.id, got, c.want)
		}
		if filepath.Dir(got) != "/d" {
			t.Errorf("%q leaves the directory: %q", c.id, got)
		}
	}
	if got := fileName("/d", start, "x", 1, ".wav"); got != "/d/20060102T220405Z_x-2.wav" {
		t.Errorf("second attempt %q", got)
	}
	if got := fileName("/d", start, "x", 0, FormatOpus.extension()); got != "/d/20060102T220405Z_x.opus" {
		t.Errorf("Opus %q", got)
	}
}

// TestNameTaken: a second recording with the same start and call ID gets
// a suffix instead of overwriting the first.
func TestNameTaken(t *testing.T) {
	cfg := Config{Dir: t.TempDir(), CallID: "same", Start: t0, Logger: quietLogger}
	a, err := Create(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Create(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if a.Path() == b.Path() || !strings.HasSuffix(b.Path(), "_same-2.wav") {
		t.Errorf("paths %q and %q", a.Path(), b.Path())
	}
}

func TestCreateErrors(t *testing.T) {
	if _, err := Create(Config{Dir: t.TempDir(), SampleRate: 44100}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("44.1 kHz: %v", err)
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Create(Config{Dir: file, Logger: quietLogger}); !errors.Is(err, ErrFile) {
		t.Errorf("directory is a file: %v", err)
	}
}

// TestEmptyRecording: a recorder closed before any packet leaves a valid
// WAV file with no audio; Close is idempotent.
func TestEmptyRecording(t *testing.T) {
	r, err := Create(Config{Dir: t.TempDir(), CallID: "empty", SampleRate: 16000, Logger: quietLogger})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
	}
	w := readWAV(t, r.Path())
	if w.rate != 16000 || w.frames() != 0 || w.dataSize != 0 || r.Duration() != 0 {
		t.Errorf("rate %d, %d frames, data %d, duration %v", w.rate, w.frames(), w.dataSize, r.Duration())
	}
}

// TestAfterClose: packets after Close are ignored, SetCodec fails, and a
// nil Recorder does nothing.
func TestAfterClose(t *testing.T) {
	r, err := Create(Config{Dir: t.TempDir(), Logger: quietLogger})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.SetCodec(Caller, 0, "pcmu", 0); err != nil {
		t.Fatal(err)
	}
	s := newSender(t, codec.PCMU, 0, 440, 1, 0)
	put(t, r, Caller, s.next(), t0)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	d := r.Duration()
	if d != 20*time.Millisecond {
		t.Errorf("duration %v", d)
	}
	r.RTPAt(Caller, s.next(), t0.Add(20*time.Millisecond))
	r.RTP(Caller, s.next())
	if r.Duration() != d || r.Stats(Caller).Packets != 1 {
		t.Errorf("packet after Close recorded: %v, %+v", r.Duration(), r.Stats(Caller))
	}
	if err := r.SetCodec(Caller, 8, "PCMA", 0); !errors.Is(err, ErrClosed) {
		t.Errorf("SetCodec after Close: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	var nilRec *Recorder
	nilRec.RTP(Caller, s.next())
	nilRec.RTPAt(Callee, s.next(), t0)
	if err := nilRec.Close(); err != nil {
		t.Error(err)
	}
}

// failingSink accepts the header, then fails.
type failingSink struct{ writes int }

func (f *failingSink) Write(b []byte) (int, error) {
	f.writes++
	if f.writes > 1 {
		return 0, errors.New("disk full")
	}
	return len(b), nil
}
func (f *failingSink) WriteAt(b []byte, _ int64) (int, error) { return len(b), nil }
func (f *failingSink) Close() error                           { return nil }

func TestWriteError(t *testing.T) {
	r := newTestRecorder(t, Config{Logger: quietLogger}, &failingSink{})
	if err := r.SetCodec(Caller, 0, "PCMU", 8000); err != nil {
		t.Fatal(err)
	}
	s := newSender(t, codec.PCMU, 0, 440, 1, 0)
	for i := range 100 {
		put(t, r, Caller, s.next(), t0.Add(time.Duration(i)*20*time.Millisecond))
	}
	err := r.Close()
	if !errors.Is(err, ErrFile) || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Close: %v", err)
	}
	if err2 := r.Close(); err2 != err {
		t.Errorf("second Close: %v", err2)
	}
}

// TestHeaderKeptCurrent: while recording, the header's sizes follow the
// audio written, so a file cut short stays readable.
func TestHeaderKeptCurrent(t *testing.T) {
	r, err := Create(Config{Dir: t.TempDir(), Logger: quietLogger})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.SetCodec(Caller, 0, "PCMU", 8000); err != nil {
		t.Fatal(err)
	}
	s := newSender(t, codec.PCMU, 0, 440, 1, 0)
	for i := range 150 { // 3 s
		put(t, r, Caller, s.next(), t0.Add(time.Duration(i)*20*time.Millisecond))
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(r.Path())
		if err != nil {
			t.Fatal(err)
		}
		if w := parseWAVHeaderOnly(b); w >= 8000*4 {
			if int(w) > len(b)-wavHeaderSize {
				t.Fatalf("header claims %d bytes, file has %d", w, len(b)-wavHeaderSize)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("header not updated; file has %d bytes", len(b))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// parseWAVHeaderOnly returns the data size of the header.
func parseWAVHeaderOnly(b []byte) uint32 {
	if len(b) < wavHeaderSize {
		return 0
	}
	return uint32(b[40]) | uint32(b[41])<<8 | uint32(b[42])<<16 | uint32(b[43])<<24
}
