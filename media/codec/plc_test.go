package codec

import (
	"math"
	"testing"
)

// TestConcealment plays a tone through a G.711 and a G.722 decoder, then
// loses packets: the first concealed frame continues the tone closely, the
// level fades from 10 ms on and is zero from 60 ms, and when packets come
// back the splice has no click.
func TestConcealment(t *testing.T) {
	for _, c := range []Codec{PCMU, G722} {
		t.Run(c.String(), func(t *testing.T) {
			rate, frame := c.SampleRate(), c.FrameSamples()
			const freq, amp = 210.0, 10000.0
			enc, _ := NewEncoder(c, EncoderConfig{})
			dec, _ := NewDecoder(c, DecoderConfig{})
			// ref receives every packet: what the listener would have heard.
			ref, _ := NewDecoder(c, DecoderConfig{})
			payload := make([]byte, 1000)
			pcm := make([]int16, frame)
			refPCM := make([]int16, frame)
			var heard []int16
			pos := 0
			send := func() []byte {
				n, _ := enc.Encode(tone(rate, freq, amp, pos, frame), payload)
				pos += frame
				ref.Decode(payload[:n], refPCM)
				heard = append(heard, refPCM...)
				return payload[:n]
			}
			play := func() []int16 {
				if _, err := dec.Decode(send(), pcm); err != nil {
					t.Fatal(err)
				}
				return append([]int16(nil), pcm...)
			}
			lose := func() []int16 {
				send()
				if n := dec.Conceal(pcm); n != frame {
					t.Fatalf("Conceal wrote %d samples", n)
				}
				return append([]int16(nil), pcm...)
			}
			for range 20 {
				play()
			}
			var concealed [][]int16
			for range 4 {
				concealed = append(concealed, lose())
			}
			// The first 10 ms continue the tone.
			first := concealed[0][:rate/100]
			ideal := heard[len(heard)-4*frame:]
			var e, s float64
			for i := range first {
				d := float64(first[i]) - float64(ideal[i])
				e += d * d
				s += float64(ideal[i]) * float64(ideal[i])
			}
			if snr := 10 * math.Log10(s/e); snr < 15 {
				t.Errorf("first concealed 10 ms: SNR %.1f dB against the real continuation", snr)
			}
			l0, l1, l2, l3 := rms(concealed[0]), rms(concealed[1]), rms(concealed[2]), rms(concealed[3])
			t.Logf("concealed frame levels: %.0f %.0f %.0f %.0f", l0, l1, l2, l3)
			if !(l0 > l1 && l1 > l2 && l2 > 0 && l3 == 0) || l0 < amp/math.Sqrt2*0.8 {
				t.Errorf("fade: levels %.0f %.0f %.0f %.0f", l0, l1, l2, l3)
			}
			// Back to real packets: the splice stays within the tone's slope.
			next := play()
			maxStep := 2 * math.Pi * freq / float64(rate) * amp * 1.5
			prev := float64(concealed[3][frame-1])
			for i, v := range next[:rate/100] {
				if math.Abs(float64(v)-prev) > maxStep {
					t.Fatalf("click at sample %d after the loss: %v → %d", i, prev, v)
				}
				prev = float64(v)
			}
			// A single loss in the middle of the tone: no click either side.
			for range 5 {
				play()
			}
			before := play()
			mid := lose()
			after := play()
			seq := append(append(before, mid...), after...)
			for i := 1; i < len(seq); i++ {
				if math.Abs(float64(seq[i])-float64(seq[i-1])) > maxStep {
					t.Fatalf("click at sample %d around a single loss", i)
				}
			}
		})
	}
}

func TestConcealBeforeAudio(t *testing.T) {
	dec, _ := NewDecoder(PCMA, DecoderConfig{})
	pcm := make([]int16, 160)
	for i := range pcm {
		pcm[i] = 1
	}
	if n := dec.Conceal(pcm); n != 160 || rms(pcm) != 0 {
		t.Errorf("Conceal with no history: %d samples, rms %.1f", n, rms(pcm))
	}
	if n := dec.Conceal(make([]int16, 50)); n != 50 {
		t.Errorf("short buffer: %d samples", n)
	}
}
