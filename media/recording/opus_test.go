package recording

import (
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callgate/callgate/media/codec"
)

// needOpus fails the test when the binary has no libopus.
func needOpus(tb testing.TB) {
	tb.Helper()
	if !codec.OpusAvailable {
		tb.Fatal("libopus is not available: build the tests with cgo (CGO_ENABLED=1) and libopus-dev installed")
	}
}

// dominantIn returns the frequency, on a 10 Hz grid from lo to hi, where x
// has the most power.
func dominantIn(x []int16, rate int, lo, hi float64) float64 {
	best, bestP := 0.0, -1.0
	for f := lo; f <= hi; f += 10 {
		if p := goertzel(x, rate, f); p > bestP {
			best, bestP = f, p
		}
	}
	return best
}

// onset is the time of the first sample of x at least level in magnitude.
func onset(x []int16, rate int, level int16) time.Duration {
	for i, v := range x {
		if v >= level || v <= -level {
			return time.Duration(i) * time.Second / time.Duration(rate)
		}
	}
	return -1
}

// resampleDelay is the delay the recorder's resampler adds to G.711
// audio recorded at rate.
func resampleDelay(tb testing.TB, rate int) time.Duration {
	rs, err := codec.NewResampler(8000, rate)
	if err != nil {
		tb.Fatal(err)
	}
	return rs.Delay()
}

// wantPreSkip is the pre-skip a stream of input at rate should state:
// libopus's lookahead for that rate, at 48 kHz.
func wantPreSkip(tb testing.TB, rate int) int {
	tb.Helper()
	enc, err := codec.NewOpusStereoEncoder(codec.OpusConfig{}, rate)
	if err != nil {
		tb.Fatal(err)
	}
	defer enc.Close()
	look, err := enc.Lookahead()
	if err != nil {
		tb.Fatal(err)
	}
	return look * 48000 / rate
}

// checkHeaders checks the identification and comment headers of a
// recording at rate of the call callID started at start.
func checkHeaders(t *testing.T, f opusFile, rate int, callID string, start time.Time) {
	t.Helper()
	if f.version != 1 || f.channels != 2 || f.family != 0 || f.gain != 0 || f.rate != rate {
		t.Errorf("OpusHead: version %d, %d channels, family %d, gain %d, rate %d", f.version, f.channels, f.family, f.gain, f.rate)
	}
	if want := wantPreSkip(t, rate); f.preSkip != want {
		t.Errorf("pre-skip %d, want %d", f.preSkip, want)
	}
	if !strings.Contains(f.vendor, "opus") {
		t.Errorf("vendor %q", f.vendor)
	}
	if v, _ := f.comment("DATE"); v != start.UTC().Format(time.RFC3339) {
		t.Errorf("DATE %q; comments %q", v, f.comments)
	}
	if v, ok := f.comment("CALL_ID"); callID != "" && v != callID || callID == "" && ok {
		t.Errorf("CALL_ID %q, want %q", v, callID)
	}
	if v, _ := f.comment("CALL_START"); !strings.HasPrefix(v, start.UTC().Format("2006-01-02T15:04:05")) {
		t.Errorf("CALL_START %q", v)
	}
}

// TestOpusRecording records a call in Ogg Opus, 440 Hz from the caller
// in PCMU and, 200 ms later, 1000 Hz from the callee in PCMA, with a
// telephone event in between, and decodes the file: each tone on its own
// channel, in its place, the length that of the call.
func TestOpusRecording(t *testing.T) {
	needOpus(t)
	for _, rate := range []int{8000, 16000} {
		t.Run(strconv.Itoa(rate), func(t *testing.T) {
			const n = 150 // 3 s a side
			dir := t.TempDir()
			start := time.Date(2025, 3, 4, 6, 7, 8, 250e6, time.FixedZone("CET", 3600))
			callID := "a84b4c76e66710@pc33.example.com"
			r, err := Create(Config{Dir: dir, CallID: callID, Start: start, SampleRate: rate, Format: "OGG", Logger: quietLogger})
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(dir, "20250304T050708Z_a84b4c76e66710_pc33.example.com.opus"); r.Path() != want {
				t.Errorf("path %q, want %q", r.Path(), want)
			}
			for _, c := range []struct {
				ch   Channel
				pt   uint8
				name string
			}{{Caller, 0, "PCMU"}, {Callee, 8, "PCMA"}, {Caller, 101, "telephone-event"}} {
				if err := r.SetCodec(c.ch, c.pt, c.name, 8000); err != nil {
					t.Fatal(err)
				}
			}
			as := mergeArrivals(
				callArrivals(newSender(t, codec.PCMU, 0, 440, 1, 1000), Caller, t0, n),
				callArrivals(newSender(t, codec.PCMA, 8, 1000, 2, 0xFFFFF000), Callee, t0.Add(200*time.Millisecond), n))
			as = append(as[:100:100], append([]arrival{
				{Caller, as[99].at, rtpPacket(101, 1, 0, 1, []byte{1, 0x80, 0, 160})},
			}, as[100:]...)...)
			feed(t, r, as)
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			f := readOpus(t, r.Path())
			checkHeaders(t, f, rate, callID, start)
			const want = 3200 * time.Millisecond
			if d := f.duration(); d < want-20*time.Millisecond || d > want+20*time.Millisecond || d != r.Duration() {
				t.Errorf("duration %v, recorder says %v, want %v", d, r.Duration(), want)
			}
			if len(f.left) != int(f.duration()*48000/time.Second) {
				t.Errorf("%d samples decoded for %v", len(f.left), f.duration())
			}
			// Three seconds of audio at one page a second, plus headers.
			if len(f.pages) != 2+4 || f.packets != 161 {
				t.Errorf("%d pages, %d packets", len(f.pages), f.packets)
			}
			const top = 4000 // the band of both rates' content
			l := span(f.left, 48000, 300*time.Millisecond, 2900*time.Millisecond)
			rr := span(f.right, 48000, 500*time.Millisecond, 3100*time.Millisecond)
			if fl := dominantIn(l, 48000, 100, top); fl != 440 {
				t.Errorf("left %v Hz, want 440", fl)
			}
			if fr := dominantIn(rr, 48000, 100, top); fr != 1000 {
				t.Errorf("right %v Hz, want 1000", fr)
			}
			// Each direction stays on its channel: the other tone is at
			// least 20 dB down.
			xl := goertzel(l, 48000, 1000) / goertzel(l, 48000, 440)
			xr := goertzel(rr, 48000, 440) / goertzel(rr, 48000, 1000)
			t.Logf("crosstalk: left %.1f dB, right %.1f dB", 10*math.Log10(xl), 10*math.Log10(xr))
			if xl > 0.01 || xr > 0.01 {
				t.Errorf("crosstalk: callee in the left channel at %.2g of the caller's power, caller in the right at %.2g", xl, xr)
			}
			for _, c := range []struct {
				name string
				x    []int16
				at   time.Duration
			}{{"left", f.left, 0}, {"right", f.right, 200 * time.Millisecond}} {
				// The pre-skip puts the audio back in its place, where the
				// WAV file has it: after the decoder's resampler at 16 kHz.
				want := c.at + resampleDelay(t, rate)
				got := onset(c.x, 48000, toneAmp/2)
				t.Logf("%s starts at %v, want %v", c.name, got, want)
				if got < want-time.Millisecond || got > want+2*time.Millisecond {
					t.Errorf("%s starts at %v, want %v", c.name, got, want)
				}
				if v := rms(span(c.x, 48000, c.at+100*time.Millisecond, c.at+2900*time.Millisecond)); v < toneAmp*0.6 || v > toneAmp*0.8 {
					t.Errorf("%s RMS %.0f, want about %.0f", c.name, v, toneAmp/1.414)
				}
			}
			if v := rms(span(f.right, 48000, 0, 190*time.Millisecond)); v > toneAmp/100 {
				t.Errorf("right before the callee's first packet: RMS %.0f", v)
			}
			runTools(t, r.Path(), f.duration())
		})
	}
}

// runTools checks the file with opusdec and ffprobe where installed; the
// decoding above does not depend on them.
func runTools(t *testing.T, path string, d time.Duration) {
	t.Helper()
	if bin, err := exec.LookPath("opusdec"); err == nil {
		out := filepath.Join(t.TempDir(), "out.wav")
		if b, err := exec.Command(bin, "--quiet", path, out).CombinedOutput(); err != nil {
			t.Errorf("opusdec: %v\n%s", err, b)
		} else if st, err := os.Stat(out); err != nil {
			t.Error(err)
		} else if want := int64(d * 48000 * 4 / time.Second); st.Size() < want || st.Size() > want+4096 {
			t.Errorf("opusdec wrote %d bytes, want %d of audio and a header", st.Size(), want)
		}
	} else {
		t.Log("opusdec not installed")
	}
	if bin, err := exec.LookPath("ffprobe"); err == nil {
		b, err := exec.Command(bin, "-v", "error", "-show_entries", "stream=codec_name,channels:format=duration",
			"-of", "default=noprint_wrappers=1", path).CombinedOutput()
		out := string(b)
		if err != nil || !strings.Contains(out, "codec_name=opus") || !strings.Contains(out, "channels=2") {
			t.Errorf("ffprobe: %v\n%s", err, out)
		}
		for line := range strings.Lines(out) {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "duration="); ok {
				if s, err := strconv.ParseFloat(v, 64); err != nil || time.Duration(s*float64(time.Second))-d > 20*time.Millisecond ||
					d-time.Duration(s*float64(time.Second)) > 20*time.Millisecond {
					t.Errorf("ffprobe duration %q, want %v", v, d)
				}
			}
		}
	} else {
		t.Log("ffprobe not installed")
	}
}

// recordOpus runs fn on a PCMU caller / PCMA callee recorder writing Ogg
// Opus at rate to memory and returns the decoded file after Close.
func recordOpus(t *testing.T, rate int, fn func(r *Recorder)) (opusFile, *Recorder) {
	t.Helper()
	needOpus(t)
	b, r := recordBytes(t, Config{SampleRate: rate, Format: FormatOpus, Start: t0, Logger: quietLogger}, fn)
	f := parseOpus(t, b)
	checkHeaders(t, f, rate, "", t0)
	if f.duration() != r.Duration() {
		t.Errorf("file lasts %v, recorder says %v", f.duration(), r.Duration())
	}
	return f, r
}

// TestOpusGapsKeepTime: lost packets and a silence-suppressed stretch
// leave silence of their length in the Opus stream too, and the audio
// after them is in its place.
func TestOpusGapsKeepTime(t *testing.T) {
	f, r := recordOpus(t, 8000, func(r *Recorder) {
		s := newSender(t, codec.PCMU, 0, 440, 7, 12345)
		for i := range 150 {
			p := s.next()
			lost := i >= 20 && i < 25 // 100 ms lost
			dtx := i >= 50 && i < 100 // 1 s not sent
			if !lost && !dtx {
				put(t, r, Caller, p, at(i))
			}
		}
	})
	if d := f.duration(); d != 3*time.Second {
		t.Errorf("duration %v", d)
	}
	if st := r.Stats(Caller); st.Recorded != 95 || st.Resyncs != 0 {
		t.Errorf("stats %+v", st)
	}
	ms := time.Millisecond
	for _, c := range []struct {
		from, to time.Duration
		sound    bool
	}{
		{20 * ms, 380 * ms, true},
		{420 * ms, 480 * ms, false},
		{520 * ms, 980 * ms, true},
		{1050 * ms, 1950 * ms, false},
		{2050 * ms, 2980 * ms, true},
	} {
		v := rms(span(f.left, 48000, c.from, c.to))
		if c.sound && v < toneAmp/2 || !c.sound && v > toneAmp/100 {
			t.Errorf("left %v–%v: RMS %.0f, sound %v", c.from, c.to, v, c.sound)
		}
	}
	if got := onset(span(f.left, 48000, 1500*ms, 3*time.Second), 48000, toneAmp/2); got < 500*ms || got > 503*ms {
		t.Errorf("audio after the silence starts %v after 1.5 s, want 500 ms", got)
	}
	if v := rms(f.right); v > toneAmp/100 {
		t.Errorf("right: RMS %.1f, want silence", v)
	}
}

// TestOpusShortCalls: recordings with no audio, or less than a packet's
// worth, are valid files of the right length.
func TestOpusShortCalls(t *testing.T) {
	for _, c := range []struct {
		name    string
		samples int // of PCMU in the only packet; 0: no packet
		want    time.Duration
	}{
		{"empty", 0, 0},
		{"5ms", 40, 5 * time.Millisecond},
		{"20ms", 160, 20 * time.Millisecond},
		{"30ms", 240, 30 * time.Millisecond},
	} {
		for _, rate := range []int{8000, 16000} {
			t.Run(c.name+"@"+strconv.Itoa(rate), func(t *testing.T) {
				f, _ := recordOpus(t, rate, func(r *Recorder) {
					if c.samples > 0 {
						pcm := tone(8000, 440, 0, c.samples)
						payload := make([]byte, c.samples)
						enc, _ := codec.NewEncoder(codec.PCMU, codec.EncoderConfig{})
						if _, err := enc.Encode(pcm, payload); err != nil {
							t.Fatal(err)
						}
						r.RTPAt(Caller, rtpPacket(0, 1, 0, 1, payload), t0)
					}
				})
				if f.duration() != c.want || len(f.left) != int(c.want*48000/time.Second) {
					t.Errorf("duration %v, %d samples, want %v", f.duration(), len(f.left), c.want)
				}
				if len(f.pages) != 3 {
					t.Errorf("%d pages, want headers and one of audio", len(f.pages))
				}
			})
		}
	}
}

// TestFormat covers the format names and the configuration checks.
func TestFormat(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Format
		err  error
	}{
		{"", FormatWAV, nil},
		{"wav", FormatWAV, nil},
		{"WAV", FormatWAV, nil},
		{"opus", FormatOpus, nil},
		{" Ogg ", FormatOpus, nil},
		{"mp3", "", ErrUnknownFormat},
		{"ogg/vorbis", "", ErrUnknownFormat},
	} {
		got, err := ParseFormat(c.in)
		if got != c.want || !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
			t.Errorf("ParseFormat(%q): %q, %v; want %q, %v", c.in, got, err, c.want, c.err)
		}
	}
	dir := t.TempDir()
	_, err := Create(Config{Dir: dir, Format: "flac", Logger: quietLogger})
	if !errors.Is(err, ErrUnknownFormat) || !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("Create with flac: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files left: %v", entries)
	}
	if !codec.OpusAvailable {
		_, err := Create(Config{Dir: dir, Format: FormatOpus, Logger: quietLogger})
		if !errors.Is(err, ErrInvalidConfig) || !errors.Is(err, codec.ErrOpusUnavailable) {
			t.Errorf("Opus without libopus: %v", err)
		}
	}
	r, err := Create(Config{Dir: dir, Format: FormatWAV, Logger: quietLogger})
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Ext(r.Path()) != ".wav" {
		t.Errorf("path %q", r.Path())
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestOpusEmptyFile: a recorder closed at once leaves a valid file, and
// Close is idempotent.
func TestOpusEmptyFile(t *testing.T) {
	needOpus(t)
	r, err := Create(Config{Dir: t.TempDir(), Format: FormatOpus, Logger: quietLogger})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if f := readOpus(t, r.Path()); f.duration() != 0 || r.Duration() != 0 {
		t.Errorf("duration %v, recorder says %v", f.duration(), r.Duration())
	}
}

// countingSink fails every write after the first ok ones.
type countingSink struct {
	discardSink
	writes, ok int
}

func (c *countingSink) Write(b []byte) (int, error) {
	c.writes++
	if c.writes > c.ok {
		return 0, errors.New("disk full")
	}
	return len(b), nil
}

// TestOpusWriteErrors: a failing header write fails the recorder's
// creation; a failing page write is reported by Close.
func TestOpusWriteErrors(t *testing.T) {
	needOpus(t)
	for ok := range 2 {
		cfg, err := Config{Format: FormatOpus, Logger: quietLogger}.withDefaults()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := newRecorder(cfg, "x.opus", &countingSink{ok: ok}); !errors.Is(err, ErrFile) {
			t.Errorf("header write %d failing: %v", ok+1, err)
		}
	}
	for _, n := range []int{10, 150} { // the last page fails; a page during the call fails
		r := newTestRecorder(t, Config{Format: FormatOpus, Logger: quietLogger}, &countingSink{ok: 2})
		if err := r.SetCodec(Caller, 0, "PCMU", 8000); err != nil {
			t.Fatal(err)
		}
		s := newSender(t, codec.PCMU, 0, 440, 1, 0)
		for i := range n {
			put(t, r, Caller, s.next(), at(i))
		}
		err := r.Close()
		if !errors.Is(err, ErrFile) || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("%d packets: Close: %v", n, err)
		}
		if err2 := r.Close(); err2 != err {
			t.Errorf("second Close: %v", err2)
		}
	}
}

// TestOpusNoAllocs: encoding and storing the audio allocates nothing once
// the page buffer has grown to its size.
func TestOpusNoAllocs(t *testing.T) {
	needOpus(t)
	cfg, _ := Config{Format: FormatOpus, Logger: quietLogger}.withDefaults()
	w, err := newOpusFile(cfg, discardSink{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.release()
	if err := w.begin(); err != nil {
		t.Fatal(err)
	}
	pcm := make([]int16, 2*800) // 100 ms, as the writer hands it over
	for i, v := range tone(8000, 440, 0, 800) {
		pcm[2*i], pcm[2*i+1] = v, -v
	}
	for range 100 {
		if err := w.write(pcm); err != nil {
			t.Fatal(err)
		}
	}
	if a := testing.AllocsPerRun(100, func() { _ = w.write(pcm) }); a != 0 {
		t.Errorf("%v allocations per 100 ms", a)
	}
}
