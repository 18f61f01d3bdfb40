package recording

import "log/slog"

// audioFile encodes the recording's timeline into one file format and
// writes it to the sink. Only the writer goroutine uses it, then Close
// once the goroutine has ended.
type audioFile interface {
	// begin writes the file's header.
	begin() error
	// write appends interleaved stereo samples, caller first; len(pcm)
	// is even. After an error the recorder calls it no more.
	write(pcm []int16) error
	// finish writes what is still buffered and completes the file. It
	// is called once, only if begin and every write succeeded.
	finish() error
	// frames is the length of the audio in the file, in samples per
	// channel at the recorder's rate.
	frames() int64
	// release frees the encoder; it is called once, last.
	release()
}

// newAudioFile returns the encoder of cfg.Format writing to s, logging
// to log. cfg has its defaults applied.
func newAudioFile(cfg Config, log *slog.Logger, s sink) (audioFile, error) {
	if cfg.Format == FormatOpus {
		return newOpusFile(cfg, s)
	}
	return newWAVFile(cfg.SampleRate, log, s), nil
}
