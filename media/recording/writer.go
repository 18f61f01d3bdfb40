package recording

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
		n := min(target-w, int64(len(r.pcm)/numChannels))
		r.interleaveLocked(w, n)
		r.written.Store(w + n)
		r.mu.Unlock()
		r.write(r.pcm[:n*numChannels])
	}
}

// interleaveLocked copies n frames from position w of the rings into
// r.pcm as interleaved stereo samples and clears them in the rings, so
// the slots are silent when reused. r.mu is held.
func (r *Recorder) interleaveLocked(w, n int64) {
	size := int64(len(r.ring[0]))
	left, right := r.ring[Caller], r.ring[Callee]
	out := r.pcm[:2*n]
	for i := range n {
		k := (w + i) % size
		out[2*i], out[2*i+1] = left[k], right[k]
		left[k], right[k] = 0, 0
	}
}

// write hands interleaved samples to the file's encoder. After an error
// it drops the audio: the rest of the call is not recorded.
func (r *Recorder) write(pcm []int16) {
	if r.writeErr != nil {
		return
	}
	if err := r.file.write(pcm); err != nil {
		r.writeErr = err
		r.log.Error("recording write failed; the rest of the call is not recorded", "path", r.path, "error", err)
	}
}
