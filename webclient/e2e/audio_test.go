package e2e

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
)

// writeToneWAV writes a mono 16-bit PCM WAV file holding a sine of freq Hz
// at half of full scale. A whole number of cycles keeps a looping player
// free of clicks when seconds*freq is an integer.
func writeToneWAV(path string, freq float64, rate, seconds int) error {
	n := rate * seconds
	buf := make([]byte, 44+2*n)
	copy(buf[0:], "RIFF")
	binary.LittleEndian.PutUint32(buf[4:], uint32(36+2*n))
	copy(buf[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(buf[16:], 16)
	binary.LittleEndian.PutUint16(buf[20:], 1) // PCM
	binary.LittleEndian.PutUint16(buf[22:], 1) // mono
	binary.LittleEndian.PutUint32(buf[24:], uint32(rate))
	binary.LittleEndian.PutUint32(buf[28:], uint32(2*rate))
	binary.LittleEndian.PutUint16(buf[32:], 2)
	binary.LittleEndian.PutUint16(buf[34:], 16)
	copy(buf[36:], "data")
	binary.LittleEndian.PutUint32(buf[40:], uint32(2*n))
	for i := 0; i < n; i++ {
		v := 0.5 * math.Sin(2*math.Pi*freq*float64(i)/float64(rate))
		binary.LittleEndian.PutUint16(buf[44+2*i:], uint16(int16(v*32767)))
	}
	return os.WriteFile(path, buf, 0o644)
}

var errNotWAV = errors.New("not a 16-bit PCM WAV file")

// readWAV returns the first channel of a 16-bit PCM WAV file as samples in
// [-1, 1) and its sample rate. A data chunk whose size was never filled in
// (a recorder still writing) is read to the end of the file.
func readWAV(path string) ([]float64, int, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, err
	}
	if len(raw) < 12 || string(raw[0:4]) != "RIFF" || string(raw[8:12]) != "WAVE" {
		return nil, 0, fmt.Errorf("%s: %w", path, errNotWAV)
	}
	var rate, channels, bits int
	for off := 12; off+8 <= len(raw); {
		id, size := string(raw[off:off+4]), int(binary.LittleEndian.Uint32(raw[off+4:]))
		body := raw[off+8:]
		switch id {
		case "fmt ":
			if len(body) < 16 {
				return nil, 0, fmt.Errorf("%s: short fmt chunk: %w", path, errNotWAV)
			}
			if f := binary.LittleEndian.Uint16(body[0:]); f != 1 && f != 0xfffe {
				return nil, 0, fmt.Errorf("%s: format %d: %w", path, f, errNotWAV)
			}
			channels = int(binary.LittleEndian.Uint16(body[2:]))
			rate = int(binary.LittleEndian.Uint32(body[4:]))
			bits = int(binary.LittleEndian.Uint16(body[14:]))
		case "data":
			if bits != 16 || channels < 1 {
				return nil, 0, fmt.Errorf("%s: %d bits, %d channels: %w", path, bits, channels, errNotWAV)
			}
			if size <= 0 || size > len(body) {
				size = len(body)
			}
			frame := 2 * channels
			out := make([]float64, size/frame)
			for i := range out {
				out[i] = float64(int16(binary.LittleEndian.Uint16(body[i*frame:]))) / 32768
			}
			return out, rate, nil
		}
		off += 8 + size + size&1
	}
	return nil, 0, fmt.Errorf("%s: no data chunk: %w", path, errNotWAV)
}

// goertzel returns the power of frequency freq in samples taken at rate.
func goertzel(samples []float64, freq float64, rate int) float64 {
	w := 2 * math.Pi * freq / float64(rate)
	c := 2 * math.Cos(w)
	var s1, s2 float64
	for _, x := range samples {
		s0 := x + c*s1 - s2
		s2, s1 = s1, s0
	}
	return (s1*s1 + s2*s2 - c*s1*s2) / float64(len(samples)*len(samples))
}

// spectrum is the outcome of scanning a signal for its strongest tone.
type spectrum struct {
	PeakHz  float64 // frequency with the most power, 10 Hz steps
	Peak    float64 // its power
	Purity  float64 // Peak / sum of all scanned powers
	RMS     float64 // signal level
	Seconds float64 // length analysed
}

func (s spectrum) String() string {
	return fmt.Sprintf("peak %.0f Hz (purity %.2f, rms %.3f, %.1f s)", s.PeakHz, s.Purity, s.RMS, s.Seconds)
}

// dominant scans 100–3500 Hz in 10 Hz steps with Goertzel filters.
func dominant(samples []float64, rate int) spectrum {
	sp := spectrum{Seconds: float64(len(samples)) / float64(rate)}
	if len(samples) == 0 {
		return sp
	}
	var sum, sq float64
	for _, x := range samples {
		sq += x * x
	}
	sp.RMS = math.Sqrt(sq / float64(len(samples)))
	for f := 100.0; f <= 3500; f += 10 {
		p := goertzel(samples, f, rate)
		sum += p
		if p > sp.Peak {
			sp.Peak, sp.PeakHz = p, f
		}
	}
	if sum > 0 {
		sp.Purity = sp.Peak / sum
	}
	return sp
}

// heard checks that samples carry a clear tone at want Hz.
func heard(sp spectrum, want float64) error {
	switch {
	case sp.Seconds < 0.5:
		return fmt.Errorf("only %.2f s of audio", sp.Seconds)
	case sp.RMS < 0.01:
		return fmt.Errorf("silence: %v", sp)
	case math.Abs(sp.PeakHz-want) > 15:
		return fmt.Errorf("want %.0f Hz, got %v", want, sp)
	case sp.Purity < 0.2:
		return fmt.Errorf("%.0f Hz is not clear: %v", want, sp)
	}
	return nil
}

// ulaw decodes one G.711 µ-law byte (ITU-T G.711 §A) to [-1, 1).
func ulaw(b byte) float64 {
	b = ^b
	t := (int(b&0x0f) << 3) + 0x84
	t <<= (b & 0x70) >> 4
	if b&0x80 != 0 {
		return float64(0x84-t) / 32768
	}
	return float64(t-0x84) / 32768
}

// alaw decodes one G.711 A-law byte to [-1, 1).
func alaw(b byte) float64 {
	b ^= 0x55
	t := int(b&0x0f) << 4
	seg := int(b&0x70) >> 4
	switch seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t += 0x108
		t <<= seg - 1
	}
	if b&0x80 == 0 {
		t = -t
	}
	return float64(t) / 32768
}
