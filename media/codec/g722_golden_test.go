package codec

// g722GoldenInput is the deterministic 1 s, 16 kHz test signal behind the
// golden files in testdata: tones rich in harmonics, noise at several
// levels, a clipping square wave, silence and a sweep, all built with
// integer arithmetic so any implementation can regenerate it exactly.
func g722GoldenInput() []int16 {
	const n = 16000
	tri := func(i, period, amp int) int {
		ph := i % period
		if ph < period/2 {
			return 4*amp*ph/period - amp
		}
		return 3*amp - 4*amp*ph/period
	}
	out := make([]int16, n)
	seed := uint32(12345)
	for i := range n {
		seed = seed*1103515245 + 12345
		noise := int(seed>>16&0x7FFF) - 16384
		var v int
		switch i / 2000 {
		case 0:
			v = tri(i, 37, 8000) + noise>>4
		case 1:
			v = noise
		case 2:
			v = noise >> 8
		case 3:
			v = -30000
			if (i/20)&1 == 1 {
				v = 30000
			}
		case 4:
			v = 0
		case 5:
			v = tri(i, 9, 20000) + tri(i, 3, 6000)
		case 6:
			v = int(int16(seed >> 8))
		case 7:
			v = tri(i, 4+(i%2000)/50, 14000)
		}
		out[i] = int16(clamp(v, -32768, 32767))
	}
	return out
}
