// Package recording writes a call's audio, both directions, to a
// two-channel file, WAV or Ogg Opus: the caller's audio on the left
// channel, the callee's on the right.
//
// # When it runs
//
// Whether a call is recorded is decided outside this package (a
// configuration rule, or a header from a trusted source, evaluated by the
// signalling layer). A call that is not recorded has no Recorder and its
// relay passes RTP through untouched, so it pays nothing. For a recorded
// call the relay hands every RTP packet it forwards to Recorder.RTP as
// well; the recorder decodes a copy and never changes the forwarded packet.
// The methods RTP, RTPAt and Close do nothing on a nil *Recorder, so a
// relay may call them unconditionally.
//
//	rec, err := recording.Create(recording.Config{
//		Dir: "/var/lib/callgate/recordings", CallID: callID, Start: answered,
//	})
//	if err != nil { ... }
//	defer rec.Close()
//	rec.SetCodec(recording.Caller, 0, "PCMU", 8000) // from the caller's SDP
//	rec.SetCodec(recording.Callee, 111, "opus", 48000) // from the callee's
//	// Relay goroutine of leg A, for each packet received from the caller:
//	rec.RTP(recording.Caller, pkt)
//	// Relay goroutine of leg B, for each packet received from the callee:
//	rec.RTP(recording.Callee, pkt)
//
// The file is named <Dir>/<start in UTC as 20060102T150405Z>_<call ID>
// with the format's extension.
//
// # Formats
//
// Config.Format chooses the file format. FormatWAV (the default, ".wav")
// holds 16-bit PCM at 8 kHz (or 16 kHz) in the canonical RIFF layout.
// FormatOpus (".opus") is an Ogg Opus file (RFC 7845, pages per RFC
// 3533): one stereo Opus stream, encoded with libopus in 20 ms packets at
// 40 kbit/s (8 kHz) or 48 kbit/s (16 kHz), with the call ID and start in
// its comment header (CALL_ID, DATE, CALL_START). libopus takes the
// audio at the recorder's rate and any Opus decoder plays it at 48 kHz;
// the pre-skip and the last page's granule position make the decoded
// audio start and end exactly where the WAV file's would. Encoding takes
// somewhat more CPU than one direction of a call transcoded to Opus.
//
// # Timeline
//
// Both channels share one timeline that starts with the first packet
// recorded. Each channel is placed on it by the wall-clock arrival of its
// first packet; from there on its RTP timestamps (RFC 3550 §5.1) position
// each packet, so network jitter does not shift the audio, and a channel
// that starts later begins after silence. Lost packets and silence
// suppression leave silence of the right length; duplicates and packets
// older than the last one decoded are dropped. A new SSRC, a change of RTP
// clock, a timestamp more than a second away from the arrival time, a run
// of timestamps going back, or a sender clock drifting 150 ms from ours
// re-anchor the channel to the arrival time.
//
// # Cost and memory
//
// RTP decodes the payload (G.711, G.722 and Opus with package codec),
// resamples it to the output rate and copies it into a per-channel ring of
// 2.5 s; it holds a per-channel lock and, for the copy, the recorder's
// lock, and never touches the file. A writer goroutine interleaves the
// channels and writes them out once they are 200 ms older than the newest
// arrival, so a packet up to 200 ms late is still recorded and audio
// reaches the disk within about 300 ms (an Ogg page collects a second of
// audio first). In steady state neither RTP nor the writer allocates. The
// WAV header's sizes are brought up to date every second, and an Ogg page
// is written every second, so a file cut short by a crash stays readable
// up to about its last second.
package recording
