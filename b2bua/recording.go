package b2bua

import (
	"slices"
	"strings"

	"github.com/callgate/callgate/media"
	"github.com/callgate/callgate/media/recording"
)

// RecordingConfig chooses the calls callgate records, both directions into
// one two-channel file per call (caller left, callee right), WAV or Ogg
// Opus, named after the call's start and ID. Calls not chosen pay nothing: the tap is
// only attached to recorded calls.
type RecordingConfig struct {
	// Dir is where recordings go; empty disables recording.
	Dir string
	// All records every answered call.
	All bool
	// Users records calls from or to these users (or dialled numbers).
	Users []string
	// Header names the request header with which a trusted source (a
	// trunk, or an authenticated user) asks for a call to be recorded,
	// with the value "yes", "true" or "1"; default "X-Callgate-Record",
	// "-" ignores such headers.
	Header string
	// SampleRate of the files, 8000 (default) or 16000 Hz.
	SampleRate int
	// Format of the files: recording.FormatWAV (the zero value) or
	// recording.FormatOpus (Ogg Opus, RFC 7845).
	Format recording.Format
}

// recordHeader is the header name in effect, "" when disabled.
func (rc RecordingConfig) recordHeader() string {
	switch rc.Header {
	case "-":
		return ""
	case "":
		return "X-Callgate-Record"
	}
	return rc.Header
}

// shouldRecord applies the recording rules to this call. Every call's
// INVITE came from an authenticated user or a trusted trunk, so its
// header may ask.
func (c *call) shouldRecord() bool {
	rc := c.s.cfg.Recording
	if rc.Dir == "" {
		return false
	}
	if rc.All || slices.Contains(rc.Users, c.callerName()) || slices.Contains(rc.Users, c.calleeName()) {
		return true
	}
	if name := rc.recordHeader(); name != "" {
		if h := c.invite.GetHeader(name); h != nil {
			switch strings.ToLower(strings.TrimSpace(h.Value())) {
			case "yes", "true", "1":
				return true
			}
		}
	}
	return false
}

// startRecording attaches a recorder to an answered call when its rules
// ask for one.
func (c *call) startRecording() {
	if !c.shouldRecord() {
		return
	}
	if c.relay == nil && c.bridge == nil {
		c.log.Warn("call not recorded: calls between two browsers are not recorded")
		return
	}
	rec, err := recording.Create(recording.Config{Dir: c.s.cfg.Recording.Dir, CallID: c.id, Start: c.started,
		SampleRate: c.s.cfg.Recording.SampleRate, Format: c.s.cfg.Recording.Format, Logger: c.log})
	if err != nil {
		c.log.Warn("call not recorded", "error", err)
		return
	}
	c.recorder = rec
	setRecordingCodecs(rec, recording.Caller, c.invite.Body())
	if c.winner != nil && c.winner.finalRes != nil {
		setRecordingCodecs(rec, recording.Callee, c.winner.finalRes.Body())
	}
	if c.relay != nil {
		c.relay.SetTap(relayTap{rec})
	} else {
		c.bridge.SetTap(bridgeTap{rec: rec, browserIsCaller: c.browserCaller})
	}
	c.log.Info("recording call", "file", rec.Path())
}

// stopRecording detaches and closes the recorder.
func (c *call) stopRecording() {
	if c.recorder == nil {
		return
	}
	if c.relay != nil {
		c.relay.SetTap(nil)
	}
	if c.bridge != nil {
		c.bridge.SetTap(nil)
	}
	if err := c.recorder.Close(); err != nil {
		c.log.Warn("recording incomplete", "file", c.recorder.Path(), "error", err)
	} else {
		c.log.Info("recording saved", "file", c.recorder.Path(), "duration", c.recorder.Duration().String())
	}
	c.recorder = nil
}

// setRecordingCodecs tells the recorder the payload types one party
// sends, from the SDP that party sent.
func setRecordingCodecs(rec *recording.Recorder, ch recording.Channel, sdp []byte) {
	codecs, _, err := media.ParseCodecs(sdp)
	if err != nil {
		return
	}
	for _, cd := range codecs {
		_ = rec.SetCodec(ch, cd.PT, cd.Name, int(cd.Clock)) // formats it cannot decode are skipped
	}
}

// relayTap feeds a recorder from the relay: leg A is the caller.
type relayTap struct{ rec *recording.Recorder }

// RTP implements media.Tap.
func (t relayTap) RTP(from media.Leg, pkt []byte) {
	if from == media.LegA {
		t.rec.RTP(recording.Caller, pkt)
		return
	}
	t.rec.RTP(recording.Callee, pkt)
}

// bridgeTap feeds a recorder from a browser bridge.
type bridgeTap struct {
	rec             *recording.Recorder
	browserIsCaller bool
}

// PhoneRTP implements browserleg.BridgeTap.
func (t bridgeTap) PhoneRTP(pkt []byte) {
	if t.browserIsCaller {
		t.rec.RTP(recording.Callee, pkt)
		return
	}
	t.rec.RTP(recording.Caller, pkt)
}

// BrowserRTP implements browserleg.BridgeTap.
func (t bridgeTap) BrowserRTP(pkt []byte) {
	if t.browserIsCaller {
		t.rec.RTP(recording.Caller, pkt)
		return
	}
	t.rec.RTP(recording.Callee, pkt)
}

// retapRecording attaches the call's recorder to whatever carries the
// call's media after a transfer or a replaced party changed it. Calls that
// came to join two browsers are not recorded from then on, as such calls
// never are.
func (c *call) retapRecording() {
	switch {
	case c.recorder == nil:
	case c.relay != nil:
		c.relay.SetTap(relayTap{c.recorder})
	case c.bridge != nil:
		c.bridge.SetTap(bridgeTap{rec: c.recorder, browserIsCaller: c.browserCaller})
	default:
		c.log.Warn("recording stopped: the call now joins two browsers")
		c.stopRecording()
	}
}
