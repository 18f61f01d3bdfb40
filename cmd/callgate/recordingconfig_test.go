package main

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/callgate/callgate/b2bua"
	"github.com/callgate/callgate/media/recording"
)

// TestRecordingSectionFormats: recording.format picks the file format, is
// case-insensitive, defaults to WAV, and an unknown name names its key.
func TestRecordingSectionFormats(t *testing.T) {
	for _, c := range []struct {
		yaml string
		want recording.Format
		bad  bool
	}{
		{"recording:\n  dir: rec\n", recording.FormatWAV, false},
		{"recording:\n  dir: rec\n  format: wav\n", recording.FormatWAV, false},
		{"recording:\n  dir: rec\n  format: OPUS\n", recording.FormatOpus, false},
		{"recording:\n  dir: rec\n  format: ogg\n", recording.FormatOpus, false},
		{"recording:\n  dir: rec\n  format: mp3\n", "", true},
	} {
		// parseConfig validates every section; recordingFromFile is what
		// serve uses.
		fc, err := parseConfig([]byte("data_dir: /var/lib/callgate\n" + c.yaml))
		var rc b2bua.RecordingConfig
		if err == nil {
			rc, err = recordingFromFile(fc)
		}
		var ce *configError
		switch {
		case c.bad && (!errors.As(err, &ce) || ce.Key != "recording.format"):
			t.Errorf("%q: error %v, want one naming recording.format", c.yaml, err)
		case !c.bad && err != nil:
			t.Errorf("%q: %v", c.yaml, err)
		case !c.bad && (rc.Format != c.want || rc.Dir != filepath.Join("/var/lib/callgate", "rec")):
			t.Errorf("%q: format %q dir %q, want %q in the data dir", c.yaml, rc.Format, rc.Dir, c.want)
		}
	}
}
