package recording

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// maxNameAttempts bounds the suffixes tried when the file name is taken.
const maxNameAttempts = 10

// sink is where the file's bytes go: the file, or a stand-in in tests.
type sink interface {
	io.Writer
	io.WriterAt
	io.Closer
}

// Recorder records one call to a WAV or Ogg Opus file. Create it, tell
// it each channel's payload types with SetCodec, feed it RTP and Close
// it. RTP for the two channels may run concurrently in two goroutines,
// and with SetCodec, Duration, Stats and Close.
type Recorder struct {
	log  *slog.Logger
	path string
	rate int
	sink sink

	ch [numChannels]*channelState

	// epoch is the arrival time of the first packet recorded, the
	// timeline's origin; nil until then.
	epoch atomic.Pointer[time.Time]

	// written is the timeline position up to which audio has left the
	// rings; it only grows. It is stored under mu and may be read without.
	written atomic.Int64

	mu         sync.Mutex
	ring       [numChannels][]int16 // position p at index p % len
	maxArrival int64                // newest arrival position
	maxEnd     int64                // end of the latest audio placed
	closed     bool
	fileFrames int64 // frames in the file, set by Close

	wake chan struct{} // wakes the writer, capacity 1
	done chan struct{} // closed by Close
	wg   sync.WaitGroup

	lag, chunk int64 // writeLag and flushEvery in samples

	// Used by the writer goroutine only, then by Close after it ended.
	file     audioFile
	pcm      []int16 // interleaved samples of one write
	writeErr error

	closeOnce sync.Once
	closeErr  error
}

// Create creates the recording file and its directory, writes the file's
// header and starts the writer goroutine. The file is created with mode
// 0600; if the name is taken a suffix -2, -3, ... is added.
func Create(cfg Config) (*Recorder, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFile, err)
	}
	var f *os.File
	var path string
	for attempt := range maxNameAttempts {
		path = fileName(cfg.Dir, cfg.Start, cfg.CallID, attempt, cfg.Format.extension())
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if !errors.Is(err, fs.ErrExist) {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFile, err)
	}
	r, err := newRecorder(cfg, path, f)
	if err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return nil, err
	}
	r.log.Info("recording started", "path", path, "rate", r.rate, "format", cfg.Format)
	return r, nil
}

// newRecorder writes the header to s and starts the writer. cfg has its
// defaults applied.
func newRecorder(cfg Config, path string, s sink) (*Recorder, error) {
	rate := cfg.SampleRate
	r := &Recorder{
		log:   cfg.Logger.With("call", cfg.CallID),
		path:  path,
		rate:  rate,
		sink:  s,
		wake:  make(chan struct{}, 1),
		done:  make(chan struct{}),
		pcm:   make([]int16, samples(writeChunk, rate)*numChannels),
		lag:   samples(writeLag, rate),
		chunk: samples(flushEvery, rate),
	}
	file, err := newAudioFile(cfg, r.log.With("path", path), s)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	if err := file.begin(); err != nil {
		file.release()
		return nil, fmt.Errorf("%w: writing header: %w", ErrFile, err)
	}
	r.file = file
	for i := range r.ch {
		r.ring[i] = make([]int16, samples(ringLength, rate))
		r.ch[i] = newChannelState()
	}
	r.wg.Add(1)
	go r.run()
	return r, nil
}

// Path is the recording file's path.
func (r *Recorder) Path() string { return r.path }

// Duration is the length of the recording: before Close, the audio
// written and buffered so far; after Close, the length of the file.
func (r *Recorder) Duration() time.Duration {
	r.mu.Lock()
	n := max(r.written.Load(), r.maxEnd)
	if r.closed {
		n = r.fileFrames
	}
	r.mu.Unlock()
	return time.Duration(n) * time.Second / time.Duration(r.rate)
}

// Close stops recording: it writes out the buffered audio, completes the
// file (the WAV sizes; the last Ogg page), closes it and releases the
// decoders and the encoder. It returns the first error met writing the
// file. It is idempotent and does nothing on a nil Recorder.
func (r *Recorder) Close() error {
	if r == nil {
		return nil
	}
	r.closeOnce.Do(func() {
		for _, cs := range r.ch {
			cs.close()
		}
		close(r.done)
		r.wg.Wait()
		err := r.writeErr
		if err == nil {
			err = r.file.finish()
		}
		r.file.release()
		if cerr := r.sink.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			err = fmt.Errorf("%w: %s: %w", ErrFile, r.path, err)
		}
		r.closeErr = err
		r.mu.Lock()
		r.closed = true
		r.fileFrames = r.file.frames()
		r.mu.Unlock()
		if err != nil {
			r.log.Error("recording closed with an error", "path", r.path, "duration", r.Duration(), "error", err)
		} else {
			r.log.Info("recording closed", "path", r.path, "duration", r.Duration())
		}
	})
	return r.closeErr
}
