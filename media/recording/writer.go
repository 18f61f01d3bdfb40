package recording

import (
	"encoding/binary"
	"fmt"
)

// run is the writer goroutine: woken by RTP when enough audio is due, it
// moves audio from the rings to the file; on Close it writes out the rest.
func (r *Recorder) run() {
	defer r.wg.Done()
	for {
		select {
		case <-r.wake:
			r.flush(false)
		case <-r.done:
			r.flush(true)
			return
		}
	}
}

// notifyLocked wakes the writer when at least flushEvery of audio is due.
// r.mu is held.
func (r *Recorder) notifyLocked() {
	if r.maxArrival-r.lag-r.written.Load() < r.chunk {
		return
	}
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// flush writes the audio that is due: everything older than writeLag
// before the newest arrival, or with final everything placed.
func (r *Recorder) flush(final bool) {
	for {
		r.mu.Lock()
		w := r.written.Load()
		target := r.maxArrival - r.lag
		if final {
			target = max(target, r.maxEnd)
		}
		if target <= w {
			r.mu.Unlock()
			return
		}
		n := min(target-w, int64(len(r.out)/bytesPerFrame))
		r.interleaveLocked(w, n)
		r.written.Store(w + n)
		r.mu.Unlock()
		r.write(r.out[:n*bytesPerFrame])
	}
}

// interleaveLocked copies n frames from position w of the rings into
// r.out as little-endian stereo samples and clears them in the rings, so
// the slots are silent when reused. r.mu is held.
func (r *Recorder) interleaveLocked(w, n int64) {
	size := int64(len(r.ring[0]))
	left, right := r.ring[Caller], r.ring[Callee]
	out := r.out
	for i := range n {
		k := (w + i) % size
		binary.LittleEndian.PutUint16(out[bytesPerFrame*i:], uint16(left[k]))
		binary.LittleEndian.PutUint16(out[bytesPerFrame*i+2:], uint16(right[k]))
		left[k], right[k] = 0, 0
	}
}

// write appends b to the data chunk and keeps the header's sizes current.
// After an error, or once the file is full, it drops the audio.
func (r *Recorder) write(b []byte) {
	if r.writeErr != nil || r.truncated {
		return
	}
	if room := maxDataBytes - r.dataBytes; int64(len(b)) > room {
		b = b[:room]
		r.truncated = true
		r.log.Warn("recording reached the WAV size limit; the rest of the call is not recorded", "path", r.path)
	}
	if _, err := r.sink.Write(b); err != nil {
		r.writeErr = fmt.Errorf("writing audio: %w", err)
		r.log.Error("recording write failed; the rest of the call is not recorded", "path", r.path, "error", err)
		return
	}
	r.dataBytes += int64(len(b))
	if r.dataBytes-r.patchedAt >= samples(headerEvery, r.rate)*bytesPerFrame {
		if err := patchSizes(r.sink, &r.hdr, uint32(r.dataBytes)); err != nil {
			r.writeErr = fmt.Errorf("updating header: %w", err)
			r.log.Error("recording header update failed", "path", r.path, "error", err)
			return
		}
		r.patchedAt = r.dataBytes
	}
}
