package media

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

var (
	negOpus   = Codec{PT: 111, Name: "opus", Clock: 48000, Channels: 2, Fmtp: "minptime=10;useinbandfec=1"}
	negRed    = Codec{PT: 63, Name: "red", Clock: 48000, Channels: 2, Fmtp: "111/111"}
	negG722   = Codec{PT: 9, Name: "G722", Clock: 8000}
	negPCMU   = Codec{PT: 0, Name: "PCMU", Clock: 8000}
	negPCMA   = Codec{PT: 8, Name: "PCMA", Clock: 8000}
	negCN     = Codec{PT: 13, Name: "CN", Clock: 8000}
	negG729   = Codec{PT: 18, Name: "G729", Clock: 8000, Fmtp: "annexb=no"}
	negTE48   = Codec{PT: 110, Name: "telephone-event", Clock: 48000}
	negTE8    = Codec{PT: 126, Name: "telephone-event", Clock: 8000}
	negTE101  = Codec{PT: 101, Name: "telephone-event", Clock: 8000, Fmtp: "0-15"}
	negChrome = []Codec{negOpus, negRed, negG722, negPCMU, negPCMA, negCN, negTE48, negTE8}
)

func TestIsPassthrough(t *testing.T) {
	for _, tc := range []struct {
		c    Codec
		want bool
	}{
		{negPCMU, true},
		{negPCMA, true},
		{negG722, true},
		{Codec{PT: 96, Name: "pcmu", Clock: 8000}, true},
		{Codec{PT: 9, Name: "G722", Clock: 8000, Channels: 1}, true},
		{Codec{PT: 9, Name: "G722", Clock: 16000}, false}, // RFC 3551 §4.5.2: 8000 on the wire
		{Codec{PT: 0, Name: "PCMU", Clock: 8000, Channels: 2}, false},
		{Codec{PT: 0, Name: "PCMU"}, false},
		{negOpus, false},
		{negRed, false},
		{negCN, false},
		{negG729, false},
		{negTE8, false},
		{Codec{PT: 96}, false},
	} {
		if got := IsPassthrough(tc.c); got != tc.want {
			t.Errorf("IsPassthrough(%+v) = %v", tc.c, got)
		}
	}
}

func TestSIPOfferCodecs(t *testing.T) {
	te := func(pt uint8) Codec { return Codec{PT: pt, Name: "telephone-event", Clock: 8000, Fmtp: "0-16"} }
	opus101 := Codec{PT: 101, Name: "opus", Clock: 48000, Channels: 2}
	for _, tc := range []struct {
		name    string
		browser []Codec
		want    []Codec
	}{
		{"chrome", negChrome, []Codec{negG722, negPCMU, negPCMA, te(126)}},
		{"firefox", []Codec{{PT: 109, Name: "opus", Clock: 48000, Channels: 2}, {PT: 9, Name: "G722", Clock: 8000, Channels: 1}, negPCMU, negPCMA, negTE101},
			[]Codec{{PT: 9, Name: "G722", Clock: 8000, Channels: 1}, negPCMU, negPCMA, te(101)}},
		{"no telephone-event", []Codec{negOpus, negPCMA, negPCMU}, []Codec{negPCMA, negPCMU, te(101)}},
		{"only 48 kHz telephone-event", []Codec{negOpus, negTE48, negPCMU}, []Codec{negPCMU, te(101)}},
		{"101 taken", []Codec{opus101, negPCMU}, []Codec{negPCMU, te(96)}},
		{"first 8 kHz telephone-event", []Codec{negPCMU, {PT: 100, Name: "TELEPHONE-EVENT", Clock: 8000}, negTE8}, []Codec{negPCMU, te(100)}},
		{"repeated payload type", []Codec{negPCMU, {PT: 0, Name: "PCMA", Clock: 8000}, negPCMA}, []Codec{negPCMU, negPCMA, te(101)}},
		{"G729 and CN dropped", []Codec{negG729, negCN, negPCMA}, []Codec{negPCMA, te(101)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := SIPOfferCodecs(tc.browser)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got  %v\nwant %v", got, tc.want)
			}
		})
	}

	// Every dynamic payload type in use: no telephone-event can be added.
	full := []Codec{negPCMU}
	for pt := 96; pt < 128; pt++ {
		full = append(full, Codec{PT: uint8(pt), Name: "opus", Clock: 48000})
	}
	got, err := SIPOfferCodecs(full)
	if err != nil || !slices.Equal(got, []Codec{negPCMU}) {
		t.Errorf("all dynamic payload types used: %v %v", got, err)
	}

	for _, browser := range [][]Codec{nil, {negOpus, negTE48}, {negOpus, negRed, negCN, negTE8}, {{PT: 0, Name: "PCMU", Clock: 16000}}} {
		got, err := SIPOfferCodecs(browser)
		if !errors.Is(err, ErrNoCommonCodec) || got != nil {
			t.Errorf("SIPOfferCodecs(%v) = %v, %v; want ErrNoCommonCodec", browser, got, err)
		}
	}
}

func TestSelectAnswer(t *testing.T) {
	offered := []Codec{negG722, negPCMU, negPCMA, {PT: 126, Name: "telephone-event", Clock: 8000, Fmtp: "0-16"}}
	for _, tc := range []struct {
		name      string
		peer      []Codec
		allowed   []Codec
		wantAudio Codec
		wantDTMF  *Codec
		wantErr   bool
	}{
		{name: "PCMA only", peer: []Codec{negPCMA}, allowed: offered, wantAudio: negPCMA},
		{name: "peer order wins", peer: []Codec{negPCMA, negG722, negTE8}, allowed: offered, wantAudio: negPCMA, wantDTMF: &negTE8},
		{name: "PCMU and 101", peer: []Codec{negPCMU, negTE101}, allowed: offered, wantAudio: negPCMU, wantDTMF: &negTE101},
		{name: "unoffered codec refused", peer: []Codec{negG729}, allowed: offered, wantErr: true},
		{name: "unoffered codec skipped", peer: []Codec{negG729, negPCMU, negTE101}, allowed: offered, wantAudio: negPCMU, wantDTMF: &negTE101},
		{name: "passthrough not allowed", peer: []Codec{negG722, negTE101}, allowed: []Codec{negPCMU, negPCMA}, wantErr: true},
		{name: "telephone-event not allowed", peer: []Codec{negPCMU, negTE101}, allowed: []Codec{negPCMU}, wantAudio: negPCMU},
		{name: "telephone-event clock", peer: []Codec{negPCMU, negTE48, negTE101}, wantAudio: negPCMU, wantDTMF: &negTE101},
		{name: "only 48 kHz telephone-event", peer: []Codec{negPCMU, negTE48}, wantAudio: negPCMU},
		{name: "opus skipped", peer: []Codec{negOpus, negRed, negPCMU, negTE8}, wantAudio: negPCMU, wantDTMF: &negTE8},
		{name: "chrome as allowed", peer: []Codec{negPCMA, negTE101}, allowed: negChrome, wantAudio: negPCMA, wantDTMF: &negTE101},
		{name: "name case and mono", peer: []Codec{{PT: 9, Name: "g722", Clock: 8000, Channels: 1}},
			allowed: offered, wantAudio: Codec{PT: 9, Name: "g722", Clock: 8000, Channels: 1}},
		{name: "clock mismatch refused", peer: []Codec{{PT: 9, Name: "G722", Clock: 16000}}, wantErr: true},
		{name: "G729 only", peer: []Codec{negG729, negTE101}, wantErr: true},
		{name: "empty", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			audio, dtmf, err := SelectAnswer(tc.peer, tc.allowed)
			if tc.wantErr {
				if !errors.Is(err, ErrNoCommonCodec) || audio != (Codec{}) || dtmf != nil {
					t.Fatalf("got %v %v %v, want ErrNoCommonCodec", audio, dtmf, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if audio != tc.wantAudio {
				t.Errorf("audio %+v, want %+v", audio, tc.wantAudio)
			}
			switch {
			case tc.wantDTMF == nil && dtmf != nil:
				t.Errorf("dtmf %+v, want none", *dtmf)
			case tc.wantDTMF != nil && (dtmf == nil || *dtmf != *tc.wantDTMF):
				t.Errorf("dtmf %v, want %+v", dtmf, *tc.wantDTMF)
			}
		})
	}
}

func TestSelectAnswerDoesNotAlias(t *testing.T) {
	peer := []Codec{negPCMU, negTE101}
	_, dtmf, err := SelectAnswer(peer, nil)
	if err != nil || dtmf == nil {
		t.Fatal(dtmf, err)
	}
	dtmf.PT = 77
	if peer[1].PT != 101 {
		t.Error("the returned dtmf codec aliases the peer slice")
	}
}

func TestNoCommonCodecMessage(t *testing.T) {
	_, _, err := SelectAnswer([]Codec{negG729, {PT: 96, Name: "a\x01"}}, []Codec{negPCMU})
	msg := err.Error()
	for _, want := range []string{"no common codec", "18 G729/8000", `96 a\x01/0`, "allowed 0 PCMU/8000"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	_, err = SIPOfferCodecs(nil)
	if err == nil || !strings.Contains(err.Error(), "no codecs") {
		t.Errorf("SIPOfferCodecs(nil): %v", err)
	}
}
