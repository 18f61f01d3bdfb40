package codec

import "math"

// StaticComfortNoisePT is the static RTP payload type of comfort noise at
// 8000 Hz (RFC 3551 §4.5.5, §6).
const StaticComfortNoisePT = 13

// comfortNoise fills the silences of a sender that suppresses them
// (RFC 3389): its CN packets give the level of the background noise, and
// until speech resumes the receiver plays noise at that level rather than
// dead silence, which listeners take for a dropped call. The spectral
// shape a CN packet may carry (RFC 3389 §3.2) is not reproduced: the noise
// is white, which is what §4 allows when the coefficients are absent.
type comfortNoise struct {
	active bool
	amp    float64 // peak amplitude of the uniform noise
	state  uint64  // xorshift generator state
}

// setLevel starts comfort noise at the level of a CN payload's first byte:
// the noise power in -dBov, 0 to 127 (RFC 3389 §3.1), where 0 dBov is the
// overload point of 16-bit linear PCM.
func (cn *comfortNoise) setLevel(payload []byte) {
	if len(payload) == 0 {
		return
	}
	level := float64(payload[0] & 0x7f)
	rms := 32767 * math.Pow(10, -level/20)
	// A uniform distribution over [-a, a] has an RMS of a/√3.
	cn.amp = min(rms*math.Sqrt(3), 32767)
	cn.active = true
	if cn.state == 0 {
		cn.state = 0x9E3779B97F4A7C15
	}
}

// fill writes noise into pcm.
func (cn *comfortNoise) fill(pcm []int16) {
	for i := range pcm {
		// xorshift64 (Marsaglia): fast and plenty for noise.
		cn.state ^= cn.state << 13
		cn.state ^= cn.state >> 7
		cn.state ^= cn.state << 17
		u := float64(cn.state>>11)/(1<<53)*2 - 1
		pcm[i] = int16(u * cn.amp)
	}
}
