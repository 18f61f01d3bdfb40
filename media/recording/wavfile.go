package recording

import (
	"encoding/binary"
	"fmt"
	"log/slog"
)

// wavWriter writes the recording as 16-bit PCM WAV (wav.go) and keeps the
// header's sizes current, so a file cut short stays readable.
type wavWriter struct {
	s         sink
	log       *slog.Logger
	rate      int
	out       []byte // little-endian samples of one write
	dataBytes int64
	patchedAt int64
	hdr       [4]byte
	truncated bool
}

// newWAVFile returns the WAV encoder at rate writing to s.
func newWAVFile(rate int, log *slog.Logger, s sink) *wavWriter {
	return &wavWriter{
		s:    s,
		log:  log,
		rate: rate,
		out:  make([]byte, samples(writeChunk, rate)*bytesPerFrame),
	}
}

// begin implements audioFile: a header for no data yet.
func (w *wavWriter) begin() error {
	_, err := w.s.Write(wavHeader(w.rate, 0))
	return err
}

// write implements audioFile. Once the file is full it drops the audio.
func (w *wavWriter) write(pcm []int16) error {
	for len(pcm) > 0 && !w.truncated {
		n := min(len(pcm), len(w.out)/2)
		if err := w.writeBytes(pcm[:n]); err != nil {
			return err
		}
		pcm = pcm[n:]
	}
	return nil
}

// writeBytes appends pcm, at most len(w.out)/2 samples, to the data
// chunk and brings the header's sizes up to date every headerEvery.
func (w *wavWriter) writeBytes(pcm []int16) error {
	b := w.out[:2*len(pcm)]
	for i, v := range pcm {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
	}
	if room := maxDataBytes - w.dataBytes; int64(len(b)) > room {
		b = b[:room]
		w.truncated = true
		w.log.Warn("recording reached the WAV size limit; the rest of the call is not recorded")
	}
	if _, err := w.s.Write(b); err != nil {
		return fmt.Errorf("writing audio: %w", err)
	}
	w.dataBytes += int64(len(b))
	if w.dataBytes-w.patchedAt >= samples(headerEvery, w.rate)*bytesPerFrame {
		if err := patchSizes(w.s, &w.hdr, uint32(w.dataBytes)); err != nil {
			return fmt.Errorf("updating header: %w", err)
		}
		w.patchedAt = w.dataBytes
	}
	return nil
}

// finish implements audioFile: the final sizes.
func (w *wavWriter) finish() error {
	return patchSizes(w.s, &w.hdr, uint32(w.dataBytes))
}

// frames implements audioFile.
func (w *wavWriter) frames() int64 { return w.dataBytes / bytesPerFrame }

// release implements audioFile; there is nothing to free.
func (w *wavWriter) release() {}
