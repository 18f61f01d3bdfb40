package recording

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/callgate/callgate/media/codec"
)

// DefaultSampleRate is the output rate when Config.SampleRate is 0:
// narrowband, the rate of G.711 telephony.
const DefaultSampleRate = 8000

// Timing of the recorder.
const (
	// writeLag is how far the file lags the newest arrival: a packet
	// arriving up to this much later than its place on the timeline is
	// still recorded.
	writeLag = 200 * time.Millisecond
	// flushEvery is how much audio collects past writeLag before the
	// writer is woken, so the file is written in chunks of this size.
	flushEvery = 100 * time.Millisecond
	// maxSkew is how far a packet's timestamp position may be from its
	// arrival position before the channel is re-anchored.
	maxSkew = time.Second
	// ringLength is the audio each channel's ring holds: enough for
	// writeLag, flushEvery, maxSkew and a long packet.
	ringLength = 2500 * time.Millisecond
	// writeChunk is the most audio the writer copies out per lock.
	writeChunk = 500 * time.Millisecond
	// headerEvery is how much audio is written between updates of the
	// WAV header's sizes, and the audio an Ogg page holds: a file cut
	// short by a crash keeps all but about its last second.
	headerEvery = time.Second
	// dupResync is the number of consecutive packets with old timestamps
	// after which the channel is re-anchored: the sender's timestamps went
	// back.
	dupResync = 10
	// driftWindow and driftLimit detect a sender clock running at another
	// rate than ours (see channelState.trackSkew): the channel is
	// re-anchored when a whole window of packets sits more than driftLimit
	// behind or ahead of the arrival times. driftLimit is below writeLag,
	// so a slow clock is corrected before its packets come too late.
	driftWindow = 50
	driftLimit  = 150 * time.Millisecond
)

// Config describes one recording. The zero value of every field except
// Dir works; an empty Dir means the current directory.
type Config struct {
	// Dir is the directory of the file, created with mode 0700 if missing.
	Dir string
	// CallID is the call's ID; it goes into the file name with every
	// character other than ASCII letters, digits, '-', '_' and '.'
	// replaced by '_' and cut to 80 bytes. Empty means "call".
	CallID string
	// Start is the call's start, written into the file name in UTC; the
	// zero time means the time of Create.
	Start time.Time
	// SampleRate is the output rate in Hz, 8000 or 16000; 0 means
	// DefaultSampleRate.
	SampleRate int
	// Format is the file format: FormatWAV or FormatOpus ("wav", "opus";
	// "ogg" is taken for "opus", case is ignored). Empty means FormatWAV.
	// FormatOpus needs a binary built with cgo and libopus; without, Create
	// fails with ErrInvalidConfig.
	Format Format
	// Logger receives the recorder's logs; nil means slog.Default().
	Logger *slog.Logger
}

// withDefaults fills zero fields and checks the others.
func (c Config) withDefaults() (Config, error) {
	if c.SampleRate == 0 {
		c.SampleRate = DefaultSampleRate
	}
	if c.SampleRate != 8000 && c.SampleRate != 16000 {
		return c, fmt.Errorf("%w: sample rate %d Hz (8000 or 16000)", ErrInvalidConfig, c.SampleRate)
	}
	f, err := ParseFormat(string(c.Format))
	if err != nil {
		return c, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	c.Format = f
	if f == FormatOpus && !codec.OpusAvailable {
		return c, fmt.Errorf("%w: %w", ErrInvalidConfig, codec.ErrOpusUnavailable)
	}
	if c.Start.IsZero() {
		c.Start = time.Now()
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Dir == "" {
		c.Dir = "."
	}
	return c, nil
}

// samples converts a duration to a number of samples at rate.
func samples(d time.Duration, rate int) int64 {
	return int64(d) / int64(time.Second/time.Duration(rate))
}
